"""Writes patients make: book a free slot, cancel a booking."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.errors import (
    BookingError,
    CannotCancel,
    SlotTaken,
    SlotUnavailable,
    TooManyOrders,
)
from booking.selectors import resource_slots
from exchange.locking import lock_resources, order_change_stamp
from exchange.models import Appointment, Order, Resource


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
    """Books the slot at `starts_at`, or raises a BookingError.

    The resource row is locked so concurrent bookings of it queue up and each re-checks the
    slot (see exchange.locking); the database's constraint is the last word should anything
    slip past.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        lock_resources(resource.pk)
        resource = Resource.objects.select_related("clinic").get(pk=resource.pk)
        local_day = starts_at.astimezone(resource.clinic.tzinfo).date()
        day_slots = resource_slots(resource=resource, first_day=local_day, days=1, now=now)
        slot = next((s for s in day_slots.get(local_day, []) if s.starts_at == starts_at), None)
        if slot is None:
            raise _why_not_free(resource, starts_at)
        active = Order.objects.filter(
            patient=patient,
            clinic=resource.clinic,
            status__in=Order.HOLDING_STATUSES,
            starts_at__gte=now,
        ).count()
        if active >= settings.BOOKING_MAX_ACTIVE_ORDERS:
            raise TooManyOrders(settings.BOOKING_MAX_ACTIVE_ORDERS)
        stamp = order_change_stamp(resource.clinic_id)
        try:
            with transaction.atomic():
                return Order.objects.create(
                    clinic=resource.clinic,
                    resource=resource,
                    patient=patient,
                    user_name=patient.get_username(),
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    last_changed_at=stamp,
                    **asdict(details),
                )
        except IntegrityError:
            raise SlotTaken from None


def _why_not_free(resource: Resource, starts_at: datetime) -> BookingError:
    """Time that a booking or the MIS holds was taken; anything else was never bookable."""
    overlapping = {
        "resource": resource,
        "starts_at__lt": starts_at + timedelta(minutes=resource.time_step),
        "ends_at__gt": starts_at,
    }
    held = (
        Order.objects.filter(status__in=Order.HOLDING_STATUSES, **overlapping).exists()
        or Appointment.objects.filter(**overlapping).exists()
    )
    return SlotTaken() if held else SlotUnavailable()


def order_cancel(*, patient, order: Order, now: datetime | None = None) -> Order:
    """The patient cancels a future booking: status 2, and the next export shows it."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        order = Order.objects.select_for_update().get(pk=order.pk, patient=patient)
        if order.status not in Order.HOLDING_STATUSES or order.starts_at <= now:
            raise CannotCancel
        order.status = Order.Status.CANCELLED
        order.last_changed_at = order_change_stamp(order.clinic_id)
        order.save(update_fields=["status", "last_changed_at"])
    return order
