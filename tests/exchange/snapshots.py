"""A clinic's exchange data as plain values, to compare states across imports."""

from __future__ import annotations

from exchange.importing.schedules import SCHEDULE_FIELDS
from exchange.models import Appointment, Clinic, Order, Resource, ResourceGroup, Schedule


def clinic_state(clinic: Clinic) -> dict[str, list]:
    """Everything an import may change, without row ids that carry no meaning."""
    return {
        "groups": sorted(
            ResourceGroup.objects.filter(clinic=clinic).values_list("mis_id", "name", "pos")
        ),
        "resources": sorted(
            Resource.objects.filter(clinic=clinic).values_list(
                "pk", "mis_id", "group__mis_id", "name", "time_step", "pos", "is_retired"
            )
        ),
        "schedules": sorted(Schedule.objects.filter(clinic=clinic).values_list(*SCHEDULE_FIELDS)),
        "appointments": sorted(
            Appointment.objects.filter(clinic=clinic).values_list(
                "table", "mis_id", "resource_id", "starts_at", "ends_at", "title"
            )
        ),
        "orders": sorted(
            Order.objects.filter(clinic=clinic).values_list(
                "pk", "status", "resource_id", "starts_at", "ends_at", "last_changed_at"
            )
        ),
    }
