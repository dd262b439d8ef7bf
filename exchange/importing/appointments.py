"""The Appointments section: busy time, replaced whole (full) or merged by key (diff)."""

from __future__ import annotations

from django.db import connection

from exchange.bulk import bulk_delete, bulk_insert, chunked, merge_by_key
from exchange.importing.digests import digest, remember, unchanged
from exchange.importing.run import ImportRun
from exchange.models import Appointment

APPOINTMENT_FIELDS = ("table", "mis_id", "resource_id", "starts_at", "ends_at", "title")


def sync_appointments(run: ImportRun) -> None:
    """Full mode replaces the clinic's appointments; diff mode inserts and updates by key."""
    section = run.document.appointments
    # Rows in APPOINTMENT_FIELDS order; the parser let each (table, mis_id) through once.
    incoming: list[tuple] = []
    resource_ids, spans, span = run.resource_ids, run.spans, run.span
    for item in section.items:
        resource_pk = resource_ids.get(item.resource_id)
        if resource_pk is None:
            message = f"unknown resource {item.resource_id}: appointment skipped"
            run.warn(item.line, "a", message, item.mis_id, code="unknown_resource")
            continue
        # The loop of a big clinic's hourly sync: the span's cache read here, not in a call.
        when = spans.get((item.starts_at, item.duration)) or span(item.starts_at, item.duration)
        incoming.append((item.table, item.mis_id, resource_pk, *when, item.title))

    full = section.mode == "full"
    rows_digest = digest(incoming) if full else None
    created = updated = deleted = 0
    # A full section equal to what the last one left needs no comparison and no write.
    if not (full and unchanged(run, "appointments", rows_digest)):
        created, updated, deleted = write_appointments(run, incoming, full=full)
        if full or created or updated:
            # A diff that changed rows leaves them unlike any full section's digest.
            remember(run, "appointments", rows_digest)
    run.summary.appointments = {
        "mode": section.mode,
        "created": created,
        "updated": updated,
        "deleted": deleted,
    }


def write_appointments(
    run: ImportRun, incoming: list[tuple], *, full: bool
) -> tuple[int, int, int]:
    """Inserts, updates and (when `full`) deletes; returns the three counts."""
    if not Appointment.objects.filter(clinic=run.clinic).exists():
        # A clinic's first sync: nothing to compare with, so the rows go straight in.
        rows = ((run.clinic.pk, *row) for row in incoming)
        bulk_insert(Appointment, ("clinic_id", *APPOINTMENT_FIELDS), rows)
        return len(incoming), 0, 0
    if connection.vendor == "postgresql":
        return merge_by_key(
            Appointment,
            scope={"clinic": run.clinic.pk},
            key=("table", "mis_id"),
            values=("resource_id", "starts_at", "ends_at", "title"),
            rows=incoming,
            delete_missing=full,
        )
    return diff_appointments(run, incoming, full=full)


def diff_appointments(run: ImportRun, rows: list[tuple], *, full: bool) -> tuple[int, int, int]:
    """`bulk.merge_by_key` done in Python, where there is no PostgreSQL.

    A changed appointment is deleted and inserted again: nothing refers to its row.
    """
    incoming = {(table, mis_id): tuple(values) for table, mis_id, *values in rows}
    columns = ("pk", "table", "mis_id", "resource_id", "starts_at", "ends_at", "title")
    clinic_appointments = Appointment.objects.filter(clinic=run.clinic)
    if full:
        batches = [clinic_appointments]
    else:
        mis_ids = sorted({mis_id for _, mis_id in incoming})
        batches = (clinic_appointments.filter(mis_id__in=chunk) for chunk in chunked(mis_ids))
    existing: dict[tuple[str, int], tuple[int, tuple]] = {}
    for batch in batches:
        for pk, table, mis_id, *values in batch.values_list(*columns).iterator(chunk_size=5000):
            existing[(table, mis_id)] = (pk, tuple(values))
    created = [key for key in incoming if key not in existing]
    changed = [key for key, (_, values) in existing.items() if incoming.get(key, values) != values]
    deleted = [key for key in existing if key not in incoming] if full else []
    bulk_delete(Appointment, (existing[key][0] for key in (*changed, *deleted)))
    bulk_insert(
        Appointment,
        ("clinic_id", *APPOINTMENT_FIELDS),
        (
            (run.clinic.pk, table, mis_id, *incoming[(table, mis_id)])
            for table, mis_id in (*created, *changed)
        ),
    )
    return len(created), len(changed), len(deleted)
