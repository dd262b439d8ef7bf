"""A patient moves a booking to another free time of the same doctor: the new time is taken
and the old one freed in one transaction; the clinic sees the same order, received again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from booking.errors import CannotReschedule, SlotTaken, SlotUnavailable
from booking.models import Reminder
from booking.selectors import resource_slots
from booking.services import order_reschedule
from exchange.models import Order, OrderEvent
from exchange.orders import Actor, order_decide
from tests.booking.conftest import DAY, at, exported, make_schedule, when
from tests.factories import make_order


@pytest.fixture
def booking(resource, patient):
    """The patient's accepted booking at 10:00 on DAY."""
    return make_order(
        resource,
        starts_at=when(resource.clinic, "10:00"),
        patient=patient,
        status=Order.Status.ACCEPTED,
        email="petrova@example.ru",
        name2="Анна",
    )


def move(patient, order, clock: str, now) -> Order:
    return order_reschedule(
        patient=patient, order=order, starts_at=when(order.clinic, clock), now=now
    )


def free_times(resource, now) -> list[str]:
    slots = resource_slots(resource=resource, first_day=DAY, days=1, now=now).get(DAY, [])
    return [f"{slot.starts_at.astimezone(resource.clinic.tzinfo):%H:%M}" for slot in slots]


def test_it_takes_the_new_time_and_frees_the_old_one(client, resource, patient, booking, now):
    moved = move(patient, booking, "11:30", now)

    booking.refresh_from_db()
    assert booking.pk == moved.pk
    assert (booking.starts_at, booking.ends_at) == (
        when(resource.clinic, "11:30"), when(resource.clinic, "12:00")
    )  # fmt: skip
    assert free_times(resource, now) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_it_returns_the_order_to_the_clinic_as_received_and_records_the_move(
    client, resource, patient, booking, now
):
    stamp = booking.last_changed_at

    move(patient, booking, "11:30", now)

    booking.refresh_from_db()
    assert booking.status == Order.Status.RECEIVED
    [event] = OrderEvent.objects.filter(order=booking)
    assert (event.actor_kind, event.action, event.notify_patient) == ("patient", "moved", False)
    # The next export carries the same order once, at the new time, waiting for a decision.
    element = exported(client, stamp)[str(booking.pk)]
    assert element.get("status") == "0"
    assert element.get("reception_datetime") == "04.03.2030 11:30:00"


@pytest.mark.parametrize("clock", ["09:10", "12:00", "08:00"])
def test_it_refuses_a_time_that_is_not_a_slot(patient, booking, now, clock):
    with pytest.raises(SlotUnavailable):
        move(patient, booking, clock, now)

    assert Order.objects.get().starts_at == booking.starts_at


def test_it_refuses_a_taken_time_and_keeps_the_booking(resource, patient, booking, now):
    make_order(resource, starts_at=when(resource.clinic, "11:30"))

    with pytest.raises(SlotTaken):
        move(patient, booking, "11:30", now)

    booking.refresh_from_db()
    assert (booking.starts_at, booking.status) == (
        when(resource.clinic, "10:00"), Order.Status.ACCEPTED
    )  # fmt: skip


@pytest.mark.parametrize("status", [Order.Status.CANCELLED, Order.Status.REJECTED])
def test_it_refuses_to_move_a_booking_that_holds_no_time(patient, booking, now, status):
    Order.objects.filter(pk=booking.pk).update(status=status)

    with pytest.raises(CannotReschedule):
        move(patient, booking, "11:30", now)


def test_it_refuses_to_move_a_visit_that_has_begun(patient, booking):
    with pytest.raises(CannotReschedule):
        move(patient, booking, "11:30", when(booking.clinic, "10:05"))


def test_it_lets_no_other_patient_move_the_booking(other_patient, booking, now):
    with pytest.raises(Order.DoesNotExist):
        move(other_patient, booking, "11:30", now)


def test_it_emails_the_patient_and_drops_the_reminders_until_the_clinic_confirms(
    patient, booking, now, mailoutbox, django_capture_on_commit_callbacks
):
    order_decide(actor=Actor.mis(), order=booking, status=Order.Status.ACCEPTED)  # an echo
    Reminder.objects.create(order=booking, kind="day", due_at=booking.starts_at - timedelta(1))

    with django_capture_on_commit_callbacks(execute=True):
        move(patient, booking, "11:30", now)

    [message] = mailoutbox
    assert message.subject == "Вы перенесли запись: Клиника на Ленина, 04.03.2030 11:30"
    assert "Клиника подтвердит новое время" in message.body
    assert not Reminder.objects.exists()


# The pages.


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


def page_url(order: Order) -> str:
    return f"/orders/{order.pk}/reschedule/"


def test_the_order_page_offers_the_move(signed_in, booking):
    text = signed_in.get(f"/orders/{booking.pk}/").content.decode()

    assert f'href="{page_url(booking)}"' in text


def test_it_shows_the_doctors_free_times(signed_in, resource, patient):
    # The week page shows a year ahead at most: a schedule the day after tomorrow.
    day = timezone.localdate(timezone=resource.clinic.tzinfo) + timedelta(days=2)
    make_schedule(resource, "09:00", "11:00", day=day)
    order = make_order(resource, starts_at=when(resource.clinic, "10:00", day), patient=patient)

    response = signed_in.get(page_url(order))

    assert response.status_code == 200
    links = re.findall(r'href="\?at=(\d+)"', response.content.decode())
    assert [int(link) for link in links] == [
        int(when(resource.clinic, clock, day).timestamp()) for clock in ("09:00", "09:30", "10:30")
    ]


def test_it_asks_before_moving(signed_in, resource, booking):
    response = signed_in.get(page_url(booking), {"at": at(resource, "11:30")})

    assert response.status_code == 200
    assert "Перенести запись с 4 марта, 10:00 на 4 марта, 11:30?" in response.content.decode()
    booking.refresh_from_db()
    assert booking.starts_at == when(resource.clinic, "10:00")


def test_it_shows_the_free_times_again_for_a_time_not_free(signed_in, resource, booking):
    make_order(resource, starts_at=when(resource.clinic, "11:30"))

    response = signed_in.get(page_url(booking), {"at": at(resource, "11:30")})

    assert response.status_code == 200
    assert response.context["error"] is not None
    assert "Перенести запись с" not in response.content.decode()


def test_it_moves_on_post_and_says_so(signed_in, resource, booking):
    response = signed_in.post(page_url(booking), {"at": at(resource, "11:30")}, follow=True)

    assert response.redirect_chain == [(f"/orders/{booking.pk}/", 302)]
    assert "Запись перенесена. Клиника подтвердит новое время." in response.content.decode()
    booking.refresh_from_db()
    assert booking.starts_at == when(resource.clinic, "11:30")


def test_it_answers_409_when_the_time_was_taken_meanwhile(signed_in, resource, booking):
    make_order(resource, starts_at=when(resource.clinic, "11:30"))

    response = signed_in.post(page_url(booking), {"at": at(resource, "11:30")})

    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.starts_at == when(resource.clinic, "10:00")


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_hides_another_patients_booking(client, other_patient, resource, booking, method):
    client.force_login(other_patient)

    response = getattr(client, method)(page_url(booking), {"at": at(resource, "11:30")})

    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.starts_at == when(resource.clinic, "10:00")
