"""A clinic far east of UTC: its morning is the previous day in UTC, and still bookable.

Vladivostok is UTC+10, so 09:00 there on DAY is 23:00 UTC the day before. Patients, the
clinic and its MIS all speak of DAY; nothing may file the slot under the UTC date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from lxml import etree

from booking.selectors import resource_slots
from booking.services import order_create
from exchange.models import Order, Resource
from tests.booking.conftest import DAY, FORM, book_url, make_schedule, week_url, when
from tests.conftest import SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL, imported
from tests.factories import make_resource

VLADIVOSTOK = "Asia/Vladivostok"
MORNING = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


@pytest.fixture(autouse=True)
def no_stale_data_guard(settings):
    """These tests look at slots from a clock set years ahead of the imports they make, which
    the stale-data guard would rightly pause; the guard has its own tests (tests/workspace)."""
    settings.BOOKING_PAUSE_CHECKS = []


@pytest.fixture
def far_east(clinic, post_xml) -> Resource:
    """The clinic moved to Vladivostok; its MIS sends a doctor working 09:00–12:00 on DAY."""
    clinic.timezone = VLADIVOSTOK
    clinic.save()
    imported(
        post_xml,
        '<Resources><r id="369" name="Нестеров О. П." time_step="30"/></Resources>'
        f'<Schedules><s date="{DAY:%d.%m.%Y}" resource_id="369">'
        '<time_rules w_start="09:00" w_end="12:00"/></s></Schedules>',
    )
    return Resource.objects.select_related("clinic").get(clinic=clinic, mis_id=369)


@pytest.fixture
def now() -> datetime:
    return datetime(2030, 3, 1, tzinfo=UTC)


def clocks(slots, resource: Resource) -> list[str]:
    return [f"{slot.starts_at.astimezone(resource.clinic.tzinfo):%H:%M}" for slot in slots]


def test_it_lists_the_morning_under_the_clinics_date(far_east, now):
    by_day = resource_slots(resource=far_east, first_day=DAY, days=1, now=now)

    assert {day: clocks(slots, far_east) for day, slots in by_day.items()} == {DAY: MORNING}
    assert by_day[DAY][0].starts_at == datetime(2030, 3, 3, 23, 0, tzinfo=UTC)


def test_it_lists_nothing_under_the_utc_date(far_east, now):
    day_before = DAY - timedelta(days=1)

    assert resource_slots(resource=far_east, first_day=day_before, days=1, now=now) == {}


def test_it_gives_the_slots_to_a_clinics_website_in_local_time(client, far_east):
    response = client.get(f"/api/v1/resources/{far_east.pk}/slots", {"from": DAY.isoformat()})

    starts = [slot["start"] for slot in response.json()["slots"]]
    assert starts == [f"2030-03-04T{clock}:00+10:00" for clock in MORNING]


def test_it_books_the_first_slot_of_the_morning(far_east, patient, details, now, client):
    starts_at = when(far_east.clinic, "09:00")
    assert starts_at.astimezone(UTC).date() == DAY - timedelta(days=1)

    order = order_create(
        patient=patient, resource=far_east, starts_at=starts_at, details=details, now=now
    )

    assert (order.starts_at, order.duration) == (starts_at, 30)
    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": "0"})
    exported = etree.fromstring(b"".join(response.streaming_content)).find("Orders/o")
    assert exported.get("reception_datetime") == "04.03.2030 09:00:00"


def test_it_shows_and_books_the_slot_on_the_book_page(client, far_east, patient):
    client.force_login(patient)
    at = int(when(far_east.clinic, "09:00").timestamp())

    page = client.get(book_url(far_east), {"at": at})
    response = client.post(book_url(far_east), {**FORM, "at": at})

    html = page.content.decode()
    assert "4 марта 2030, 09:00" in html
    assert f"?from={DAY.isoformat()}" in html
    order = Order.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/"
    assert order.starts_at == when(far_east.clinic, "09:00")


def test_it_shows_the_morning_on_the_week_page_under_the_clinics_date(client, clinic):
    clinic.timezone = VLADIVOSTOK
    clinic.save()
    resource = make_resource(clinic)
    day = timezone.localdate(timezone=clinic.tzinfo) + timedelta(days=2)
    make_schedule(resource, "09:00", "10:00", day=day)

    response = client.get(week_url(resource))

    days = dict(response.context["days"])
    assert clocks(days[day], resource) == ["09:00", "09:30"]
    assert days[day - timedelta(days=1)] == []
    assert f"/book/?at={int(when(clinic, '09:00', day).timestamp())}" in response.content.decode()
