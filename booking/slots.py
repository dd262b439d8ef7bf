"""Free-slot arithmetic: a pure function of working intervals, busy time, the step and "now".

Each working interval minus its break is a segment; slots of `step` are laid from each
segment's start while they fit. A slot is free unless it overlaps busy time or starts before
`not_before`. Overlapping intervals of one day (split shifts sent twice) are merged first.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class WorkingInterval:
    starts_at: datetime
    ends_at: datetime
    break_starts_at: datetime | None = None
    break_ends_at: datetime | None = None

    def segments(self) -> list[Interval]:
        if self.break_starts_at is None or self.break_ends_at is None:
            return [(self.starts_at, self.ends_at)]
        parts = [(self.starts_at, self.break_starts_at), (self.break_ends_at, self.ends_at)]
        return [(start, end) for start, end in parts if start < end]


def _utc(moment: datetime) -> datetime:
    # Arithmetic on instants, not wall clocks: adding a step across a DST change stays exact.
    return moment.astimezone(UTC)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping intervals become one; touching ones stay apart (each keeps its own grid)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _busy_index(busy: Iterable[Interval]) -> tuple[list[datetime], list[datetime]]:
    joined: list[Interval] = []
    for start, end in sorted((_utc(s), _utc(e)) for s, e in busy):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return [start for start, _ in joined], [end for _, end in joined]


def free_slots(
    *,
    intervals: Iterable[WorkingInterval],
    busy: Iterable[Interval],
    step: timedelta,
    not_before: datetime,
) -> list[Slot]:
    if step <= timedelta(0):
        raise ValueError("the step must be positive")
    segments = _merge(
        (_utc(start), _utc(end)) for interval in intervals for start, end in interval.segments()
    )
    busy_starts, busy_ends = _busy_index(busy)
    not_before = _utc(not_before)
    slots = []
    for segment_start, segment_end in segments:
        start = segment_start
        while start + step <= segment_end:
            end = start + step
            # Joined busy intervals are disjoint and sorted, so only the last one starting
            # before `end` can overlap the slot.
            index = bisect_left(busy_starts, end) - 1
            taken = index >= 0 and busy_ends[index] > start
            if start >= not_before and not taken:
                slots.append(Slot(start, end))
            start = end
    return slots
