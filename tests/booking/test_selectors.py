"""resource_slots: what the database holds becomes free slots by clinic-local day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.selectors import next_free_slots, resource_slots
from exchange.models import Order, Resource
from tests.booking.conftest import DAY, make_appointment, make_appointments, make_schedule, when
from tests.factories import make_order, make_resource


def free_clocks(resource: Resource, now, *, first_day=DAY, days=1) -> dict:
    by_day = resource_slots(resource=resource, first_day=first_day, days=days, now=now)
    zone = resource.clinic.tzinfo
    return {
        day: [f"{slot.starts_at.astimezone(zone):%H:%M}" for slot in slots]
        for day, slots in by_day.items()
    }


def test_it_lists_the_days_free_slots(resource, now):
    assert free_clocks(resource, now) == {
        DAY: ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    }


@pytest.mark.parametrize(
    ("status", "holds"),
    [
        (Order.Status.RECEIVED, True),
        (Order.Status.ACCEPTED, True),
        (Order.Status.CANCELLED, False),
        (Order.Status.REJECTED, False),
    ],
)
def test_it_frees_the_time_of_cancelled_and_rejected_orders_only(resource, now, status, holds):
    make_order(resource, starts_at=when(resource.clinic, "10:00"), status=status)

    assert ("10:00" not in free_clocks(resource, now)[DAY]) == holds


def test_it_takes_the_time_of_an_order_placed_off_the_grid(resource, now):
    make_order(resource, starts_at=when(resource.clinic, "09:15"), minutes=45)

    assert free_clocks(resource, now)[DAY] == ["10:00", "10:30", "11:00", "11:30"]


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        ("10:00", 30, ["09:00", "09:30", "10:30", "11:00", "11:30"]),
        ("10:10", 5, ["09:00", "09:30", "10:30", "11:00", "11:30"]),
        # Begins before the working day yet reaches into it.
        ("07:00", 150, ["09:30", "10:00", "10:30", "11:00", "11:30"]),
        ("11:45", 240, ["09:00", "09:30", "10:00", "10:30", "11:00"]),
    ],
)
def test_it_takes_the_time_of_imported_appointments(resource, now, start, minutes, expected):
    make_appointment(resource, when(resource.clinic, start), minutes=minutes)

    assert free_clocks(resource, now)[DAY] == expected


def test_it_ignores_busy_time_of_other_resources(resource, now, other_clinic):
    neighbour = make_resource(resource.clinic, mis_id=370)
    elsewhere = make_resource(other_clinic, mis_id=369)
    for other in (neighbour, elsewhere):
        make_order(other, starts_at=when(resource.clinic, "09:00"))
        make_appointment(other, when(resource.clinic, "10:00"))

    assert len(free_clocks(resource, now)[DAY]) == 6


def test_it_has_no_slots_for_a_retired_resource(resource, now):
    Resource.objects.filter(pk=resource.pk).update(is_retired=True)
    resource.refresh_from_db()

    assert resource_slots(resource=resource, first_day=DAY, days=7, now=now) == {}


def test_it_has_no_slots_without_a_schedule(clinic, now):
    resource = make_resource(clinic)

    assert resource_slots(resource=resource, first_day=DAY, days=7, now=now) == {}


@pytest.mark.parametrize(
    ("lead_minutes", "first"),
    [(0, "09:00"), (60, "09:00"), (90, "09:30"), (150, "10:30")],
)
def test_it_keeps_the_lead_time_from_settings(resource, settings, lead_minutes, first):
    settings.BOOKING_LEAD_MINUTES = lead_minutes
    now = when(resource.clinic, "08:00")

    assert free_clocks(resource, now)[DAY][0] == first


def test_it_has_no_slots_once_the_day_is_over(resource):
    assert free_clocks(resource, when(resource.clinic, "12:00")) == {}


def test_it_reads_only_the_days_asked_for(resource, now):
    for offset in (1, 2, 7):
        make_schedule(resource, "14:00", "15:00", day=DAY + timedelta(days=offset))

    by_day = free_clocks(resource, now, days=3)

    assert sorted(by_day) == [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]
    assert by_day[DAY + timedelta(days=2)] == ["14:00", "14:30"]


@pytest.mark.parametrize(
    ("zone", "start", "end", "clocks"),
    [
        # Just after midnight local is still the previous day in UTC.
        ("Europe/Kaliningrad", "00:30", "01:30", ["00:30", "01:00"]),
        ("Asia/Yekaterinburg", "02:00", "03:00", ["02:00", "02:30"]),
        ("Asia/Yekaterinburg", "22:00", "23:00", ["22:00", "22:30"]),
    ],
)
def test_it_groups_slots_by_the_clinics_local_date(make_clinic, zone, start, end, clocks):
    clinic = make_clinic(zone)
    resource = make_resource(clinic)
    for day in (DAY, DAY + timedelta(days=1)):
        make_schedule(resource, start, end, day=day)
    now = when(clinic, "00:00", DAY - timedelta(days=1))

    assert free_clocks(resource, now, days=2) == {DAY: clocks, DAY + timedelta(days=1): clocks}
    first_slot = resource_slots(resource=resource, first_day=DAY, days=1, now=now)[DAY][0]
    assert first_slot.starts_at == when(clinic, clocks[0])


@pytest.mark.parametrize("appointments", [5, 500])
def test_it_reads_slots_in_a_bounded_number_of_queries(
    resource, now, appointments, django_assert_max_num_queries
):
    start = when(resource.clinic, "09:00")
    make_appointments(
        resource,
        (start + timedelta(minutes=number % 170) for number in range(appointments)),
        minutes=10,
    )
    fresh = Resource.objects.get(pk=resource.pk)

    # The schedules, the appointments, the orders, the clinic's time zone and whether its
    # booking is paused.
    with django_assert_max_num_queries(5):
        resource_slots(resource=fresh, first_day=DAY, days=7, now=now)


def test_it_offers_the_next_free_slots_after_a_taken_one(resource, now):
    taken = when(resource.clinic, "09:30")
    make_order(resource, starts_at=when(resource.clinic, "10:00"))

    slots = next_free_slots(resource=resource, after=taken, now=now, limit=2)

    assert [slot.starts_at for slot in slots] == [
        when(resource.clinic, "10:30"),
        when(resource.clinic, "11:00"),
    ]
