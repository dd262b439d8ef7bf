"""Booking fixtures: a doctor with a morning's schedule and what the booking form asks.

Times are fixed far ahead (DAY), so a test's "now" is a choice, never the wall clock's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import pytest
from lxml import etree

from booking.services import PatientDetails
from exchange.models import Appointment, Clinic, Resource, Schedule
from tests.conftest import SAMPLE_KEY
from tests.exchange.conftest import (
    EXPORT_URL,
    post_xml,  # noqa: F401  (the MIS's import, as a fixture)
)
from tests.factories import local, make_resource

DAY = date(2030, 3, 4)  # a Monday
_mis_ids = itertools.count(1)


def when(clinic: Clinic, clock: str, day: date = DAY) -> datetime:
    """The instant of the clinic's wall-clock "HH:MM" on `day`."""
    return local(clinic, f"{day:%d.%m.%Y} {clock}")


def make_schedule(
    resource: Resource,
    start: str = "09:00",
    end: str = "12:00",
    *,
    day: date = DAY,
    pause: tuple[str, str] | None = None,
) -> Schedule:
    """One working interval of `resource` on `day`, in the clinic's wall clock."""
    clinic = resource.clinic
    return Schedule.objects.create(
        clinic=clinic,
        resource=resource,
        date=day,
        starts_at=when(clinic, start, day),
        ends_at=when(clinic, end, day),
        break_starts_at=when(clinic, pause[0], day) if pause else None,
        break_ends_at=when(clinic, pause[1], day) if pause else None,
    )


def _appointment(resource: Resource, starts_at: datetime, minutes: int, title: str) -> Appointment:
    return Appointment(
        clinic=resource.clinic,
        resource=resource,
        table="TICKETS",
        mis_id=next(_mis_ids),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        title=title,
    )


def make_appointments(
    resource: Resource, starts: Iterable[datetime], *, minutes: int = 30, title: str = ""
) -> None:
    """Many appointments at once, for tests that need a busy resource."""
    Appointment.objects.bulk_create(
        _appointment(resource, start, minutes, title) for start in starts
    )


def make_appointment(
    resource: Resource,
    starts_at: datetime,
    *,
    minutes: int = 30,
    title: str = "Сидоров Пётр Ильич, повторный приём",
) -> Appointment:
    """Time the MIS reports busy; the title names another patient, as real ones do."""
    appointment = _appointment(resource, starts_at, minutes, title)
    appointment.save()
    return appointment


@pytest.fixture
def make_clinic(db):
    """A clinic in the given time zone."""

    def make(zone: str) -> Clinic:
        return Clinic.objects.create(name=f"Клиника ({zone})", timezone=zone)

    return make


@pytest.fixture
def resource(clinic) -> Resource:
    """A doctor with 30-minute slots, working 09:00–12:00 on DAY: six slots."""
    resource = make_resource(clinic, time_step=30)
    make_schedule(resource)
    return resource


@pytest.fixture
def now(clinic) -> datetime:
    """The clock of service tests: three days before DAY."""
    return when(clinic, "12:00", DAY - timedelta(days=3))


@pytest.fixture
def details() -> PatientDetails:
    return PatientDetails(
        name1="Петрова",
        name2="Анна",
        name3="Сергеевна",
        phone="+7 900 123-45-67",
        email="petrova@example.ru",
        aim="консультация",
        city="Москва",
        address="ул. Мира, 5",
        comment="",
    )


class OutboxSmsBackend:
    """Keeps text messages in `outbox` instead of sending them (SMS_BACKEND for tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


@pytest.fixture
def sms_outbox(settings) -> list[tuple[str, str]]:
    """The text messages sent during the test, as (phone, text)."""
    settings.SMS_BACKEND = "tests.booking.conftest.OutboxSmsBackend"
    OutboxSmsBackend.outbox = []
    return OutboxSmsBackend.outbox


# The booking form as a patient fills it in.
FORM = {
    "name1": "Петрова",
    "name2": "Анна",
    "name3": "",
    "phone": "+7 900 123-45-67",
    "email": "petrova@example.ru",
    "aim": "",
    "city": "",
    "address": "",
    "comment": "",
    "consent": "on",
}


def at(resource, clock: str) -> int:
    return int(when(resource.clinic, clock).timestamp())


def week_url(resource, clinic=None) -> str:
    return f"/clinics/{(clinic or resource.clinic).pk}/resources/{resource.pk}/"


def book_url(resource, clinic=None) -> str:
    return week_url(resource, clinic) + "book/"


def exported(client, since) -> dict[str, etree._Element]:
    """The clinic's export from `since` on, by order id."""
    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": int(since.timestamp())})
    assert response.status_code == 200
    root = etree.fromstring(b"".join(response.streaming_content))
    return {element.get("id"): element for element in root.iter("o")}
