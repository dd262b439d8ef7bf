"""Reads for patient pages and the JSON API: clinics, resources and their free slots."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from booking.errors import BookingError, SlotTaken, SlotUnavailable, TooManyOrders
from booking.slots import Slot, WorkingInterval, free_slots
from exchange.models import Appointment, Clinic, Order, Resource, ResourceGroup, Schedule


def active_clinics() -> QuerySet[Clinic]:
    return Clinic.objects.filter(is_active=True)


def bookable_resources() -> QuerySet[Resource]:
    return Resource.objects.bookable()


def resources_matching(query: str) -> QuerySet[Resource]:
    """Doctors and rooms whose name or specialty contains `query`, in any letter case.

    Compares lower-cased text rather than using icontains, whose SQLite LIKE folds only
    ASCII letters (SQLite gets a Unicode LOWER in booking.sqlite).
    """
    needle = query.lower()
    return (
        bookable_resources()
        .alias(name_lower=Lower("name"), group_lower=Lower("group__name"))
        .filter(Q(name_lower__contains=needle) | Q(group_lower__contains=needle))
        .select_related("clinic", "group")
        .order_by("clinic__name", "pos", "name")
    )


def clinic_groups(clinic: Clinic) -> tuple[list[ResourceGroup], list[Resource]]:
    """The clinic's groups in `pos` order, each with its bookable resources in `pos` order,
    and the bookable resources that belong to no group."""
    resources = bookable_resources().order_by("pos", "name")
    groups = [
        group
        for group in clinic.groups.order_by("pos", "name").prefetch_related(
            Prefetch("resources", queryset=resources, to_attr="bookable")
        )
        if group.bookable
    ]
    ungrouped = list(resources.filter(clinic=clinic, group__isnull=True))
    return groups, ungrouped


def earliest_bookable(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.BOOKING_LEAD_MINUTES)


def resource_slots(
    *, resource: Resource, first_day: date, days: int, now: datetime
) -> dict[date, list[Slot]]:
    """Free slots of `days` clinic-local days from `first_day`, by day, in three queries."""
    if resource.is_retired:
        return {}
    last_day = first_day + timedelta(days=days)
    intervals = [
        WorkingInterval(*row)
        for row in Schedule.objects.filter(
            resource=resource, date__gte=first_day, date__lt=last_day
        ).values_list("starts_at", "ends_at", "break_starts_at", "break_ends_at")
    ]
    if not intervals:
        return {}
    window = (
        resource,
        min(interval.starts_at for interval in intervals),
        max(interval.ends_at for interval in intervals),
    )
    busy = [
        *Appointment.objects.overlapping(*window).values_list("starts_at", "ends_at"),
        *Order.objects.holding().overlapping(*window).values_list("starts_at", "ends_at"),
    ]
    slots = free_slots(
        intervals=intervals,
        busy=busy,
        step=timedelta(minutes=resource.time_step),
        not_before=earliest_bookable(now),
    )
    zone = resource.clinic.tzinfo
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_day[slot.starts_at.astimezone(zone).date()].append(slot)
    return dict(by_day)


def next_free_slots(
    *, resource: Resource, after: datetime, now: datetime, limit: int = 5
) -> list[Slot]:
    """The first free slots after `after`, looking two weeks ahead."""
    first_day = after.astimezone(resource.clinic.tzinfo).date()
    by_day = resource_slots(resource=resource, first_day=first_day, days=14, now=now)
    later = (slot for day in sorted(by_day) for slot in by_day[day] if slot.starts_at > after)
    return [slot for slot, _ in zip(later, range(limit), strict=False)]


def patient_orders(patient) -> QuerySet[Order]:
    return (
        Order.objects.filter(patient=patient)
        .select_related("resource__group", "resource__clinic", "clinic")
        .order_by("-starts_at")
    )


def active_order_count(*, patient, clinic: Clinic, now: datetime) -> int:
    """The patient's future orders at the clinic that hold their time: what the limit counts."""
    active = Order.objects.holding().filter(patient=patient, clinic=clinic, starts_at__gte=now)
    return active.count()


def free_slot(*, resource: Resource, starts_at: datetime, now: datetime) -> Slot:
    """The free slot that starts at `starts_at`, or the BookingError that says why not."""
    local_day = starts_at.astimezone(resource.clinic.tzinfo).date()
    day_slots = resource_slots(resource=resource, first_day=local_day, days=1, now=now)
    slot = next((s for s in day_slots.get(local_day, []) if s.starts_at == starts_at), None)
    if slot is None:
        raise _why_not_free(resource, starts_at)
    return slot


def bookable_slot(*, patient, resource: Resource, starts_at: datetime, now: datetime) -> Slot:
    """The slot the patient may book at `starts_at`, or the BookingError that says why not.

    The limit comes first: a patient at the limit has no use for other free times.
    """
    limit = settings.BOOKING_MAX_ACTIVE_ORDERS
    if active_order_count(patient=patient, clinic=resource.clinic, now=now) >= limit:
        raise TooManyOrders(limit)
    return free_slot(resource=resource, starts_at=starts_at, now=now)


def _why_not_free(resource: Resource, starts_at: datetime) -> BookingError:
    """Time that a booking or the MIS holds was taken; anything else was never bookable."""
    span = (resource, starts_at, starts_at + timedelta(minutes=resource.time_step))
    held = (
        Order.objects.holding().overlapping(*span).exists()
        or Appointment.objects.overlapping(*span).exists()
    )
    return SlotTaken() if held else SlotUnavailable()
