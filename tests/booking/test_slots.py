"""free_slots: segments, the grid, busy time and lead time, on instants in any time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.slots import Slot, WorkingInterval, free_slots

MOSCOW = ZoneInfo("Europe/Moscow")
STEP = timedelta(minutes=30)


def at(clock: str, zone: ZoneInfo = MOSCOW, day: str = "2030-03-04") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone)


def work(start: str, end: str, pause: tuple[str, str] | None = None) -> WorkingInterval:
    if pause is None:
        return WorkingInterval(at(start), at(end))
    return WorkingInterval(at(start), at(end), at(pause[0]), at(pause[1]))


def starts(slots: list[Slot], zone: ZoneInfo = MOSCOW) -> list[str]:
    return [f"{slot.starts_at.astimezone(zone):%H:%M}" for slot in slots]


def slots_of(*intervals, busy=(), step=STEP, not_before=None) -> list[Slot]:
    return free_slots(
        intervals=intervals,
        busy=[(at(start), at(end)) for start, end in busy],
        step=step,
        not_before=not_before or at("00:00"),
    )


def test_it_lays_slots_of_the_step_from_the_start_of_the_working_interval():
    slots = slots_of(work("09:00", "11:00"))

    assert starts(slots) == ["09:00", "09:30", "10:00", "10:30"]
    assert all(slot.ends_at - slot.starts_at == STEP for slot in slots)


def test_it_returns_aware_instants():
    slots = slots_of(work("09:00", "10:00"))

    assert slots == [Slot(at("06:00", UTC), at("06:30", UTC)), Slot(at("09:30"), at("10:00"))]
    assert all(slot.starts_at.utcoffset() is not None for slot in slots)


@pytest.mark.parametrize(
    ("pause", "expected"),
    [
        (("10:00", "10:30"), ["09:00", "09:30", "10:30", "11:00", "11:30"]),
        # A break off the grid: the second segment lays its own grid from the break's end.
        (("10:15", "10:45"), ["09:00", "09:30", "10:45", "11:15"]),
        (("09:00", "10:00"), ["10:00", "10:30", "11:00", "11:30"]),
        (("11:00", "12:00"), ["09:00", "09:30", "10:00", "10:30"]),
    ],
)
def test_it_leaves_the_break_out(pause, expected):
    assert starts(slots_of(work("09:00", "12:00", pause))) == expected


@pytest.mark.parametrize("given", ["start", "end"])
def test_it_works_through_a_break_that_has_only_one_end(given):
    # A break needs both ends; the schedule's check lets one through (it passes on NULL).
    pause = {"break_starts_at": at("10:00")} if given == "start" else {"break_ends_at": at("10:30")}

    slots = free_slots(
        intervals=[WorkingInterval(at("09:00"), at("11:00"), **pause)],
        busy=[],
        step=STEP,
        not_before=at("00:00"),
    )

    assert starts(slots) == ["09:00", "09:30", "10:00", "10:30"]


def test_it_lays_slots_in_both_intervals_of_a_split_shift():
    slots = slots_of(work("14:00", "15:00"), work("09:00", "10:00"))

    assert starts(slots) == ["09:00", "09:30", "14:00", "14:30"]


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([work("09:00", "10:00"), work("09:00", "10:00")], ["09:00", "09:30"]),
        ([work("09:00", "10:00"), work("09:30", "11:00")], ["09:00", "09:30", "10:00", "10:30"]),
        ([work("09:00", "11:00"), work("09:30", "10:30")], ["09:00", "09:30", "10:00", "10:30"]),
        # The union of a shift with a break and the same shift without one is the whole shift.
        (
            [work("09:00", "11:00", ("09:30", "10:30")), work("09:00", "11:00")],
            ["09:00", "09:30", "10:00", "10:30"],
        ),
    ],
    ids=["duplicate", "overlapping", "contained", "break-covered"],
)
def test_it_merges_overlapping_intervals_into_one_without_duplicate_slots(intervals, expected):
    assert starts(slots_of(*intervals)) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (15, ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45"]),
        (30, ["09:00", "09:30", "10:00", "10:30"]),
        # 10:30–11:00 is shorter than a step: it stays unused.
        (45, ["09:00", "09:45"]),
    ],
)
def test_it_lays_only_whole_steps_in_a_segment(minutes, expected):
    slots = slots_of(work("09:00", "11:00"), step=timedelta(minutes=minutes))

    assert starts(slots) == expected
    assert slots[-1].ends_at <= at("11:00")


def test_it_lays_a_remainder_of_each_segment_unused():
    slots = slots_of(work("09:00", "12:00", ("10:00", "10:30")), step=timedelta(minutes=45))

    assert starts(slots) == ["09:00", "10:30", "11:15"]


@pytest.mark.parametrize(
    ("busy", "expected"),
    [
        # Off the grid: every slot it touches is taken.
        ([("09:40", "10:10")], ["09:00", "10:30"]),
        ([("09:29", "09:31")], ["10:00", "10:30"]),
        ([("08:00", "09:45")], ["10:00", "10:30"]),
        ([("10:50", "13:00")], ["09:00", "09:30", "10:00"]),
        ([("09:00", "11:00")], []),
    ],
)
def test_it_takes_every_slot_that_busy_time_overlaps(busy, expected):
    assert starts(slots_of(work("09:00", "11:00"), busy=busy)) == expected


@pytest.mark.parametrize(
    "busy",
    [
        [("09:30", "10:00")],
        [("09:30", "09:45"), ("09:45", "10:00")],  # joined back to back: still touching only
    ],
)
def test_it_keeps_slots_that_busy_time_only_touches(busy):
    assert starts(slots_of(work("09:00", "11:00"), busy=busy)) == ["09:00", "10:00", "10:30"]


def test_it_takes_slots_whatever_the_time_zone_of_busy_time():
    busy = [(at("06:30", UTC), at("07:00", UTC))]  # 09:30–10:00 in Moscow

    slots = free_slots(
        intervals=[work("09:00", "11:00")], busy=busy, step=STEP, not_before=at("00:00")
    )

    assert starts(slots) == ["09:00", "10:00", "10:30"]


def test_it_keeps_free_slots_between_many_busy_intervals():
    busy = [("09:00", "09:30"), ("10:00", "10:30"), ("11:00", "11:30"), ("09:00", "09:10")]

    assert starts(slots_of(work("09:00", "12:00"), busy=busy)) == ["09:30", "10:30", "11:30"]


@pytest.mark.parametrize(
    ("not_before", "expected"),
    [
        ("08:00", ["09:00", "09:30", "10:00", "10:30"]),
        ("09:00", ["09:00", "09:30", "10:00", "10:30"]),
        # A slot that starts before the lead time is gone, even if it ends after it.
        ("09:01", ["09:30", "10:00", "10:30"]),
        ("10:00", ["10:00", "10:30"]),
        ("10:31", []),
    ],
)
def test_it_drops_slots_that_start_before_the_lead_time(not_before, expected):
    slots = slots_of(work("09:00", "11:00"), not_before=at(not_before))

    assert starts(slots) == expected


@pytest.mark.parametrize(
    ("zone", "utc_clock"),
    [
        ("Europe/Kaliningrad", "07:00"),
        ("Europe/Moscow", "06:00"),
        ("Asia/Yekaterinburg", "04:00"),
    ],
)
def test_it_keeps_the_clinics_wall_clock(zone, utc_clock):
    clinic_zone = ZoneInfo(zone)
    interval = WorkingInterval(at("09:00", clinic_zone), at("10:00", clinic_zone))

    slots = free_slots(
        intervals=[interval], busy=[], step=STEP, not_before=at("00:00", clinic_zone)
    )

    assert slots[0].starts_at == at(utc_clock, UTC)
    assert starts(slots, clinic_zone) == ["09:00", "09:30"]


def test_it_steps_in_real_time_across_a_daylight_saving_change():
    berlin = ZoneInfo("Europe/Berlin")
    # 31 March 2030: clocks jump from 02:00 to 03:00, so 01:00–04:00 lasts two hours.
    interval = WorkingInterval(at("01:00", berlin, "2030-03-31"), at("04:00", berlin, "2030-03-31"))

    slots = free_slots(
        intervals=[interval],
        busy=[],
        step=timedelta(hours=1),
        not_before=at("00:00", berlin, "2030-03-31"),
    )

    assert starts(slots, berlin) == ["01:00", "03:00"]
    assert slots[1].starts_at - slots[0].starts_at == timedelta(hours=1)


def test_it_has_no_slots_without_working_intervals():
    assert slots_of() == []


@pytest.mark.parametrize("minutes", [0, -30])
def test_it_refuses_a_step_that_is_not_positive(minutes):
    with pytest.raises(ValueError) as refused:
        slots_of(work("09:00", "11:00"), step=timedelta(minutes=minutes))
    assert str(refused.value) == "the step must be positive"


@pytest.mark.parametrize(
    "busy",
    [
        [("09:00", "11:30"), ("10:00", "10:30")],
        # Nested at the block's start, at its end, and one nested in the other nested one.
        [("09:00", "11:30"), ("09:00", "09:30"), ("11:00", "11:30")],
        [("08:00", "11:30"), ("09:00", "11:00"), ("09:30", "10:00")],
    ],
    ids=["inside", "at-both-ends", "nested-twice"],
)
def test_it_keeps_a_long_block_busy_whatever_is_nested_inside_it(busy):
    # A vacation block from the MIS, with appointments made before it still inside it.
    slots = slots_of(work("09:00", "12:30"), busy=busy)

    assert starts(slots) == ["11:30", "12:00"]


def test_it_keeps_the_grid_of_each_of_two_touching_intervals():
    # Touching is not overlapping: the second interval lays its grid from 10:50, its own start.
    slots = slots_of(work("10:50", "12:00"), work("10:00", "10:50"))

    assert starts(slots) == ["10:00", "10:50", "11:20"]
