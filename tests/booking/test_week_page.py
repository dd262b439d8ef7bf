"""The resource's week page: free slots in the clinic's time, queries that do not grow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.booking.conftest import make_appointments, make_schedule, week_url, when
from tests.factories import make_resource

TITLE = "Сидоров Пётр Ильич, повторный приём"


@pytest.fixture
def busy_doctor(clinic):
    """A doctor working 08:00–20:00 the day after tomorrow."""
    day = timezone.localdate(timezone=clinic.tzinfo) + timedelta(days=2)
    resource = make_resource(clinic, time_step=30)
    make_schedule(resource, "08:00", "20:00", day=day)
    return resource, day


def fill(resource, day, count: int) -> None:
    """`count` five-minute appointments, off the grid, one per slot in turn."""
    start = when(resource.clinic, "08:05", day)
    starts = (start + timedelta(minutes=(number * 30) % 720) for number in range(count))
    make_appointments(resource, starts, minutes=5, title=TITLE)


@pytest.mark.parametrize("appointments", [0, 3, 400])
def test_it_runs_the_same_few_queries_however_busy_the_doctor(
    client, busy_doctor, appointments, django_assert_max_num_queries
):
    resource, day = busy_doctor
    fill(resource, day, appointments)

    # The resource with its clinic and group, schedules, appointments, orders; whether the
    # clinic's booking is paused (for the slots, and for the page's notice); the doctor's
    # profile (workspace/includes/public_resource.html).
    with django_assert_max_num_queries(7):
        response = client.get(week_url(resource))

    assert response.status_code == 200
    free = dict(response.context["days"])[day]
    assert len(free) == max(0, 24 - appointments)


def test_it_links_free_slots_in_the_clinics_time_and_hides_titles(client, busy_doctor):
    resource, day = busy_doctor
    fill(resource, day, 1)  # 08:05–08:10 takes the 08:00 slot

    response = client.get(week_url(resource))

    html = response.content.decode()
    assert TITLE not in html
    assert ">08:00<" not in html
    first_free = when(resource.clinic, "08:30", day)
    assert f"/book/?at={int(first_free.timestamp())}" in html
    assert ">08:30</a>" in html


def test_it_starts_no_earlier_than_today(client, busy_doctor):
    resource, _ = busy_doctor
    today = timezone.localdate(timezone=resource.clinic.tzinfo)

    response = client.get(week_url(resource), {"from": "2020-01-01"})

    assert response.context["days"][0][0] == today
    assert response.context["previous_week"] is None
