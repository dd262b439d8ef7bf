"""Demo data for a newcomer's portal: the protocol sample's clinic with a month of schedules."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from exchange.importing import ImportSummary, import_document
from exchange.keys import clinic_issue_key
from exchange.models import Clinic
from exchange.protocol import parse_document

CLINIC_DOCUMENT = Path(__file__).with_name("clinic.xml")
# The key the protocol's own sample carries, so the sample can be posted as it is.
DEMO_KEY = "9DDDE578-5179-4CC4-A2A0-F681618ED9EA"
DEMO_CLINIC = "Демо-клиника Medihost"
DEMO_PATIENT = ("patient@example.com", "demo-patient-2026")
DEMO_ADMIN = ("admin@example.com", "demo-admin-2026")
# Weekday → working hours and break: a five-day week with lunch, a short Saturday.
WEEK_PATTERN = {
    0: ("9:00", "18:00", "13:00", "14:00"),
    1: ("9:00", "18:00", "13:00", "14:00"),
    2: ("12:00", "20:00", None, None),
    3: ("9:00", "18:00", "13:00", "14:00"),
    4: ("9:00", "16:00", None, None),
    5: ("10:00", "14:00", None, None),
}


def demo_schedules(resource_ids: list[int], first_day: date, days: int) -> str:
    rows = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        hours = WEEK_PATTERN.get(day.weekday())
        if hours is None:
            continue
        start, end, break_start, break_end = hours
        rule = f'w_start="{start}" w_end="{end}"'
        if break_start:
            rule += f' b_start="{break_start}" b_end="{break_end}"'
        rows.extend(
            f'<s date="{day:%d.%m.%Y}" resource_id="{resource_id}"><time_rules {rule}/></s>'
            for resource_id in resource_ids
        )
    return "<Schedules>" + "".join(rows) + "</Schedules>"


def demo_document(first_day: date, days: int = 28) -> bytes:
    """The sample clinic's groups and resources with schedules from `first_day`."""
    clinic_xml = CLINIC_DOCUMENT.read_text(encoding="utf-8")
    resources = parse_document(clinic_xml.encode()).resources
    schedules = demo_schedules([r.mis_id for r in resources], first_day, days)
    return clinic_xml.replace("</MediExchange>", schedules + "</MediExchange>").encode()


@transaction.atomic
def demo_clinic_ensure() -> Clinic:
    clinic, created = Clinic.objects.get_or_create(
        name=DEMO_CLINIC, defaults={"timezone": "Europe/Moscow"}
    )
    if created or not clinic.key_digest:
        clinic_issue_key(clinic=clinic, key=DEMO_KEY)
    return clinic


def demo_accounts_ensure() -> None:
    users = get_user_model().objects
    email, password = DEMO_PATIENT
    if not users.filter(email=email).exists():
        users.create_user(email=email, password=password, first_name="Анна")
    email, password = DEMO_ADMIN
    if not users.filter(email=email).exists():
        users.create_superuser(email=email, password=password)


def demo_load() -> ImportSummary:
    clinic = demo_clinic_ensure()
    demo_accounts_ensure()
    today = timezone.localdate(timezone=clinic.tzinfo)
    return import_document(clinic=clinic, document=parse_document(demo_document(today)))
