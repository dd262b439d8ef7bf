"""The Schedules section: the MIS resources' working hours, replaced whole."""

from __future__ import annotations

from datetime import date, datetime, time

from exchange import protocol
from exchange.bulk import bulk_delete, bulk_insert
from exchange.importing.digests import digest, remember, unchanged
from exchange.importing.run import ImportRun
from exchange.models import Schedule

SCHEDULE_FIELDS = (
    "resource_id", "date", "mis_id", "starts_at", "ends_at", "break_starts_at", "break_ends_at"
)  # fmt: skip


def replace_schedules(run: ImportRun) -> None:
    """Makes the schedules of the clinic's MIS resources equal the document's, writing only
    the difference."""
    rows = []
    # A clinic's doctors share a few intervals a day: each is computed once.
    intervals: dict[tuple[date, protocol.WorkingHours], tuple | None] = {}
    for schedule in run.document.schedules:
        resource_pk = run.resource_ids.get(schedule.resource_id)
        if resource_pk is None:
            message = f"unknown resource {schedule.resource_id}: schedule skipped"
            run.warn(schedule.line, "s", message, schedule.mis_id, code="unknown_resource")
            continue
        for hours in schedule.hours:
            key = (schedule.date, hours)
            if key not in intervals:
                intervals[key] = working_interval(run, schedule.date, hours)
            interval = intervals[key]
            if interval is None:
                # Fewer slots rather than a guess at what the MIS meant.
                message = "the working hours fall into a daylight saving time gap: interval dropped"
                run.warn(hours.line, "time_rules", message, schedule.mis_id, code="dst_gap")
            else:
                rows.append((resource_pk, schedule.date, schedule.mis_id, *interval))
    run.summary.schedules_total = len(run.document.schedules)
    rows_digest = digest(rows)
    if unchanged(run, "schedules", rows_digest):
        return
    wanted = set(rows)
    # Only the MIS's own resources: those made on the portal keep their schedules.
    mis_schedules = Schedule.objects.filter(clinic=run.clinic, resource__mis_id__isnull=False)
    existing = mis_schedules.values_list("pk", *SCHEDULE_FIELDS)
    stale, kept = [], set()
    for pk, *row in existing.iterator(chunk_size=5000):
        row = tuple(row)
        if row in wanted and row not in kept:
            kept.add(row)
        else:
            stale.append(pk)
    bulk_delete(Schedule, stale)
    fields = ("clinic_id", *SCHEDULE_FIELDS)
    bulk_insert(Schedule, fields, ((run.clinic.pk, *row) for row in wanted - kept))
    remember(run, "schedules", rows_digest)


def working_interval(
    run: ImportRun, day: date, hours: protocol.WorkingHours
) -> tuple[datetime, datetime, datetime | None, datetime | None] | None:
    """The instants of one `time_rules` on `day`, or None when a DST gap leaves no working
    time."""
    midnight = datetime.combine(day, time.min)
    starts_at, ends_at = run.instant(midnight + hours.start), run.instant(midnight + hours.end)
    if hours.break_start is None:
        break_starts_at = break_ends_at = None
    else:
        break_starts_at = run.instant(midnight + hours.break_start)
        break_ends_at = run.instant(midnight + hours.break_end)
        if break_ends_at <= break_starts_at:
            # The break lies in a DST gap: the clock never shows it, so there is none.
            break_starts_at = break_ends_at = None
    inside = break_starts_at is None or starts_at <= break_starts_at < break_ends_at <= ends_at
    if ends_at <= starts_at or not inside:
        return None
    return starts_at, ends_at, break_starts_at, break_ends_at
