"""Small builders for rows the tests need, with sensible defaults."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from exchange.models import Clinic, Order, Resource, ResourceGroup


def make_resource(clinic: Clinic, *, mis_id: int | None = 369, **fields) -> Resource:
    defaults = {"name": "Нестеров О. П.", "time_step": 30}
    return Resource.objects.create(clinic=clinic, mis_id=mis_id, **(defaults | fields))


def make_group(clinic: Clinic, *, mis_id: int = 1, **fields) -> ResourceGroup:
    return ResourceGroup.objects.create(
        clinic=clinic, mis_id=mis_id, **({"name": "Врач-кардиолог"} | fields)
    )


def local(clinic: Clinic, text: str) -> datetime:
    """An aware datetime from the clinic's wall-clock "DD.MM.YYYY HH:MM[:SS]"."""
    layout = "%d.%m.%Y %H:%M:%S" if text.count(":") == 2 else "%d.%m.%Y %H:%M"
    return datetime.strptime(text, layout).replace(tzinfo=clinic.tzinfo)


def make_order(
    resource: Resource,
    *,
    starts_at: datetime | None = None,
    minutes: int = 30,
    status: int = Order.Status.RECEIVED,
    last_changed_at: datetime | None = None,
    **fields,
) -> Order:
    starts_at = starts_at or timezone.now().replace(microsecond=0) + timedelta(days=1)
    defaults = {
        "user_name": "ivanov",
        "name1": "Иванов",
        "name2": "Иван",
        "name3": "Иванович",
        "phone": "+7 900 000-00-00",
        "email": "ivanov@example.ru",
        "aim": "консультация",
        "city": "Москва",
        "address": "ул. Ленина, 1",
        "comment": "",
    }
    return Order.objects.create(
        clinic=resource.clinic,
        resource=resource,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
        last_changed_at=last_changed_at or timezone.now(),
        **(defaults | fields),
    )
