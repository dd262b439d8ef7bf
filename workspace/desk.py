"""The orders desk: the clinic's staff decide and move orders as its MIS would.

Every change goes through exchange.orders with the staff member as actor, so the stamps,
the no-overlap rule, the export and the patient's emails are exactly an MIS decision's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.selectors import resource_slots
from booking.slots import Slot
from exchange import orders
from exchange.models import Clinic, Order, OrderEvent, Resource
from exchange.orders import Actor, OrderChangeRefused

# How far ahead the desk offers free time to move an order to.
MOVE_DAYS = 14


class TimeNotFree(OrderChangeRefused):
    code = "time_not_free"
    message = "the time is not a free slot of the resource"
    explanation = _("That time is not free: choose another one from the list.")


def desk_orders(
    clinic: Clinic,
    *,
    first_day: date,
    days: int,
    status: int | None = None,
    resource: Resource | None = None,
) -> QuerySet[Order]:
    """The clinic's orders that start on `days` clinic-local days from `first_day`, by time."""
    zone = clinic.tzinfo
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=days), datetime.min.time(), tzinfo=zone)
    found = Order.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
    if status is not None:
        found = found.filter(status=status)
    if resource is not None:
        found = found.filter(resource=resource)
    return found.select_related("resource").order_by("starts_at", "pk")


def order_history(order: Order) -> QuerySet[OrderEvent]:
    return order.events.order_by("at", "pk")


def move_offers(*, order: Order, resource: Resource, now: datetime) -> dict[date, list[Slot]]:
    """Free slots of `resource` to move the order to, from its day (or today) on."""
    zone = order.clinic.tzinfo
    first_day = max(order.starts_at.astimezone(zone).date(), timezone.localdate(now, zone))
    return resource_slots(resource=resource, first_day=first_day, days=MOVE_DAYS, now=now)


def desk_accept(*, user, order: Order) -> Order:
    return orders.order_decide(actor=Actor.staff(user), order=order, status=Order.Status.ACCEPTED)


def desk_reject(*, user, order: Order, reason: str) -> Order:
    """Rejects the order; the patient's email gives `reason`."""
    return orders.order_decide(
        actor=Actor.staff(user), order=order, status=Order.Status.REJECTED, reason=reason
    )


def desk_move(
    *, user, order: Order, resource: Resource, starts_at: datetime, now: datetime | None = None
) -> Order:
    """Moves the order to the free slot of `resource` at `starts_at`, or TimeNotFree.

    Free as patients see it (the schedule, the MIS's appointments, other orders); the order
    services' lock and the database's constraint are the last word against a racing booking.
    """
    now = now or timezone.now()
    day = starts_at.astimezone(order.clinic.tzinfo).date()
    slots = resource_slots(resource=resource, first_day=day, days=1, now=now).get(day, [])
    slot = next((slot for slot in slots if slot.starts_at == starts_at), None)
    if slot is None:
        raise TimeNotFree
    return orders.order_move(
        actor=Actor.staff(user),
        order=order,
        resource=resource,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        now=now,
    )
