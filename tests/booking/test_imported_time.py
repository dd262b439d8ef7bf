"""What an MIS sends is what patients are offered: from the import to the week page and the API.

A vacation comes as one long appointment, with the appointments and bookings made before it
still inside it; split shifts come as intervals that may touch.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from exchange.models import Resource
from tests.booking.conftest import DAY, week_url, when
from tests.exchange.conftest import imported
from tests.factories import make_order

RESOURCE = '<Resources><r id="369" name="Нестеров О. П." time_step="30"/></Resources>'
MORNING = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


@pytest.fixture(autouse=True)
def no_stale_data_guard(settings):
    """These tests look at slots from a clock set years ahead of the imports they make, which
    the stale-data guard would rightly pause; the guard has its own tests (tests/workspace)."""
    settings.BOOKING_PAUSE_CHECKS = []


def doctor_from(post_xml, clinic, body: str) -> Resource:
    """The doctor as the MIS sends him, with `body` beside."""
    imported(post_xml, RESOURCE + body)
    return Resource.objects.get(clinic=clinic, mis_id=369)


def schedules(*days: date, hours: str = '<time_rules w_start="09:00" w_end="12:00"/>') -> str:
    items = "".join(f'<s date="{day:%d.%m.%Y}" resource_id="369">{hours}</s>' for day in days)
    return f"<Schedules>{items}</Schedules>"


def appointment(mis_id: int, at: str, minutes: int) -> str:
    return (
        f'<a tablename="TICKETS" id="{mis_id}" resource_id="369" ReceptionDateTime="{at}" '
        f'Duration="{minutes}"/>'
    )


def clocks(slots, resource: Resource) -> list[str]:
    return [f"{slot.starts_at.astimezone(resource.clinic.tzinfo):%H:%M}" for slot in slots]


@pytest.fixture
def vacation(clinic, post_xml):
    """Five working days from the day after tomorrow; a vacation over the middle three,
    with an MIS appointment and a patient's booking made before it still inside it."""
    first = timezone.localdate(timezone=clinic.tzinfo) + timedelta(days=2)
    days = [first + timedelta(days=n) for n in range(5)]
    resource = doctor_from(post_xml, clinic, schedules(*days))
    make_order(resource, starts_at=when(clinic, "11:00", days[3]))
    doctor_from(
        post_xml,
        clinic,
        schedules(*days)
        + '<Appointments SyncMode="full">'
        + appointment(1, f"{days[1]:%d.%m.%Y} 08:00", 3 * 24 * 60)
        + appointment(2, f"{days[2]:%d.%m.%Y} 10:00", 30)
        + "</Appointments>",
    )
    return resource, days


def test_it_offers_nothing_inside_a_vacation_on_the_week_page(client, vacation):
    resource, days = vacation

    response = client.get(week_url(resource))

    offered = {day: clocks(slots, resource) for day, slots in response.context["days"]}
    assert [offered[day] for day in days] == [MORNING, [], [], [], MORNING]


def test_it_offers_nothing_inside_a_vacation_to_a_clinics_website(client, vacation):
    resource, days = vacation

    response = client.get(
        f"/api/v1/resources/{resource.pk}/slots", {"from": days[0].isoformat(), "days": 5}
    )

    starts = [slot["start"][:16] for slot in response.json()["slots"]]
    assert starts == [
        f"{day.isoformat()}T{clock}" for day in (days[0], days[4]) for clock in MORNING
    ]


def test_it_keeps_a_vacation_busy_when_asked_from_its_middle(client, vacation):
    resource, days = vacation

    response = client.get(
        f"/api/v1/resources/{resource.pk}/slots", {"from": days[2].isoformat(), "days": 3}
    )

    starts = [slot["start"][:16] for slot in response.json()["slots"]]
    assert starts == [f"{days[4].isoformat()}T{clock}" for clock in MORNING]


SHIFT = '<time_rules w_start="{}" w_end="{}"/>'
ON_DAY = f'<s date="{DAY:%d.%m.%Y}" resource_id="369">{{}}</s>'


@pytest.mark.parametrize(
    "body",
    [
        ON_DAY.format(SHIFT.format("10:00", "10:50") + SHIFT.format("10:50", "12:00")),
        ON_DAY.format(SHIFT.format("10:50", "12:00"))
        + ON_DAY.format(SHIFT.format("10:00", "10:50")),
    ],
    ids=["one-s", "two-s"],
)
def test_it_keeps_the_grid_of_each_of_two_touching_shifts(client, clinic, post_xml, body):
    resource = doctor_from(post_xml, clinic, f"<Schedules>{body}</Schedules>")

    response = client.get(f"/api/v1/resources/{resource.pk}/slots", {"from": DAY.isoformat()})

    # 10:30–11:00 would straddle the two shifts; the second lays its own grid from 10:50.
    assert [slot["start"][11:16] for slot in response.json()["slots"]] == [
        "10:00",
        "10:50",
        "11:20",
    ]
