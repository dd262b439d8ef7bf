"""Schedules of a clinic without an MIS, made from each resource's weekly template.

For each portal-made resource with a `ScheduleTemplate`, its `Schedule` rows from the
clinic's today on become exactly what the template says for the weeks ahead: the weekday's
hours, or the date's exception (a day off, other hours). Writing only the difference makes
it idempotent: a second run changes nothing. Past days are history and stay as they were.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from exchange.models import Clinic, Schedule
from workspace.models import ScheduleTemplate

FIELDS = ("date", "starts_at", "ends_at", "break_starts_at", "break_ends_at")

Wanted = tuple[date, datetime, datetime, datetime | None, datetime | None]


@dataclass(frozen=True)
class WallHours:
    starts_at: time
    ends_at: time
    break_starts_at: time | None = None
    break_ends_at: time | None = None


def instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The clinic's wall clock as an instant: a time a DST gap skips moves forward by the
    gap, a repeated one is its first occurrence (fold=0), as the MIS import reads them."""
    return datetime.combine(day, clock, tzinfo=zone).replace(fold=0).astimezone(UTC)


def interval(day: date, hours: WallHours, zone: ZoneInfo) -> Wanted | None:
    """The instants of `hours` on `day`; None when a DST gap leaves nothing of them."""
    starts_at, ends_at = instant(day, hours.starts_at, zone), instant(day, hours.ends_at, zone)
    if ends_at <= starts_at:
        return None
    pause = (None, None)
    if hours.break_starts_at is not None and hours.break_ends_at is not None:
        break_starts = max(instant(day, hours.break_starts_at, zone), starts_at)
        break_ends = min(instant(day, hours.break_ends_at, zone), ends_at)
        if break_starts < break_ends:
            pause = (break_starts, break_ends)
    return (day, starts_at, ends_at, *pause)


def template_days(
    template: ScheduleTemplate, *, first_day: date, days: int, zone: ZoneInfo
) -> set[Wanted]:
    """What the template says for `days` days from `first_day` (its rows prefetched)."""
    weekly = defaultdict(list)
    for hours in template.weekly.all():
        weekly[hours.weekday].append(hours)
    exceptions = {exception.date: exception for exception in template.exceptions.all()}
    wanted = set()
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        exception = exceptions.get(day)
        if exception is not None:
            hours_of_day = [] if exception.is_day_off else [exception]
        else:
            hours_of_day = weekly[day.weekday()]
        for hours in hours_of_day:
            made = interval(day, _wall(hours), zone)
            if made is not None:
                wanted.add(made)
    return wanted


def schedules_materialize(
    *,
    clinic: Clinic | None = None,
    resource_ids: list[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Makes the templated resources' schedules (of `clinic`, or `resource_ids`, or all)
    match their templates; returns how many rows it wrote or removed."""
    now = now or timezone.now()
    templates = ScheduleTemplate.objects.filter(resource__mis_id__isnull=True)
    if clinic is not None:
        templates = templates.filter(resource__clinic=clinic)
    if resource_ids is not None:
        templates = templates.filter(resource_id__in=resource_ids)
    templates = templates.select_related("resource__clinic").prefetch_related(
        "weekly", "exceptions"
    )
    days = 7 * settings.WORKSPACE_TEMPLATE_WEEKS
    changed = 0
    for template in templates:
        resource = template.resource
        zone = resource.clinic.tzinfo
        today = timezone.localdate(now, zone)
        wanted = template_days(template, first_day=today, days=days, zone=zone)
        changed += _replace_future(resource, today, wanted)
    return changed


def _replace_future(resource, today: date, wanted: set[Wanted]) -> int:
    with transaction.atomic():
        existing = Schedule.objects.filter(resource=resource, date__gte=today)
        stale, kept = [], set()
        for pk, *row in existing.values_list("pk", *FIELDS):
            row = tuple(row)
            if row in wanted and row not in kept:
                kept.add(row)
            else:
                stale.append(pk)
        Schedule.objects.filter(pk__in=stale).delete()
        Schedule.objects.bulk_create(
            Schedule(
                clinic_id=resource.clinic_id,
                resource=resource,
                **dict(zip(FIELDS, row, strict=True)),
            )
            for row in sorted(wanted - kept, key=lambda row: row[:3])
        )
    return len(stale) + len(wanted - kept)


def _wall(hours) -> WallHours:
    return WallHours(hours.starts_at, hours.ends_at, hours.break_starts_at, hours.break_ends_at)
