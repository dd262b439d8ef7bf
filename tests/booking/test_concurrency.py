"""Races on PostgreSQL with real threads: one slot, one holder, whatever the timing.

Each thread has its own database connection, as concurrent requests do, and closes it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import IntegrityError, OperationalError, transaction

from booking.errors import SlotTaken, TooManyOrders
from booking.services import order_create, order_reschedule
from exchange import orders, protocol
from exchange.importing import ImportSummary, import_document
from exchange.models import Order
from exchange.orders import Actor, order_changes
from tests.booking.conftest import make_schedule, when
from tests.exchange.conftest import document
from tests.factories import make_order, make_resource
from tests.threads import Background, at_once

pytestmark = pytest.mark.django_db(transaction=True)

PATIENTS = 20


@pytest.fixture
def patients(django_user_model):
    return [
        django_user_model.objects.create_user(email=f"patient{number}@example.ru")
        for number in range(PATIENTS)
    ]


def booking(patient, resource, details, clock: str) -> Callable[[], Order]:
    return lambda: order_create(
        patient=patient,
        resource=resource,
        starts_at=when(resource.clinic, clock),
        details=details,
        now=when(resource.clinic, "08:00"),
    )


def holding(resource) -> list[Order]:
    return list(Order.objects.filter(resource=resource, status__in=Order.HOLDING_STATUSES))


def test_it_gives_one_slot_to_one_of_many_patients(on_postgres, resource, patients, details):
    results = at_once(*[booking(patient, resource, details, "10:00") for patient in patients])

    orders = [result for result in results if isinstance(result, Order)]
    refused = [result for result in results if isinstance(result, SlotTaken)]
    assert (len(orders), len(refused)) == (1, PATIENTS - 1), results
    assert holding(resource) == orders


def test_it_lets_a_booking_and_an_mis_move_onto_overlapping_time_hold_it_once(
    on_postgres, resource, patients, details
):
    # The MIS moves an order onto 09:45–10:30 while patients book 10:00: another start,
    # overlapping time.
    moved = make_order(resource, starts_at=when(resource.clinic, "11:30"))
    move = protocol.parse_document(
        document(
            f'<Orders><o id="{moved.pk}" status="1" duration="45"'
            ' reception_datetime="04.03.2030 09:45:00"/></Orders>'
        )
    )
    assert not move.errors

    def import_move():
        return import_document(clinic=resource.clinic, document=move)

    bookings = [booking(patient, resource, details, "10:00") for patient in patients[:10]]
    summary, *results = at_once(*[import_move, *bookings])

    assert isinstance(summary, ImportSummary), summary
    booked = [result for result in results if isinstance(result, Order)]
    refused = [result for result in results if isinstance(result, SlotTaken)]
    assert len(booked) + len(refused) == len(bookings), results
    assert len(booked) + (not summary.conflicts) == 1
    moved.refresh_from_db()
    expected_start = when(resource.clinic, "11:30" if booked else "09:45")
    assert moved.starts_at == expected_start
    held = sorted((order.starts_at, order.ends_at) for order in holding(resource))
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(held))


def test_it_makes_an_mis_move_onto_another_doctor_wait_for_a_booking_there(on_postgres, resource):
    # The move locks the doctor it moves to, so its check sees the booking once it commits
    # and reports a conflict, instead of failing on the database's constraint.
    other = make_resource(resource.clinic, mis_id=370, name="Баева")
    moved = make_order(other, starts_at=when(resource.clinic, "11:30"))
    booked, release = threading.Event(), threading.Event()

    def book():
        with transaction.atomic():
            order = orders.order_create(
                actor=Actor(kind="staff", id=7, label="registrar@clinic.ru"),
                resource=resource,
                starts_at=when(resource.clinic, "10:00"),
                ends_at=when(resource.clinic, "10:30"),
                details={"name1": "Петрова"},
            )
            booked.set()
            assert release.wait(10)
        return order

    move = protocol.parse_document(
        document(
            f'<Orders><o id="{moved.pk}" mw_resource_id="369"'
            ' reception_datetime="04.03.2030 10:00:00"/></Orders>'
        )
    )
    booker = Background(book)
    assert booked.wait(10)
    mover = Background(lambda: import_document(clinic=resource.clinic, document=move))
    assert mover.is_waiting()
    release.set()

    assert isinstance(booker.result(), Order)
    summary = mover.result()
    assert isinstance(summary, ImportSummary), summary
    assert [conflict.code for conflict in summary.conflicts] == ["slot_held"]
    moved.refresh_from_db()
    assert (moved.resource, moved.starts_at) == (other, when(resource.clinic, "11:30"))


def test_it_makes_a_booking_wait_for_an_mis_move_that_frees_its_time(
    on_postgres, resource, patient, details
):
    # The move locks the doctor it moves from too: a patient booking the time it frees
    # waits for the move instead of being told the time is taken.
    other = make_resource(resource.clinic, mis_id=370, name="Баева")
    leaving = make_order(resource, starts_at=when(resource.clinic, "10:00"))
    moving, release = threading.Event(), threading.Event()

    def move():
        with order_changes(actor=Actor.mis()) as changes:
            order = changes.lock(clinic=resource.clinic, ids=[leaving.pk])[leaving.pk]
            changes.change(order, resource_id=other.pk)
            moving.set()
            assert release.wait(10)

    mover = Background(move)
    assert moving.wait(10)
    booker = Background(booking(patient, resource, details, "10:00"))
    assert booker.is_waiting()
    release.set()

    assert mover.result() is None
    booked = booker.result()
    assert isinstance(booked, Order), booked
    assert holding(resource) == [booked]


def insert(resource, clock: str, minutes: int = 30, status=Order.Status.RECEIVED) -> Order:
    return make_order(
        resource, starts_at=when(resource.clinic, clock), minutes=minutes, status=status
    )


def test_it_lets_the_database_refuse_overlapping_inserts_racing_without_locks(
    on_postgres, resource
):
    # Order.objects.create locks no row: only the exclusion constraint stands in the way.
    starts = [when(resource.clinic, "09:00") + timedelta(minutes=minute) for minute in range(20)]
    results = at_once(
        *[lambda start=start: make_order(resource, starts_at=start, minutes=30) for start in starts]
    )

    created = [result for result in results if isinstance(result, Order)]
    violations = [result for result in results if isinstance(result, IntegrityError)]
    # Inserts that wait on each other's conflicting rows may also be broken off as deadlocks
    # by PostgreSQL: refused all the same. (Bookings never get here: they lock the resource.)
    deadlocks = [
        result
        for result in results
        if isinstance(result, OperationalError) and "deadlock detected" in str(result)
    ]
    assert len(created) == 1, results
    assert len(violations) + len(deadlocks) == len(starts) - 1, results
    assert all("order_no_overlap" in str(error) for error in violations)


HOLDING = [Order.Status.RECEIVED, Order.Status.ACCEPTED]
FREEING = [Order.Status.CANCELLED, Order.Status.REJECTED]


@pytest.mark.parametrize("first", HOLDING)
@pytest.mark.parametrize("second", HOLDING)
def test_it_lets_the_database_refuse_overlapping_holding_orders(
    on_postgres, resource, first, second
):
    insert(resource, "09:00", minutes=45, status=first)

    with pytest.raises(IntegrityError, match="order_no_overlap"), transaction.atomic():
        insert(resource, "09:30", status=second)
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [*((free, hold) for free in FREEING for hold in HOLDING), (Order.Status.ACCEPTED, FREEING[0])],
)
def test_it_lets_the_database_allow_overlap_with_an_order_that_holds_nothing(
    on_postgres, resource, first, second
):
    insert(resource, "09:00", minutes=45, status=first)
    insert(resource, "09:30", status=second)

    assert Order.objects.count() == 2


def test_it_lets_the_database_allow_holding_orders_that_only_touch(on_postgres, resource):
    insert(resource, "09:00")
    insert(resource, "09:30", status=Order.Status.ACCEPTED)

    assert len(holding(resource)) == 2


def test_it_lets_the_database_allow_overlap_on_different_resources(on_postgres, resource):
    insert(resource, "09:00")
    insert(make_resource(resource.clinic, mis_id=2, name="Кабинет УЗИ"), "09:15")

    assert Order.objects.count() == 2


def test_it_holds_the_active_orders_limit_under_parallel_bookings_of_many_doctors(
    on_postgres, clinic, patient, details, settings
):
    settings.BOOKING_MAX_ACTIVE_ORDERS = 3
    doctors = [make_resource(clinic, mis_id=100 + n, name=f"Врач {n}") for n in range(12)]
    for doctor in doctors:
        make_schedule(doctor)

    results = at_once(*[booking(patient, doctor, details, "10:00") for doctor in doctors])

    orders = [result for result in results if isinstance(result, Order)]
    refused = [result for result in results if isinstance(result, TooManyOrders)]
    assert (len(orders), len(refused)) == (3, 9), results
    assert Order.objects.filter(patient=patient).count() == 3


def moving(patient, order: Order, clock: str) -> Callable[[], Order]:
    return lambda: order_reschedule(
        patient=patient,
        order=order,
        starts_at=when(order.clinic, clock),
        now=when(order.clinic, "08:00"),
    )


def test_it_moves_one_of_many_bookings_onto_a_slot_and_the_others_keep_theirs(
    on_postgres, resource, patients
):
    bookings = [
        make_order(resource, starts_at=when(resource.clinic, clock), patient=patient, status=status)
        for clock, patient, status in zip(
            ("09:00", "09:30", "10:00", "10:30", "11:00"),
            patients,
            itertools.cycle(HOLDING),
            strict=False,
        )
    ]
    before = {order.pk: (order.starts_at, order.status) for order in bookings}

    results = at_once(*[moving(order.patient, order, "11:30") for order in bookings])

    moved = [result for result in results if isinstance(result, Order)]
    refused = [result for result in results if isinstance(result, SlotTaken)]
    assert (len(moved), len(refused)) == (1, len(bookings) - 1), results
    [winner] = moved
    after = {order.pk: (order.starts_at, order.status) for order in holding(resource)}
    assert after == before | {winner.pk: (when(resource.clinic, "11:30"), Order.Status.RECEIVED)}


def test_a_move_and_bookings_racing_for_a_slot_leave_one_holder(
    on_postgres, resource, patients, details
):
    mover = make_order(resource, starts_at=when(resource.clinic, "09:00"), patient=patients[0])
    tasks = [
        moving(patients[0], mover, "11:30"),
        *[booking(patient, resource, details, "11:30") for patient in patients[1:8]],
    ]

    results = at_once(*tasks)

    assert sum(isinstance(result, Order) for result in results) == 1, results
    assert all(isinstance(result, Order | SlotTaken) for result in results), results
    at_1130 = [o for o in holding(resource) if o.starts_at == when(resource.clinic, "11:30")]
    assert len(at_1130) == 1
    # The mover holds either its old time or the new one, never both, never neither.
    mover.refresh_from_db()
    moved = isinstance(results[0], Order)
    assert mover.starts_at == when(resource.clinic, "11:30" if moved else "09:00")
    assert len(holding(resource)) == (1 if moved else 2)
