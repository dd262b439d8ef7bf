"""Reads for patient pages and the JSON API: clinics, resources and their free slots."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.module_loading import import_string

from booking.errors import BookingError, SlotTaken, SlotUnavailable, TooManyOrders
from booking.slots import Slot, WorkingInterval, free_slots
from exchange.models import (
    LONGEST_SPAN,
    Appointment,
    Clinic,
    Order,
    Resource,
    ResourceGroup,
    Schedule,
)


def active_clinics() -> QuerySet[Clinic]:
    return Clinic.objects.filter(is_active=True)


def bookable_resources() -> QuerySet[Resource]:
    return Resource.objects.bookable()


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


def booking_paused(clinic: Clinic, now: datetime) -> bool:
    """Whether the clinic's online booking is paused now, by any of
    settings.BOOKING_PAUSE_CHECKS (functions of the clinic and now, named by dotted path)."""
    return any(import_string(path)(clinic, now) for path in settings.BOOKING_PAUSE_CHECKS)


def earliest_bookable(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.BOOKING_LEAD_MINUTES)


def resource_slots(
    *, resource: Resource, first_day: date, days: int, now: datetime
) -> dict[date, list[Slot]]:
    """Free slots of `days` clinic-local days from `first_day`, by day, in three queries
    and what the pause checks ask; none while the clinic's booking is paused."""
    if resource.is_retired or booking_paused(resource.clinic, now):
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


def nearest_free_slots(
    *,
    resources: Sequence[Resource],
    windows: Mapping[int, tuple[date, int]],
    now: datetime,
    limit: int,
) -> dict[int, list[Slot]]:
    """The first `limit` free slots of each resource within its window (its first
    clinic-local day and a number of days, by resource id), by resource id.

    Three queries whatever the number of resources (the schedules, appointments and holding
    orders of all of them at once) and the pause checks of their clinics; the slots are
    booking.slots.free_slots of each. A paused clinic's resources have none.
    """
    paused: dict[int, bool] = {}
    for resource in resources:
        if resource.clinic_id not in paused:
            paused[resource.clinic_id] = booking_paused(resource.clinic, now)
    ids = [r.pk for r in resources if not r.is_retired and not paused[r.clinic_id]]
    if not ids:
        return {}
    first_day = min(windows[pk][0] for pk in ids)
    last_day = max(windows[pk][0] + timedelta(days=windows[pk][1]) for pk in ids)
    intervals: dict[int, list[WorkingInterval]] = defaultdict(list)
    rows = Schedule.objects.filter(resource_id__in=ids, date__gte=first_day, date__lt=last_day)
    for pk, day, *times in rows.values_list(
        "resource_id", "date", "starts_at", "ends_at", "break_starts_at", "break_ends_at"
    ):
        window_start, days = windows[pk]
        if window_start <= day < window_start + timedelta(days=days):
            intervals[pk].append(WorkingInterval(*times))
    if not intervals:
        return {}
    starts_at = min(i.starts_at for found in intervals.values() for i in found)
    ends_at = max(i.ends_at for found in intervals.values() for i in found)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for queryset in (Appointment.objects.all(), Order.objects.holding()):
        rows = queryset.filter(
            resource_id__in=list(intervals),
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
            starts_at__gt=starts_at - LONGEST_SPAN,
        )
        for pk, *span in rows.values_list("resource_id", "starts_at", "ends_at"):
            busy[pk].append(tuple(span))
    steps = {resource.pk: timedelta(minutes=resource.time_step) for resource in resources}
    not_before = earliest_bookable(now)
    return {
        pk: free_slots(intervals=found, busy=busy[pk], step=steps[pk], not_before=not_before)[
            :limit
        ]
        for pk, found in intervals.items()
    }
