"""free_slots against a plain model of the rules, on generated days.

The model reads the rules literally: each working interval minus its break is a segment;
segments that overlap are one segment, touching ones stay apart; a segment's grid starts at
its start; a grid position is offered if it fits, starts no earlier than `not_before`, and
overlaps no busy interval (checked against each raw interval, never a joined one). Instants
come in several zones, Berlin's around both of its daylight saving changes among them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations, pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from booking.slots import WorkingInterval, free_slots

Interval = tuple[datetime, datetime]

ZONES = [UTC, *(ZoneInfo(name) for name in ("Europe/Berlin", "Europe/Moscow", "Asia/Vladivostok"))]
# Local midnights of days on which Berlin's clocks change (a day of 23 and one of 25 hours),
# and of an ordinary day.
MIDNIGHTS = [
    datetime(2030, 3, 31, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(2030, 10, 27, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(2030, 3, 4, tzinfo=ZoneInfo("Asia/Vladivostok")),
]
# Times on a five-minute grid, so that generated intervals often touch, nest and coincide.
TICK = timedelta(minutes=5)
examples = settings(max_examples=200)


@st.composite
def days(draw) -> dict:
    """Working intervals, busy time, a step and `not_before` for one day, in mixed zones.

    Instants are computed in UTC and each is then shown in a zone of its own. Shifts run from
    midnight to the evening, so some span a night of a clock change; a shift may begin where
    another ends, busy time where other busy time or a shift begins or ends.
    """
    midnight = draw(st.sampled_from(MIDNIGHTS)).astimezone(UTC)

    def moment(low: int, high: int, boundaries: list[datetime]) -> datetime:
        if boundaries and draw(st.booleans()):
            return draw(st.sampled_from(boundaries))
        return midnight + draw(st.integers(low, high)) * TICK

    def shown(instant: datetime | None) -> datetime | None:
        return None if instant is None else instant.astimezone(draw(st.sampled_from(ZONES)))

    shifts = []
    for _ in range(draw(st.integers(1, 4))):
        start = moment(0, 240, [end for _, end, _, _ in shifts])
        ticks = draw(st.integers(1, 120))
        pause = pause_end = None
        if draw(st.booleans()):
            pause = start + draw(st.integers(0, ticks - 1)) * TICK
            pause_end = min(pause + draw(st.integers(1, ticks)) * TICK, start + ticks * TICK)
        shifts.append((start, start + ticks * TICK, pause, pause_end))
    busy = []
    for _ in range(draw(st.integers(0, 6))):
        start = moment(
            -24, 300, [*(b for interval in busy for b in interval), *(s[0] for s in shifts)]
        )
        # Appointments, and now and then a block longer than a working day.
        busy.append((start, start + draw(st.integers(1, 12) | st.integers(1, 200)) * TICK))
    return {
        "intervals": [WorkingInterval(*(shown(m) for m in shift)) for shift in shifts],
        "busy": [(shown(start), shown(end)) for start, end in busy],
        # Steps clinics use, and any other: off the five-minute grid, or longer than a shift.
        "step": timedelta(minutes=draw(st.sampled_from([15, 20, 30, 60]) | st.integers(1, 240))),
        "not_before": shown(moment(0, 288, [])),
    }


def utc(interval: Interval) -> Interval:
    return interval[0].astimezone(UTC), interval[1].astimezone(UTC)


def overlap(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def segments(intervals: list[WorkingInterval]) -> list[Interval]:
    """The model's segments: breaks left out, overlapping pieces united until none overlap."""
    pieces = []
    for interval in intervals:
        pause = (interval.break_starts_at, interval.break_ends_at)
        if pause[0] is None:
            pieces.append(utc((interval.starts_at, interval.ends_at)))
        else:
            pieces.append(utc((interval.starts_at, pause[0])))
            pieces.append(utc((pause[1], interval.ends_at)))
    pieces = [piece for piece in pieces if piece[0] < piece[1]]
    while pair := next(((a, b) for a, b in combinations(pieces, 2) if overlap(a, b)), None):
        for piece in pair:
            pieces.remove(piece)
        pieces.append((min(pair[0][0], pair[1][0]), max(pair[0][1], pair[1][1])))
    return sorted(pieces)


def on_grid(slot: Interval, segment: Interval, step: timedelta) -> bool:
    inside = segment[0] <= slot[0] and slot[1] <= segment[1]
    return inside and (slot[0] - segment[0]) % step == timedelta(0)


def grid(segment: Interval, step: timedelta) -> list[Interval]:
    count = (segment[1] - segment[0]) // step
    return [(segment[0] + n * step, segment[0] + (n + 1) * step) for n in range(count)]


def offered(day: dict) -> list[Interval]:
    return [utc((slot.starts_at, slot.ends_at)) for slot in free_slots(**day)]


def busy(day: dict) -> list[Interval]:
    return [utc(interval) for interval in day["busy"]]


@examples
@given(days())
def test_it_offers_no_slot_that_overlaps_busy_time(day):
    for slot in offered(day):
        assert not any(overlap(slot, interval) for interval in busy(day)), slot


@examples
@given(days())
def test_it_lays_every_slot_on_the_grid_of_one_working_segment(day):
    """So no slot reaches into a break (unless another shift covers it) or past the end of
    work, or straddles two touching shifts."""
    model = segments(day["intervals"])

    for slot in offered(day):
        assert any(on_grid(slot, segment, day["step"]) for segment in model), slot


@examples
@given(days())
def test_it_offers_slots_one_step_long_in_real_time_that_do_not_overlap(day):
    slots = offered(day)

    assert all(end - start == day["step"] for start, end in slots)
    assert all(earlier[1] <= later[0] for earlier, later in pairwise(slots))


@examples
@given(days())
def test_it_offers_no_slot_starting_before_not_before(day):
    assert all(start >= day["not_before"] for start, _ in offered(day))


@examples
@given(days())
def test_it_offers_every_free_grid_position(day):
    expected = [
        slot
        for segment in segments(day["intervals"])
        for slot in grid(segment, day["step"])
        if slot[0] >= day["not_before"] and not any(overlap(slot, b) for b in busy(day))
    ]

    assert offered(day) == sorted(expected)
