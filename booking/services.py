"""Writes patients make: book a free slot, move a booking to another, cancel a booking."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from booking.errors import (
    BookingPaused,
    CannotCancel,
    CannotReschedule,
    SlotTaken,
    SlotUnavailable,
)
from booking.selectors import bookable_resources, bookable_slot, booking_paused, free_slot
from booking.tasks import send_own_change
from exchange import orders
from exchange.locking import lock_resources
from exchange.models import Order, Resource
from exchange.orders import Actor
from portal.jobs import defer


@dataclass(frozen=True)
class PatientDetails:
    """What the booking form asks; the MIS receives it as name1..comment."""

    name1: str
    name2: str
    name3: str
    phone: str
    email: str
    aim: str
    city: str
    address: str
    comment: str


def order_create(
    *,
    patient,
    resource: Resource,
    starts_at: datetime,
    details: PatientDetails,
    now: datetime | None = None,
) -> Order:
    """Books the slot at `starts_at` for the patient, or raises a BookingError.

    The patient's row is locked first, so their parallel bookings queue up and the limit of
    active orders holds; then the resource's, so concurrent bookings of it each re-check the
    slot (see exchange.locking). The database's constraint is the last word should anything
    slip past.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        get_user_model().objects.select_for_update().filter(pk=patient.pk).exists()
        resource = _lock_bookable(resource.pk, now)
        slot = bookable_slot(patient=patient, resource=resource, starts_at=starts_at, now=now)
        try:
            order = orders.order_create(
                actor=Actor.patient(patient),
                resource=resource,
                patient=patient,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                details=asdict(details),
                now=now,
            )
        except orders.TimeHeld:
            raise SlotTaken from None
        defer(send_own_change, order_id=order.pk, change="received")
        return order


def order_cancel(*, patient, order: Order, now: datetime | None = None) -> Order:
    """The patient cancels their own future booking: status 2, and the next export shows it."""
    order = Order.objects.select_related("clinic").get(pk=order.pk, patient=patient)
    try:
        return orders.order_cancel(actor=Actor.patient(patient), order=order, now=now)
    except orders.NotCancellable:
        raise CannotCancel from None


def order_reschedule(
    *, patient, order: Order, starts_at: datetime, now: datetime | None = None
) -> Order:
    """Moves the patient's booking to the free slot of the same doctor at `starts_at`.

    One transaction takes the new time and frees the old one: both happen or neither does.
    The order is locked first and then its resource, as the exchange locks them, so a
    concurrent move or booking of the slot re-checks it after this one; the loser keeps
    its booking as it was. The clinic sees the same order at the new time, received again
    (exchange.orders.order_move), and the patient gets an email.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("clinic")
            .get(pk=order.pk, patient=patient)
        )
        if not order.can_cancel(now):
            raise CannotReschedule
        resource = _lock_bookable(order.resource_id, now)
        slot = free_slot(resource=resource, starts_at=starts_at, now=now)
        try:
            order = orders.order_move(
                actor=Actor.patient(patient),
                order=order,
                resource=resource,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                now=now,
            )
        except orders.TimeHeld:
            raise SlotTaken from None
        except orders.OrderChangeRefused:
            raise CannotReschedule from None
        defer(send_own_change, order_id=order.pk, change="rescheduled")
        return order


def _lock_bookable(resource_pk: int, now: datetime) -> Resource:
    """The resource, locked, as long as patients may book it."""
    lock_resources(resource_pk)
    resource = bookable_resources().select_related("clinic").filter(pk=resource_pk).first()
    if resource is None:
        raise SlotUnavailable
    if booking_paused(resource.clinic, now):
        raise BookingPaused
    return resource
