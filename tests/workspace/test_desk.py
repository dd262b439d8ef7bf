"""The orders desk decides and moves orders through the order services, as an MIS would:
the next export shows exactly that change, stamped, and the patient is told by email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exchange.models import Order, OrderEvent
from tests.booking.conftest import DAY, exported, when
from tests.factories import make_order, make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(doctor):
    return make_order(
        doctor,
        starts_at=when(doctor.clinic, "10:00"),
        email="petrova@example.ru",
        name1="Петрова",
        name2="Анна",
        last_changed_at=timezone.now() - timedelta(hours=1),
    )


@pytest.fixture
def desk(client, registrar, clinic):
    client.force_login(registrar)

    def post(order, action: str, data=None):
        url = f"/clinic/{clinic.pk}/orders/{order.pk}/{action}/"
        return client.post(url, data or {})

    return post


def test_it_accepts_and_the_next_export_shows_it_stamped(
    client, desk, order, registrar, mailoutbox, django_capture_on_commit_callbacks
):
    since = timezone.now() - timedelta(minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = desk(order, "accept")

    assert response.status_code == 302
    changed = exported(client, since)
    assert list(changed) == [str(order.pk)]
    assert changed[str(order.pk)].get("status") == "1"
    order.refresh_from_db()
    assert order.last_changed_at > since
    [event] = OrderEvent.objects.filter(order=order)
    assert (event.action, event.actor_kind, event.actor_label) == (
        "accepted", "staff", registrar.email
    )  # fmt: skip
    [message] = mailoutbox
    assert message.to == ["petrova@example.ru"]
    assert "ваша запись подтверждена" in message.body


def test_it_rejects_with_a_reason_the_patient_reads(
    client, desk, order, mailoutbox, django_capture_on_commit_callbacks
):
    since = timezone.now() - timedelta(minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        desk(order, "reject", {"reason": "Врач заболел, приём переносится."})

    assert exported(client, since)[str(order.pk)].get("status") == "3"
    event = OrderEvent.objects.get(order=order)
    assert event.changes["reason"] == "Врач заболел, приём переносится."
    [message] = mailoutbox
    assert "Врач заболел, приём переносится." in message.body


def test_it_does_not_reject_without_a_reason(desk, order):
    desk(order, "reject", {"reason": ""})

    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED


def test_it_moves_to_a_free_slot_and_the_export_shows_the_new_time(
    client, desk, order, doctor, mailoutbox, django_capture_on_commit_callbacks
):
    since = timezone.now() - timedelta(minutes=1)
    eleven = when(doctor.clinic, "11:00")

    with django_capture_on_commit_callbacks(execute=True):
        desk(order, "move", {"resource": doctor.pk, "at": int(eleven.timestamp())})

    order.refresh_from_db()
    assert (order.starts_at, order.ends_at) == (eleven, eleven + timedelta(minutes=30))
    element = exported(client, since)[str(order.pk)]
    assert element.get("reception_datetime") == "04.03.2030 11:00:00"
    [message] = mailoutbox
    assert "11:00" in message.subject


def test_it_refuses_to_move_onto_a_held_slot(desk, order, doctor):
    held = make_order(doctor, starts_at=when(doctor.clinic, "11:00"), name1="Сидоров")

    response = desk(order, "move", {"resource": doctor.pk, "at": int(held.starts_at.timestamp())})

    order.refresh_from_db()
    assert order.starts_at == when(doctor.clinic, "10:00")
    assert OrderEvent.objects.filter(order=order).count() == 0
    assert response.status_code == 302


def test_it_refuses_to_move_outside_the_schedule(desk, order, doctor):
    evening = when(doctor.clinic, "18:00")

    desk(order, "move", {"resource": doctor.pk, "at": int(evening.timestamp())})

    order.refresh_from_db()
    assert order.starts_at == when(doctor.clinic, "10:00")


def test_it_moves_to_another_doctor_of_the_clinic_only(desk, order, other_clinic):
    stranger = make_resource(other_clinic, mis_id=5)

    response = desk(order, "move", {"resource": stranger.pk, "at": 0})

    assert response.status_code == 404


def test_it_shows_the_history_and_offers_free_slots(client, registrar, clinic, order, doctor):
    client.force_login(registrar)
    client.post(f"/clinic/{clinic.pk}/orders/{order.pk}/accept/")

    response = client.get(f"/clinic/{clinic.pk}/orders/{order.pk}/")

    page = response.content.decode()
    assert "Принята" in page
    assert registrar.email in page
    offered = [slot.starts_at for _, slots in response.context["offers"] for slot in slots]
    assert when(clinic, "10:00") not in offered
    assert when(clinic, "09:00") in offered


def test_it_lists_the_orders_of_the_chosen_days_by_time(client, registrar, clinic, doctor):
    late = make_order(doctor, starts_at=when(clinic, "11:30"))
    early = make_order(doctor, starts_at=when(clinic, "09:00"))
    make_order(doctor, starts_at=when(clinic, "09:00", DAY + timedelta(days=8)))
    client.force_login(registrar)

    response = client.get(f"/clinic/{clinic.pk}/orders/", {"first_day": DAY.isoformat()})

    assert [order.pk for order in response.context["page"]] == [early.pk, late.pk]


def test_it_filters_the_orders_by_status(client, registrar, clinic, doctor):
    make_order(doctor, starts_at=when(clinic, "09:00"))
    accepted = make_order(doctor, starts_at=when(clinic, "10:00"), status=Order.Status.ACCEPTED)
    client.force_login(registrar)

    response = client.get(
        f"/clinic/{clinic.pk}/orders/", {"first_day": DAY.isoformat(), "status": 1}
    )

    assert [order.pk for order in response.context["page"]] == [accepted.pk]


def test_it_shows_no_orders_of_another_clinic(client, outsider, other_clinic, doctor):
    make_order(doctor, starts_at=when(doctor.clinic, "09:00"))
    client.force_login(outsider)

    response = client.get(f"/clinic/{other_clinic.pk}/orders/", {"first_day": DAY.isoformat()})

    assert list(response.context["page"]) == []
