"""Applies a parsed import document to a clinic: all of it in one transaction, or nothing.

Sections apply in dependency order (groups, resources, schedules, appointments, orders)
whatever their order in the document; an absent section changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cached_property

from django.db import transaction

from exchange import protocol
from exchange.bulk import bulk_delete, bulk_insert, chunked
from exchange.models import Appointment, Clinic, Order, Resource, ResourceGroup, Schedule
from exchange.orders import Actor, OrderChangeRefused, order_changes

SCHEDULE_FIELDS = (
    "resource_id", "date", "mis_id", "starts_at", "ends_at", "break_starts_at", "break_ends_at"
)  # fmt: skip
APPOINTMENT_FIELDS = ("table", "mis_id", "resource_id", "starts_at", "ends_at", "title")


class ConflictingResources(OrderChangeRefused):
    code = "conflicting_resource"
    message = "MW_Resource_ID and Resource_ID name different resources"


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
    actor: Actor

    def warn(self, line: int, element: str, message: str, id: object, *, code: str) -> None:
        if len(self.summary.warnings) < protocol.MAX_REPORTED_PROBLEMS:
            problem = self.document.problem(line, element, message, id=id, code=code)
            self.summary.warnings.append(problem)

    def conflict(self, line: int, element: str, message: str, id: object, *, code: str) -> None:
        problem = self.document.problem(line, element, message, id=id, code=code)
        self.summary.conflicts.append(problem)

    def instant(self, wall_clock: datetime) -> datetime:
        """The instant of the clinic's wall-clock time, in UTC.

        As zoneinfo reads fold=0: a time that does not exist (a DST gap) moves forward by
        the gap, an ambiguous one (the hour repeated in autumn) is its first occurrence.
        Durations are then added to instants, never to wall clocks.
        """
        return wall_clock.replace(tzinfo=self.clinic.tzinfo, fold=0).astimezone(UTC)

    @cached_property
    def portal_resource_ids(self) -> set[int]:
        """The portal ids of all the clinic's resources, MIS-made or not."""
        return set(Resource.objects.filter(clinic=self.clinic).values_list("pk", flat=True))

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
    journal_entry_id: int | None = None,
) -> ImportSummary:
    """Applies a valid document (`document.errors` empty); a dry run computes and rolls back.

    Order changes name the import's journal entry as their actor.
    """
    if document.errors:
        raise ValueError("a document with errors is rejected, never applied")
    run = _Run(
        clinic=clinic,
        document=document,
        summary=ImportSummary(
            dry_run=dry_run,
            warnings=list(document.warnings),
            conflicts=list(document.conflicts),
        ),
        actor=Actor.mis(journal_entry_id),
    )
    with transaction.atomic(durable=True):
        # Imports of one clinic queue up here, so two never interleave. (SQLite serializes
        # all writers with IMMEDIATE transactions instead.)
        Clinic.objects.select_for_update(no_key=True).only("pk").get(pk=clinic.pk)
        for section, apply in SECTIONS:
            if getattr(document, section) is not None:
                apply(run)
        if dry_run:
            transaction.set_rollback(True)
    return run.summary


def _replace_groups(run: _Run) -> None:
    records = run.document.groups
    # Only the MIS's own groups: those made on the portal are the clinic's staff's.
    mis_groups = ResourceGroup.objects.filter(clinic=run.clinic, mis_id__isnull=False)
    existing = {group.mis_id: group for group in mis_groups}
    # An `rg` the parser could not read keeps its group as it is: never removed by a typo.
    incoming = {record.mis_id for record in records} | run.document.unreadable_group_ids
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
    mis_groups = ResourceGroup.objects.filter(clinic=run.clinic, mis_id__isnull=False)
    groups = dict(mis_groups.values_list("mis_id", "pk"))
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
                run.warn(record.line, "r", message, record.mis_id, code="unknown_group")
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
    # Likewise an unreadable `r`: its resource is neither changed nor retired.
    incoming = {record.mis_id for record in records} | run.document.unreadable_resource_ids
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
    """Makes the schedules of the clinic's MIS resources equal the document's, writing only
    the difference."""
    wanted = set()
    for schedule in run.document.schedules:
        resource_pk = run.resource_ids.get(schedule.resource_id)
        if resource_pk is None:
            message = f"unknown resource {schedule.resource_id}: schedule skipped"
            run.warn(schedule.line, "s", message, schedule.mis_id, code="unknown_resource")
            continue
        for hours in schedule.hours:
            interval = _working_interval(run, schedule, hours)
            if interval is not None:
                wanted.add((resource_pk, schedule.date, schedule.mis_id, *interval))
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
    run.summary.schedules_total = len(run.document.schedules)


def _working_interval(
    run: _Run, schedule: protocol.Schedule, hours: protocol.WorkingHours
) -> tuple[datetime, datetime, datetime | None, datetime | None] | None:
    """The instants of one `time_rules`, or None when a DST gap leaves no working time."""
    midnight = datetime.combine(schedule.date, time.min)
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
        # Fewer slots rather than a guess at what the MIS meant.
        message = "the working hours fall into a daylight saving time gap: interval dropped"
        run.warn(hours.line, "time_rules", message, schedule.mis_id, code="dst_gap")
        return None
    return starts_at, ends_at, break_starts_at, break_ends_at


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
            run.warn(item.line, "a", message, item.mis_id, code="unknown_resource")
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
    items = run.document.orders
    updated = 0
    with order_changes(actor=run.actor) as changes:
        orders = changes.lock(clinic=run.clinic, ids=(item.order_id for item in items))
        for item in items:
            order = orders.get(item.order_id)
            if order is None:
                # The same words whether the id is unknown or another clinic's: no probing.
                run.warn(item.line, "o", "unknown order", item.order_id, code="unknown_order")
                continue
            try:
                updated += changes.change(order, **_wanted_change(run, order, item))
            except OrderChangeRefused as refusal:
                message = f"{refusal.message}; not applied"
                run.conflict(item.line, "o", message, order.pk, code=refusal.code)
    run.summary.orders = {"updated": updated, "conflicts": len(run.summary.conflicts)}


def _wanted_change(run: _Run, order: Order, item: protocol.OrderChange) -> dict:
    """What the MIS's element asks of the order, in the order services' terms."""
    status = item.status
    if order.status == Order.Status.CANCELLED and status == run.clinic.cancelled_status:
        status = None  # the export's own word for the patient's cancellation, echoed back
    starts_at = order.starts_at if item.starts_at is None else run.instant(item.starts_at)
    duration = timedelta(minutes=item.duration or order.duration)
    return {
        "status": status,
        "resource_id": _wanted_resource(run, order, item),
        "starts_at": starts_at,
        "ends_at": starts_at + duration,
        "details": item.details,
        "seen_at": None if item.last_changed_on is None else run.instant(item.last_changed_on),
    }


def _wanted_resource(run: _Run, order: Order, item: protocol.OrderChange) -> int:
    """The resource the MIS names, by its own id or by the portal's; an echo of the export
    names the current one both ways. Naming two different new ones is a conflict."""
    named = []
    if item.mis_resource_id is not None:
        named.append((item.mis_resource_id, run.resource_ids.get(item.mis_resource_id)))
    if item.resource_id is not None:
        portal_pk = item.resource_id if item.resource_id in run.portal_resource_ids else None
        named.append((item.resource_id, portal_pk))
    moves = set()
    for given, resource_pk in named:
        if resource_pk is None:
            message = f"unknown resource {given}: the order stays on its resource"
            run.warn(item.line, "o", message, order.pk, code="unknown_resource")
        elif resource_pk != order.resource_id:
            moves.add(resource_pk)
    if len(moves) > 1:
        raise ConflictingResources
    return moves.pop() if moves else order.resource_id


# Each present section of the document, applied in dependency order: groups before the
# resources that name them, resources before what refers to them.
SECTIONS = (
    ("groups", _replace_groups),
    ("resources", _replace_resources),
    ("schedules", _replace_schedules),
    ("appointments", _sync_appointments),
    ("orders", _apply_order_changes),
)
