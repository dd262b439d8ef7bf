"""The one door for every write to an order.

A patient's booking or cancellation, an MIS decision, move or correction, a clinic's or the
admin's edit: each goes through here and is made the same way. Lock the resources whose
time it takes (exchange.locking), take the change stamp that the export relies on, check
that no other holding order overlaps, write, record an `OrderEvent` in the same
transaction, and announce the events in it (`exchange.signals.order_events_recorded`) so
that the apps built on the exchange enqueue what the patient must be told. Nothing else in
the portal saves an `Order`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.bulk import chunked
from exchange.locking import lock_resources, order_change_stamp
from exchange.models import Clinic, Order, OrderEvent, Resource
from exchange.signals import order_events_recorded

# The patient's details on an order, as the protocol names them (name1..comment).
PATIENT_FIELDS = ("name1", "name2", "name3", "phone", "email", "city", "address", "aim", "comment")
TIME_FIELDS = ("resource_id", "starts_at", "ends_at")

_STATUS_ACTIONS = {
    Order.Status.RECEIVED: OrderEvent.Action.RECEIVED,
    Order.Status.ACCEPTED: OrderEvent.Action.ACCEPTED,
    Order.Status.CANCELLED: OrderEvent.Action.CANCELLED,
    Order.Status.REJECTED: OrderEvent.Action.REJECTED,
}
# What the patient hears about when someone else does it.
_TOLD_TO_PATIENT = {
    OrderEvent.Action.ACCEPTED,
    OrderEvent.Action.REJECTED,
    OrderEvent.Action.MOVED,
    OrderEvent.Action.CORRECTED,
}


class OrderChangeRefused(Exception):
    """A change the rules do not allow; `code` is stable for machines, `message` English."""

    code = "refused"
    message = "the change is not allowed"
    # The same for people (the admin, the clinic's staff), in their language.
    explanation = _("This change to the order is not allowed.")

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class TimeHeld(OrderChangeRefused):
    code = "slot_held"
    message = "another order holds that time"
    explanation = _("Another order holds that time.")


class StaleChange(OrderChangeRefused):
    code = "stale_change"
    message = "the order changed on the portal after LastChangedOn"
    explanation = _("The order has changed since you opened it. Reload it and try again.")


class NotCancellable(OrderChangeRefused):
    code = "not_cancellable"
    message = "only an order that holds its time and has not begun can be cancelled"
    explanation = _("Only a booking that holds its time and has not begun can be cancelled.")


class CancelledByPatient(OrderChangeRefused):
    code = "cancelled_by_patient"
    message = "the patient cancelled this order; its status cannot change"
    explanation = _("The patient cancelled this order: its status can no longer change.")


class StatusNotAllowed(OrderChangeRefused):
    code = "status_not_allowed"
    message = "status 2 (cancelled by the patient) is set only by the patient"
    explanation = _("Only the patient can cancel a booking; the clinic rejects it instead.")


class OtherClinicsResource(OrderChangeRefused):
    code = "unknown_resource"
    message = "the resource belongs to another clinic"
    explanation = _("The order can move only to a doctor or room of its own clinic.")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, as the order's history names them."""

    kind: str
    id: int | None = None
    label: str = ""

    @classmethod
    def patient(cls, user) -> Actor:
        return cls(OrderEvent.Actor.PATIENT, user.pk, user.get_username())

    @classmethod
    def staff(cls, user) -> Actor:
        return cls(OrderEvent.Actor.STAFF, user.pk, user.get_username())

    @classmethod
    def admin(cls, user) -> Actor:
        return cls(OrderEvent.Actor.ADMIN, user.pk, user.get_username())

    @classmethod
    def mis(cls, journal_entry_id: int | None = None) -> Actor:
        label = "import" if journal_entry_id is None else f"import #{journal_entry_id}"
        return cls(OrderEvent.Actor.MIS, journal_entry_id, label)


class OrderChanges:
    """The changes to orders in one transaction, by one actor, made and recorded alike.

    Decisions and corrections are collected and written in bulk when the work closes, so an
    import deciding many orders costs a constant number of queries. A change that takes time
    first writes what is pending, so its overlap check sees this transaction's own changes.
    Use it through `order_changes()`.
    """

    def __init__(self, *, actor: Actor, now: datetime | None = None) -> None:
        self.actor = actor
        self.now = now or timezone.now()
        self._stamps: dict[int, datetime] = {}
        self._pending: dict[int, Order] = {}
        self._pending_fields: set[str] = set()
        self._events: list[OrderEvent] = []

    def lock(self, *, clinic: Clinic, ids: Iterable[int]) -> dict[int, Order]:
        """The clinic's orders among `ids` by id, locked, with their clinic and resource."""
        orders: dict[int, Order] = {}
        for chunk in chunked(sorted(set(ids))):
            rows = (
                Order.objects.select_for_update(of=("self",))
                .select_related("clinic", "resource")
                .filter(clinic=clinic, pk__in=chunk)
            )
            orders.update((order.pk, order) for order in rows)
        return orders

    def reload(self, order: Order) -> Order:
        """`order` as the database has it now, locked."""
        return self.lock(clinic=order.clinic, ids=[order.pk])[order.pk]

    def create(
        self,
        *,
        resource: Resource,
        starts_at: datetime,
        ends_at: datetime,
        details: Mapping[str, str],
        patient=None,
    ) -> Order:
        self._check_time_free(None, resource.pk, starts_at, ends_at)
        order = Order(
            clinic_id=resource.clinic_id,
            resource=resource,
            patient=patient,
            user_name=patient.get_username() if patient is not None else "",
            status=Order.Status.RECEIVED,
            starts_at=starts_at,
            ends_at=ends_at,
            last_changed_at=self._stamp(resource.clinic_id),
            **{name: details.get(name, "") for name in PATIENT_FIELDS},
        )
        try:
            with transaction.atomic():
                order.save(force_insert=True)
        except IntegrityError:
            # The database's constraint saw a holder the check could not (a racing writer).
            raise TimeHeld from None
        created = {name: [None, _json(getattr(order, name))] for name in TIME_FIELDS}
        changes = {"status": [None, order.status], **created}
        self._record(order, OrderEvent.Action.CREATED, changes)
        return order

    def change(
        self,
        order: Order,
        *,
        status: int | None = None,
        resource_id: int | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        details: Mapping[str, str] | None = None,
        seen_at: datetime | None = None,
        reason: str = "",
    ) -> bool:
        """Applies to a locked `order` what differs from it; False when nothing does.

        `seen_at` is when the changer last saw the order (the MIS's LastChangedOn): a change
        made on the portal since then wins, and this one is refused. A `reason` (why the
        clinic rejects, say) is kept in the event's changes, for the patient to read.
        """
        wanted = {
            "status": status,
            "resource_id": resource_id,
            "starts_at": starts_at,
            "ends_at": ends_at,
            **(details or {}),
        }
        differs = {
            name: value
            for name, value in wanted.items()
            if value is not None and getattr(order, name) != value
        }
        if not differs:
            return False  # an echo of what the portal has: nothing to do, not a conflict
        moves = any(name in differs for name in TIME_FIELDS)
        self._check_status_rule(order, differs.get("status"), moves=moves)
        # LastChangedOn has whole seconds: an echo of the exported value is not "older".
        if seen_at is not None and seen_at < order.last_changed_at.replace(microsecond=0):
            raise StaleChange
        holds_after = differs.get("status", order.status) in Order.HOLDING_STATUSES
        if holds_after and (moves or not order.is_holding):
            after = [differs.get(name, getattr(order, name)) for name in TIME_FIELDS]
            self._flush()
            lock_resources(order.resource_id, after[0])
            self._check_time_free(order.pk, *after)
        changes = {
            name: [_json(getattr(order, name)), _json(value)] for name, value in differs.items()
        }
        if reason:
            changes["reason"] = reason
        for name, value in differs.items():
            setattr(order, name, value)
        order.last_changed_at = self._stamp(order.clinic_id)
        self._pending[order.pk] = order
        self._pending_fields.update(differs, {"last_changed_at"})
        self._record(order, _action(differs), changes)
        return True

    def close(self) -> None:
        """Writes what is pending, records the history and announces the events."""
        self._flush()
        events = OrderEvent.objects.bulk_create(self._events)
        self._events = []
        if events:
            # Inside the transaction: what receivers enqueue commits with the change or never.
            ids = [event.pk for event in events]
            order_events_recorded.send(sender=OrderEvent, event_ids=ids)

    def _stamp(self, clinic_id: int) -> datetime:
        if clinic_id not in self._stamps:
            self._stamps[clinic_id] = order_change_stamp(clinic_id)
        return self._stamps[clinic_id]

    def _check_status_rule(self, order: Order, status: int | None, *, moves: bool) -> None:
        if status is None:
            return
        is_patient = self.actor.kind == OrderEvent.Actor.PATIENT
        # A patient's move of a booking that holds time returns it to received: the clinic
        # decides on the new time as on a new booking.
        patients_move = is_patient and moves and order.is_holding
        if status == Order.Status.RECEIVED and patients_move:
            return
        if (status == Order.Status.CANCELLED) != is_patient:
            raise StatusNotAllowed(
                None if not is_patient else "a patient can only cancel or move an order"
            )
        if order.status == Order.Status.CANCELLED:
            raise CancelledByPatient

    def _check_time_free(
        self, order_pk: int | None, resource_pk: int, starts_at: datetime, ends_at: datetime
    ) -> None:
        holders = Order.objects.holding().overlapping(resource_pk, starts_at, ends_at)
        if holders.exclude(pk=order_pk).exists():
            raise TimeHeld

    def _flush(self) -> None:
        if self._pending:
            Order.objects.bulk_update(self._pending.values(), sorted(self._pending_fields))
            self._pending.clear()
            self._pending_fields.clear()

    def _record(self, order: Order, action: str, changes: dict) -> None:
        told = self.actor.kind != OrderEvent.Actor.PATIENT and action in _TOLD_TO_PATIENT
        self._events.append(
            OrderEvent(
                order=order,
                at=order.last_changed_at,
                actor_kind=self.actor.kind,
                actor_id=self.actor.id,
                actor_label=self.actor.label[:255],
                action=action,
                changes=changes,
                notify_patient=told,
            )
        )


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _action(differs: Mapping[str, object]) -> str:
    moves = any(name in differs for name in TIME_FIELDS)
    # A move that returns the order to received (a patient's) is recorded as the move.
    if "status" in differs and not (moves and differs["status"] == Order.Status.RECEIVED):
        return _STATUS_ACTIONS[differs["status"]]
    if moves:
        return OrderEvent.Action.MOVED
    return OrderEvent.Action.CORRECTED


@contextmanager
def order_changes(*, actor: Actor, now: datetime | None = None) -> Iterator[OrderChanges]:
    """A unit of work on orders: in a transaction (the caller's, if one is open)."""
    with transaction.atomic():
        changes = OrderChanges(actor=actor, now=now)
        yield changes
        changes.close()


def order_create(
    *,
    actor: Actor,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    details: Mapping[str, str],
    patient=None,
    now: datetime | None = None,
) -> Order:
    """A new received order holding [starts_at, ends_at) on `resource`, or TimeHeld."""
    with order_changes(actor=actor, now=now) as changes:
        lock_resources(resource.pk)
        return changes.create(
            resource=resource,
            starts_at=starts_at,
            ends_at=ends_at,
            details=details,
            patient=patient,
        )


def order_cancel(*, actor: Actor, order: Order, now: datetime | None = None) -> Order:
    """The patient gives the time back: status 2, and the next export shows it."""
    with order_changes(actor=actor, now=now) as changes:
        order = changes.reload(order)
        if not order.can_cancel(changes.now):
            raise NotCancellable
        changes.change(order, status=Order.Status.CANCELLED)
    return order


def order_decide(
    *,
    actor: Actor,
    order: Order,
    status: int,
    seen_at: datetime | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Order:
    """The clinic's decision (received, accepted, rejected), by its MIS, staff or the admin.

    `reason` is what the patient is told with it (why the clinic rejects, say).
    """
    with order_changes(actor=actor, now=now) as changes:
        order = changes.reload(order)
        changes.change(order, status=status, seen_at=seen_at, reason=reason)
    return order


def order_move(
    *,
    actor: Actor,
    order: Order,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    seen_at: datetime | None = None,
    now: datetime | None = None,
) -> Order:
    """Moves the order to another time or resource of its clinic, if no holder is there.

    A patient's move also returns the order to received, so the clinic confirms the new
    time; a patient moves only an order that holds its time.
    """
    if resource.clinic_id != order.clinic_id:
        raise OtherClinicsResource
    is_patient = actor.kind == OrderEvent.Actor.PATIENT
    with order_changes(actor=actor, now=now) as changes:
        order = changes.reload(order)
        changes.change(
            order,
            status=Order.Status.RECEIVED if is_patient else None,
            resource_id=resource.pk,
            starts_at=starts_at,
            ends_at=ends_at,
            seen_at=seen_at,
        )
    return order


def order_correct(
    *,
    actor: Actor,
    order: Order,
    details: Mapping[str, str],
    seen_at: datetime | None = None,
    now: datetime | None = None,
) -> Order:
    """Corrects the patient's details on the order (names, phone, email, address, aim...)."""
    unknown = set(details) - set(PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"not a patient's detail: {', '.join(sorted(unknown))}")
    with order_changes(actor=actor, now=now) as changes:
        order = changes.reload(order)
        changes.change(order, details=details, seen_at=seen_at)
    return order


# What names a person on an order beyond its details: the account's login.
_IDENTIFYING_FIELDS = (*PATIENT_FIELDS, "user_name")


def orders_anonymize(*, older_than: datetime) -> int:
    """Blanks what names the patient on orders whose visit ended before `older_than`.

    Data retention: an order keeps what statistics need (clinic, resource, times, status)
    and loses the patient's details, login and link to the account, in its history too. The
    one write to orders that is not an `OrderChanges` change: the MIS keeps its own records
    and must not be sent the blanks, so `last_changed_at` stays and no event is recorded.
    Orders already blank are left alone, so running it again changes nothing. Returns how
    many orders were blanked.
    """
    identifying = Q(patient__isnull=False)
    for name in _IDENTIFYING_FIELDS:
        identifying |= ~Q(**{name: ""})
    with transaction.atomic():
        orders = Order.objects.filter(identifying, ends_at__lt=older_than)
        # The history first: it finds its orders by the details still on them.
        _history_anonymize(OrderEvent.objects.filter(order__in=orders.values("pk")))
        return orders.update(patient=None, **dict.fromkeys(_IDENTIFYING_FIELDS, ""))


def _history_anonymize(events: QuerySet[OrderEvent]) -> None:
    events.filter(actor_kind=OrderEvent.Actor.PATIENT).update(actor_id=None, actor_label="")
    # Corrections keep which details changed, not their values.
    corrected = events.filter(changes__has_any_keys=PATIENT_FIELDS).only("pk", "changes")
    for chunk in chunked(corrected.iterator()):
        for event in chunk:
            for name in PATIENT_FIELDS:
                if name in event.changes:
                    event.changes[name] = ["", ""]
        OrderEvent.objects.bulk_update(chunk, ["changes"])
