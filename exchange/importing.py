"""Applies a parsed import document to a clinic: all of it in one transaction, or nothing.

Sections apply in dependency order (groups, resources, schedules, appointments, orders)
whatever their order in the document; an absent section changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property

from django.db import transaction

from exchange import protocol
from exchange.bulk import bulk_delete, bulk_insert, chunked
from exchange.locking import lock_resources, order_change_stamp
from exchange.models import Appointment, Clinic, Order, Resource, ResourceGroup, Schedule
from exchange.signals import order_status_changed

SCHEDULE_FIELDS = (
    "resource_id", "date", "mis_id", "starts_at", "ends_at", "break_starts_at", "break_ends_at"
)  # fmt: skip
APPOINTMENT_FIELDS = ("table", "mis_id", "resource_id", "starts_at", "ends_at", "title")


@dataclass(slots=True)
class ImportSummary:
    """What an import did (or, on a dry run, would do), section by section."""

    dry_run: bool = False
    groups_total: int | None = None
    resources: dict[str, int] | None = None
    schedules_total: int | None = None
    appointments: dict[str, int | str] | None = None
    orders: dict[str, int] | None = None
    warnings: list[protocol.Problem] = field(default_factory=list)
    conflicts: list[protocol.Problem] = field(default_factory=list)

    def sections(self) -> list[tuple[str, dict[str, object]]]:
        """(name, counts) of each section the document had, in the order the result lists them."""
        counts = self._section_counts()
        return [
            (spec.name, counts[spec.field])
            for spec in protocol.SECTIONS.values()
            if counts[spec.field] is not None
        ]

    def counts(self) -> dict[str, object]:
        """The numbers alone, for the import journal."""
        sections = self._section_counts()
        counts = {name: value for name, value in sections.items() if value is not None}
        counts["warnings"] = len(self.warnings)
        counts["conflicts"] = len(self.conflicts)
        return counts

    def _section_counts(self) -> dict[str, dict | None]:
        """Counts by the Document attribute of their section; None for an absent section."""
        return {
            "groups": None if self.groups_total is None else {"total": self.groups_total},
            "resources": self.resources,
            "schedules": None if self.schedules_total is None else {"total": self.schedules_total},
            "appointments": self.appointments,
            "orders": self.orders,
        }


@dataclass
class _Run:
    clinic: Clinic
    document: protocol.Document
    summary: ImportSummary
    # When the Orders section applies: the time its changes are stamped with.
    order_stamp: datetime | None = None
    decided: list[tuple[Order, int]] = field(default_factory=list)

    def warn(self, line: int, element: str, message: str, id: object) -> None:
        if len(self.summary.warnings) < protocol.MAX_REPORTED_PROBLEMS:
            self.summary.warnings.append(self.document.problem(line, element, message, id=id))

    def conflict(self, line: int, element: str, message: str, id: object) -> None:
        self.summary.conflicts.append(self.document.problem(line, element, message, id=id))

    def instant(self, wall_clock: datetime) -> datetime:
        return wall_clock.replace(tzinfo=self.clinic.tzinfo)

    @cached_property
    def resource_ids(self) -> dict[int, int]:
        """Portal ids by MIS id, read once the Resources section (if any) has applied."""
        resources = Resource.objects.filter(clinic=self.clinic, mis_id__isnull=False)
        return dict(resources.values_list("mis_id", "pk"))


def import_document(
    *,
    clinic: Clinic,
    document: protocol.Document,
    dry_run: bool = False,
) -> ImportSummary:
    """Applies a valid document (`document.errors` empty); a dry run computes and rolls back."""
    if document.errors:
        raise ValueError("a document with errors is rejected, never applied")
    run = _Run(
        clinic=clinic,
        document=document,
        summary=ImportSummary(dry_run=dry_run, warnings=list(document.warnings)),
    )
    with transaction.atomic(durable=True):
        # Imports of one clinic queue up here, so two never interleave. (SQLite serializes
        # all writers with IMMEDIATE transactions instead.)
        Clinic.objects.select_for_update(no_key=True).only("pk").get(pk=clinic.pk)
        if document.groups is not None:
            _replace_groups(run)
        if document.resources is not None:
            _replace_resources(run)
        if document.schedules is not None:
            _replace_schedules(run)
        if document.appointments is not None:
            _sync_appointments(run)
        if document.orders is not None:
            _apply_order_changes(run)
        if dry_run:
            transaction.set_rollback(True)
        else:
            # After the commit, and robustly: a receiver's failure must not undo the import.
            for order, previous in run.decided:
                transaction.on_commit(
                    lambda o=order, p=previous: order_status_changed.send_robust(
                        sender=Order, order=o, previous_status=p
                    )
                )
    return run.summary


def _replace_groups(run: _Run) -> None:
    records = run.document.groups
    existing = {group.mis_id: group for group in ResourceGroup.objects.filter(clinic=run.clinic)}
    incoming = {record.mis_id for record in records}
    gone = [group.pk for mis_id, group in existing.items() if mis_id not in incoming]
    ResourceGroup.objects.filter(pk__in=gone).delete()
    created, changed = [], []
    for record in records:
        group = existing.get(record.mis_id)
        if group is None:
            created.append(
                ResourceGroup(
                    clinic=run.clinic, mis_id=record.mis_id, name=record.name, pos=record.pos
                )
            )
        elif (group.name, group.pos) != (record.name, record.pos):
            group.name, group.pos = record.name, record.pos
            changed.append(group)
    ResourceGroup.objects.bulk_create(created)
    ResourceGroup.objects.bulk_update(changed, ["name", "pos"])
    run.summary.groups_total = len(records)


def _replace_resources(run: _Run) -> None:
    records = run.document.resources
    groups = dict(ResourceGroup.objects.filter(clinic=run.clinic).values_list("mis_id", "pk"))
    existing = {
        resource.mis_id: resource
        for resource in Resource.objects.filter(clinic=run.clinic, mis_id__isnull=False)
    }
    created, changed = [], []
    for record in records:
        group_pk = None
        if record.group_id is not None:
            group_pk = groups.get(record.group_id)
            if group_pk is None:
                message = f"unknown group {record.group_id}: the resource is kept without a group"
                run.warn(record.line, "r", message, record.mis_id)
        values = {
            "group_id": group_pk,
            "name": record.name,
            "time_step": record.time_step,
            "pos": record.pos,
            "is_retired": False,
        }
        resource = existing.get(record.mis_id)
        if resource is None:
            created.append(Resource(clinic=run.clinic, mis_id=record.mis_id, **values))
        elif any(getattr(resource, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(resource, name, value)
            changed.append(resource)
    incoming = {record.mis_id for record in records}
    retired = [
        resource.pk
        for mis_id, resource in existing.items()
        if mis_id not in incoming and not resource.is_retired
    ]
    Resource.objects.bulk_create(created, batch_size=1000)
    Resource.objects.bulk_update(
        changed, ["group_id", "name", "time_step", "pos", "is_retired"], batch_size=1000
    )
    for chunk in chunked(retired):
        Resource.objects.filter(pk__in=chunk).update(is_retired=True)
    run.summary.resources = {
        "total": len(records),
        "created": len(created),
        "updated": len(changed),
        "retired": len(retired),
    }


def _replace_schedules(run: _Run) -> None:
    """Makes the clinic's schedules equal the document's, writing only the difference."""
    wanted = set()
    for schedule in run.document.schedules:
        resource_pk = run.resource_ids.get(schedule.resource_id)
        if resource_pk is None:
            message = f"unknown resource {schedule.resource_id}: schedule skipped"
            run.warn(schedule.line, "s", message, schedule.mis_id)
            continue
        midnight = datetime.combine(schedule.date, time.min)
        for hours in schedule.hours:
            has_break = hours.break_start is not None
            wanted.add(
                (
                    resource_pk,
                    schedule.date,
                    schedule.mis_id,
                    run.instant(midnight + hours.start),
                    run.instant(midnight + hours.end),
                    run.instant(midnight + hours.break_start) if has_break else None,
                    run.instant(midnight + hours.break_end) if has_break else None,
                )
            )
    existing = Schedule.objects.filter(clinic=run.clinic).values_list("pk", *SCHEDULE_FIELDS)
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
    run.summary.schedules_total = len(run.document.schedules)


def _sync_appointments(run: _Run) -> None:
    """Full mode replaces the clinic's appointments; diff mode inserts and updates by key.

    A changed appointment is deleted and inserted again: nothing refers to its row.
    """
    section = run.document.appointments
    incoming: dict[tuple[str, int], tuple] = {}
    for item in section.items:
        resource_pk = run.resource_ids.get(item.resource_id)
        if resource_pk is None:
            message = f"unknown resource {item.resource_id}: appointment skipped"
            run.warn(item.line, "a", message, item.mis_id)
            continue
        starts_at = run.instant(item.starts_at)
        ends_at = starts_at + timedelta(minutes=item.duration)
        incoming[(item.table, item.mis_id)] = (resource_pk, starts_at, ends_at, item.title)

    columns = ("pk", "table", "mis_id", "resource_id", "starts_at", "ends_at", "title")
    clinic_appointments = Appointment.objects.filter(clinic=run.clinic)
    if section.mode == "full":
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
    deleted = [key for key in existing if key not in incoming] if section.mode == "full" else []
    bulk_delete(Appointment, (existing[key][0] for key in (*changed, *deleted)))
    bulk_insert(
        Appointment,
        ("clinic_id", *APPOINTMENT_FIELDS),
        (
            (run.clinic.pk, table, mis_id, *incoming[(table, mis_id)])
            for table, mis_id in (*created, *changed)
        ),
    )
    run.summary.appointments = {
        "mode": section.mode,
        "created": len(created),
        "updated": len(changed),
        "deleted": len(deleted),
    }


def _apply_order_changes(run: _Run) -> None:
    changes = run.document.orders
    run.order_stamp = order_change_stamp(run.clinic.pk)
    orders: dict[int, Order] = {}
    for chunk in chunked(sorted({change.order_id for change in changes})):
        found = Order.objects.select_for_update().filter(clinic=run.clinic, pk__in=chunk)
        orders.update((order.pk, order) for order in found)
    updated = 0
    for change in changes:
        order = orders.get(change.order_id)
        if order is None:
            # The same words whether the id is unknown or another clinic's: no probing.
            run.warn(change.line, "o", "unknown order", change.order_id)
        elif _apply_order_change(run, order, change):
            updated += 1
    run.summary.orders = {"updated": updated, "conflicts": len(run.summary.conflicts)}


def _apply_order_change(run: _Run, order: Order, change: protocol.OrderChange) -> bool:
    status = order.status if change.status is None else change.status
    resource_pk = order.resource_id
    if change.mis_resource_id is not None:
        resource_pk = run.resource_ids.get(change.mis_resource_id, order.resource_id)
        if change.mis_resource_id not in run.resource_ids:
            message = f"unknown resource {change.mis_resource_id}: the order stays on its resource"
            run.warn(change.line, "o", message, order.pk)
    starts_at = order.starts_at if change.starts_at is None else run.instant(change.starts_at)
    duration = timedelta(minutes=change.duration or order.duration)
    wanted = (status, resource_pk, starts_at, starts_at + duration)
    if wanted == (order.status, order.resource_id, order.starts_at, order.ends_at):
        return False  # the MIS echoes what the portal has: nothing to do, not a conflict
    # LastChangedOn has whole seconds: an echo of the exported value is not "older".
    if change.last_changed_on is not None and run.instant(
        change.last_changed_on
    ) < order.last_changed_at.replace(microsecond=0):
        message = "the order changed on the portal after LastChangedOn; not applied"
        run.conflict(change.line, "o", message, order.pk)
        return False
    lock_resources(order.resource_id, resource_pk)
    if status in Order.HOLDING_STATUSES and _time_is_held(order, *wanted[1:]):
        message = "another order holds that time; not applied"
        run.conflict(change.line, "o", message, order.pk)
        return False
    previous_status = order.status
    order.status, order.resource_id, order.starts_at, order.ends_at = wanted
    order.last_changed_at = run.order_stamp
    order.save(update_fields=["status", "resource", "starts_at", "ends_at", "last_changed_at"])
    if order.status != previous_status:
        run.decided.append((order, previous_status))
    return True


def _time_is_held(order: Order, resource_pk: int, starts_at: datetime, ends_at: datetime) -> bool:
    return (
        Order.objects.filter(
            resource_id=resource_pk,
            status__in=Order.HOLDING_STATUSES,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .exclude(pk=order.pk)
        .exists()
    )
