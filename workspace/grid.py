"""The schedule grid: columns (a clinic's resources on a day, or one resource's days), time
as rows, each cell off, free, a break, or what holds the time.

`grid_rows` is a pure function of the columns; the selectors read a day or a week in four
queries, however many resources the clinic has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import ceil, floor
from zoneinfo import ZoneInfo

from booking.slots import WorkingInterval
from exchange.models import LONGEST_SPAN, Appointment, Clinic, Order, Resource, Schedule

DAY_MINUTES = 24 * 60
MIN_STEP = 10
MAX_STEP = 60


@dataclass(frozen=True)
class Item:
    """What holds time: an appointment of the MIS (its `title`) or a portal order."""

    starts_at: datetime
    ends_at: datetime
    appointment: Appointment | None = None
    order: Order | None = None


@dataclass
class Column:
    heading: str
    day: date
    resource: Resource
    intervals: list[WorkingInterval] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Cell:
    kind: str  # "off", "free", "break" or "busy"
    rowspan: int = 1
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Row:
    clock: time
    cells: list[Cell | None]  # None: covered by a busy cell above


def _minutes(moment: datetime, day: date, zone: ZoneInfo) -> int:
    """Minutes of `moment` from the start of `day` on the clinic's wall clock, within it."""
    local = moment.astimezone(zone)
    minutes = (local.date() - day).days * DAY_MINUTES + local.hour * 60 + local.minute
    return min(max(minutes, 0), DAY_MINUTES)


def grid_rows(columns: list[Column], *, zone: ZoneInfo, step: int) -> list[Row]:
    spans = []
    for column in columns:
        for interval in column.intervals:
            spans.append((interval.starts_at, interval.ends_at, column.day))
        for item in column.items:
            spans.append((item.starts_at, item.ends_at, column.day))
    if not spans:
        return []
    first = floor(min(_minutes(s, day, zone) for s, _, day in spans) / step) * step
    last = ceil(max(_minutes(e, day, zone) for _, e, day in spans) / step) * step
    count = max((last - first) // step, 1)
    layouts = [
        _column_cells(column, zone=zone, first=first, step=step, count=count) for column in columns
    ]
    return [
        Row(
            clock=time((first + index * step) // 60 % 24, (first + index * step) % 60),
            cells=[layout[index] for layout in layouts],
        )
        for index in range(count)
    ]


def _column_cells(
    column: Column, *, zone: ZoneInfo, first: int, step: int, count: int
) -> list[Cell | None]:
    def minutes(moment: datetime) -> int:
        return _minutes(moment, column.day, zone)

    def row_of(moment: datetime, *, up: bool) -> int:
        rows = (minutes(moment) - first) / step
        return min(max(ceil(rows) if up else floor(rows), 0), count)

    cells: list[Cell | None] = [None] * count
    # Items whose rows overlap share one cell, so no two cells cover one row.
    clusters: list[tuple[int, int, list[Item]]] = []
    for item in sorted(column.items, key=lambda item: (item.starts_at, item.ends_at)):
        top = row_of(item.starts_at, up=False)
        bottom = max(row_of(item.ends_at, up=True), top + 1)
        if clusters and top < clusters[-1][1]:
            cluster_top, cluster_bottom, items = clusters[-1]
            clusters[-1] = (cluster_top, max(cluster_bottom, bottom), [*items, item])
        else:
            clusters.append((top, bottom, [item]))
    covered = set()
    for top, bottom, items in clusters:
        if top >= count:
            continue
        bottom = min(bottom, count)
        cells[top] = Cell("busy", rowspan=bottom - top, items=tuple(items))
        covered.update(range(top, bottom))
    working = [
        (minutes(start), minutes(end))
        for interval in column.intervals
        for start, end in interval.segments()
    ]
    breaks = [
        (minutes(i.break_starts_at), minutes(i.break_ends_at))
        for i in column.intervals
        if i.break_starts_at is not None and i.break_ends_at is not None
    ]
    for index in range(count):
        if index in covered:
            continue
        middle = first + index * step + step / 2
        if any(start <= middle < end for start, end in working):
            cells[index] = Cell("free")
        elif any(start <= middle < end for start, end in breaks):
            cells[index] = Cell("break")
        else:
            cells[index] = Cell("off")
    return cells


def grid_step(resources: list[Resource]) -> int:
    """Rows as fine as the finest step shown, within reason."""
    steps = [resource.time_step for resource in resources] or [30]
    return min(max(min(steps), MIN_STEP), MAX_STEP)


def _window(day: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=days), time(), tzinfo=zone)


def _holders(resources: list[Resource], start: datetime, end: datetime):
    """Appointments and holding orders of `resources` that overlap [start, end)."""
    window = {
        "resource__in": resources,
        "starts_at__lt": end,
        "ends_at__gt": start,
        # Lets the (resource, starts_at) index bound the scan from below too.
        "starts_at__gt": start - LONGEST_SPAN,
    }
    appointments = Appointment.objects.filter(**window)
    holding = Order.objects.holding().filter(**window)
    return appointments, holding


def _intervals(schedules) -> list[tuple[int, date, WorkingInterval]]:
    return [
        (row[0], row[1], WorkingInterval(*row[2:]))
        for row in schedules.values_list(
            "resource_id", "date", "starts_at", "ends_at", "break_starts_at", "break_ends_at"
        )
    ]


def day_columns(clinic: Clinic, day: date) -> list[Column]:
    """A column per resource of the clinic on `day`, in four queries."""
    resources = list(
        Resource.objects.filter(clinic=clinic, is_retired=False).order_by("pos", "name")
    )
    columns = {resource.pk: Column(resource.name, day, resource) for resource in resources}
    schedules = Schedule.objects.filter(resource__in=resources, date=day)
    for resource_id, _, interval in _intervals(schedules):
        columns[resource_id].intervals.append(interval)
    appointments, holding = _holders(resources, *_window(day, 1, clinic.tzinfo))
    for appointment in appointments:
        columns[appointment.resource_id].items.append(
            Item(appointment.starts_at, appointment.ends_at, appointment=appointment)
        )
    for order in holding:
        columns[order.resource_id].items.append(Item(order.starts_at, order.ends_at, order=order))
    return list(columns.values())


def week_columns(resource: Resource, first_day: date, days: int = 7) -> list[Column]:
    """A column per day of one resource, in three queries."""
    zone = resource.clinic.tzinfo
    dates = [first_day + timedelta(days=n) for n in range(days)]
    columns = {day: Column("", day, resource) for day in dates}
    schedules = Schedule.objects.filter(resource=resource, date__in=dates)
    for _, day, interval in _intervals(schedules):
        columns[day].intervals.append(interval)
    appointments, holding = _holders([resource], *_window(first_day, days, zone))
    for appointment in appointments:
        day = appointment.starts_at.astimezone(zone).date()
        if day in columns:
            columns[day].items.append(
                Item(appointment.starts_at, appointment.ends_at, appointment=appointment)
            )
    for order in holding:
        day = order.starts_at.astimezone(zone).date()
        if day in columns:
            columns[day].items.append(Item(order.starts_at, order.ends_at, order=order))
    return list(columns.values())
