"""order_create and order_cancel: what a patient may book and cancel, and what the MIS sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.errors import CannotCancel, SlotTaken, SlotUnavailable, TooManyOrders
from booking.services import order_cancel, order_create
from booking.slots import Slot
from exchange.models import Order
from tests.booking.conftest import DAY, exported, make_appointment, make_schedule, when
from tests.factories import make_order, make_resource


@pytest.fixture
def book(resource, patient, details, now):
    """Books `clock` on DAY for `patient` (default: the patient fixture)."""

    def book(clock: str, *, who=None, on=None, at=None) -> Order:
        target = on or resource
        return order_create(
            patient=who or patient,
            resource=target,
            starts_at=when(target.clinic, clock),
            details=details,
            now=at or now,
        )

    return book


@pytest.mark.parametrize("time_step", [20, 30, 45])
def test_it_creates_a_received_order_for_one_step(clinic, patient, details, now, time_step):
    resource = make_resource(clinic, time_step=time_step)
    make_schedule(resource)
    before = timezone.now()

    order = order_create(
        patient=patient,
        resource=resource,
        starts_at=when(clinic, "09:00"),
        details=details,
        now=now,
    )

    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED
    assert order.duration == time_step
    assert order.starts_at == when(clinic, "09:00")
    assert (order.clinic, order.resource, order.patient) == (clinic, resource, patient)
    assert order.user_name == patient.get_username()
    # Stamped with the real clock, whatever "now" the slots were judged by: the export
    # polls by it.
    assert before <= order.last_changed_at <= timezone.now()
    assert (order.name1, order.phone, order.email) == (details.name1, details.phone, details.email)


def test_it_shows_the_new_order_in_the_next_export(client, book, patient, details):
    before = timezone.now()
    order = book("10:30")

    element = exported(client, before)[str(order.pk)]

    assert element.get("type") == "3"
    assert element.get("status") == "0"
    assert element.get("user_name") == patient.get_username()
    assert element.get("user_id") == str(patient.pk)
    assert element.get("reception_datetime") == "04.03.2030 10:30:00"
    assert element.get("duration") == "30"
    assert element.get("mw_resource_id") == "369"
    assert element.get("name1") == details.name1


@pytest.mark.parametrize(
    ("clock", "day"),
    [
        ("09:10", DAY),  # off the grid
        ("08:30", DAY),  # before work
        ("12:00", DAY),  # the end of work
        ("11:45", DAY),  # a step would end after work
        ("09:00", DAY + timedelta(days=1)),  # no schedule that day
    ],
)
def test_it_refuses_a_time_that_is_not_a_slot(resource, patient, details, now, clock, day):
    with pytest.raises(SlotUnavailable):
        order_create(
            patient=patient,
            resource=resource,
            starts_at=when(resource.clinic, clock, day),
            details=details,
            now=now,
        )
    assert not Order.objects.exists()


def test_it_refuses_a_time_in_the_break(clinic, patient, details, now):
    resource = make_resource(clinic)
    make_schedule(resource, pause=("10:00", "11:00"))

    with pytest.raises(SlotUnavailable):
        order_create(
            patient=patient,
            resource=resource,
            starts_at=when(clinic, "10:00"),
            details=details,
            now=now,
        )


def test_it_refuses_a_time_within_the_lead_time(book, resource, settings):
    settings.BOOKING_LEAD_MINUTES = 60

    with pytest.raises(SlotUnavailable):
        book("09:30", at=when(resource.clinic, "08:45"))


def test_it_books_a_time_just_after_the_lead_time(book, resource, settings):
    settings.BOOKING_LEAD_MINUTES = 45

    assert book("09:30", at=when(resource.clinic, "08:45")).status == Order.Status.RECEIVED


def test_it_refuses_a_retired_resource(book, resource):
    resource.is_retired = True
    resource.save()

    with pytest.raises(SlotUnavailable):
        book("09:00")


def test_it_refuses_a_slot_taken_by_another_booking(book, other_patient):
    book("10:00")

    with pytest.raises(SlotTaken):
        book("10:00", who=other_patient)
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "minutes"),
    [
        ("09:45", 45),  # the MIS moved or lengthened an order: overlaps 10:00 with another start
        ("10:15", 5),
        ("09:00", 90),
    ],
)
def test_it_refuses_a_slot_that_an_order_off_the_grid_overlaps(
    book, resource, other_patient, start, minutes
):
    make_order(
        resource,
        starts_at=when(resource.clinic, start),
        minutes=minutes,
        status=Order.Status.ACCEPTED,
    )

    with pytest.raises(SlotTaken):
        book("10:00", who=other_patient)
    assert Order.objects.count() == 1


def test_it_refuses_a_slot_that_an_imported_appointment_overlaps(book, resource):
    make_appointment(resource, when(resource.clinic, "10:20"), minutes=15)

    with pytest.raises(SlotTaken):
        book("10:00")


def test_it_turns_the_databases_refusal_into_slot_taken(book, resource, monkeypatch):
    # A stale read of the slots, as a racing booking would see them: the constraint decides.
    taken = make_order(resource, starts_at=when(resource.clinic, "10:00"))
    stale = {DAY: [Slot(taken.starts_at, taken.ends_at)]}
    monkeypatch.setattr("booking.selectors.resource_slots", lambda **kwargs: stale)

    with pytest.raises(SlotTaken):
        book("10:00")
    assert list(Order.objects.all()) == [taken]


def test_it_refuses_two_holding_orders_at_one_start_on_every_database(resource):
    make_order(resource, starts_at=when(resource.clinic, "10:00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        make_order(resource, starts_at=when(resource.clinic, "10:00"), status=Order.Status.ACCEPTED)


@pytest.fixture
def limit(settings) -> int:
    settings.BOOKING_MAX_ACTIVE_ORDERS = 2
    return 2


def test_it_refuses_more_active_orders_than_the_limit(book, limit):
    for clock in ("09:00", "09:30"):
        book(clock)

    with pytest.raises(TooManyOrders) as refused:
        book("10:00")
    assert refused.value.limit == limit
    assert "2" in str(refused.value)
    assert Order.objects.count() == limit


def test_it_does_not_count_past_cancelled_or_rejected_orders(book, resource, patient, now, limit):
    past = when(resource.clinic, "09:00", DAY - timedelta(days=10))
    make_order(resource, starts_at=past, patient=patient, status=Order.Status.ACCEPTED)
    make_order(resource, starts_at=past + timedelta(hours=1), patient=patient)
    for clock, status in (("11:00", Order.Status.CANCELLED), ("11:30", Order.Status.REJECTED)):
        make_order(resource, starts_at=when(resource.clinic, clock), patient=patient, status=status)
    book("09:00")

    assert book("09:30").status == Order.Status.RECEIVED


def test_it_counts_the_limit_per_clinic(book, other_clinic, limit):
    elsewhere = make_resource(other_clinic)
    make_schedule(elsewhere)
    for clock in ("09:00", "09:30"):
        book(clock, on=elsewhere)

    assert book("09:00").pk


def test_it_counts_the_limit_per_patient(book, other_patient, limit):
    for clock in ("09:00", "09:30"):
        book(clock, who=other_patient)

    assert book("10:00").pk


def test_it_cancels_an_order_and_shows_it_in_the_next_export(client, book, patient, now):
    order = book("10:00")
    booked_at = order.last_changed_at

    cancelled = order_cancel(patient=patient, order=order, now=now + timedelta(hours=1))

    order.refresh_from_db()
    assert cancelled.status == order.status == Order.Status.CANCELLED
    assert order.last_changed_at > booked_at
    element = exported(client, order.last_changed_at)[str(order.pk)]
    assert element.get("status") == "2"


def test_it_cancels_the_booking_asked_for_among_the_patients_bookings(book, patient, now):
    kept, cancelled = book("10:00"), book("11:00")

    order_cancel(patient=patient, order=cancelled, now=now)

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {kept.pk: Order.Status.RECEIVED, cancelled.pk: Order.Status.CANCELLED}


def test_it_books_only_in_a_transaction_of_its_own(book):
    # Its locks and the constraint's last word hold only if the booking commits by itself.
    with transaction.atomic(), pytest.raises(RuntimeError):
        book("10:00")
    assert not Order.objects.exists()


def test_it_cancels_an_accepted_order(book, patient, now):
    order = book("10:00")
    Order.objects.filter(pk=order.pk).update(status=Order.Status.ACCEPTED)

    assert order_cancel(patient=patient, order=order, now=now).status == Order.Status.CANCELLED


def test_it_lets_no_other_patient_cancel(book, other_patient, now):
    order = book("10:00")
    booked_at = order.last_changed_at

    with pytest.raises(Order.DoesNotExist):
        order_cancel(patient=other_patient, order=order, now=now)
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED
    assert order.last_changed_at == booked_at


@pytest.mark.parametrize("clock", ["10:00", "10:15"])
def test_it_refuses_to_cancel_an_order_that_has_begun(book, patient, resource, clock):
    order = book("10:00")

    with pytest.raises(CannotCancel):
        order_cancel(patient=patient, order=order, now=when(resource.clinic, clock))
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED


@pytest.mark.parametrize("status", [Order.Status.CANCELLED, Order.Status.REJECTED])
def test_it_refuses_to_cancel_an_order_that_holds_nothing(book, patient, now, status):
    order = book("10:00")
    Order.objects.filter(pk=order.pk).update(status=status, last_changed_at=now)

    with pytest.raises(CannotCancel):
        order_cancel(patient=patient, order=order, now=now + timedelta(hours=1))
    order.refresh_from_db()
    assert (order.status, order.last_changed_at) == (status, now)


def test_it_books_a_cancelled_slot_again(book, patient, other_patient, now):
    first = book("10:00")
    order_cancel(patient=patient, order=first, now=now)

    again = book("10:00", who=other_patient)

    assert again.pk != first.pk
    assert again.status == Order.Status.RECEIVED
    assert Order.objects.filter(status__in=Order.HOLDING_STATUSES).get() == again
