"""Wall-clock times that a DST change skips or repeats: never a 503, never invented time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exchange.models import Appointment, Clinic, Schedule
from tests.exchange.conftest import document
from tests.factories import make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin(clinic) -> Clinic:
    Clinic.objects.filter(pk=clinic.pk).update(timezone="Europe/Berlin")
    make_resource(clinic)
    return clinic


def schedule(day: str, rules: str) -> bytes:
    return document(f'<Schedules><s id="1" date="{day}" resource_id="369">{rules}</s></Schedules>')


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_it_moves_a_start_in_the_spring_gap_forward_by_the_gap(berlin, post_xml):
    # 29.03.2026 in Berlin the clock jumps from 02:00 to 03:00: 02:30 is read as 03:30 CEST.
    response, _ = post_xml(
        document(
            '<Appointments><a tablename="T" id="1" resource_id="369" '
            'ReceptionDateTime="29.03.2026 02:30:00" Duration="30"/></Appointments>'
        )
    )

    assert response.status_code == 200, response.content
    appointment = Appointment.objects.get()
    assert (appointment.starts_at, appointment.ends_at) == (
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 29, 2, 0),
    )


@pytest.mark.parametrize("start", ["2:30", "2:00"], ids=["ends-before", "ends-as-it-starts"])
def test_it_drops_working_hours_that_end_before_they_start_once_the_gap_is_applied(
    berlin, post_xml, start
):
    # 02:00 is read as 03:00 CEST, the instant 03:00 itself is: no working time is left.
    response, root = post_xml(
        schedule("29.03.2026", f'<time_rules w_start="{start}" w_end="3:00"/>')
    )

    assert response.status_code == 200, response.content
    [warning] = root.findall("Warning")
    assert (warning.get("element"), warning.get("code")) == ("time_rules", "dst_gap")
    # The line of the `time_rules`, under the id of its schedule.
    assert (warning.get("line"), warning.get("id")) == ("3", "1")
    assert warning.text == (
        "the working hours fall into a daylight saving time gap: interval dropped"
    )
    assert not Schedule.objects.exists()


def test_it_keeps_working_hours_around_the_gap_as_instants(berlin, post_xml):
    response, _ = post_xml(schedule("29.03.2026", '<time_rules w_start="1:00" w_end="4:00"/>'))

    assert response.status_code == 200
    stored = Schedule.objects.get()
    # 01:00 CET to 04:00 CEST: two hours of real time.
    assert (stored.starts_at, stored.ends_at) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))


def test_it_drops_a_break_the_clock_never_shows(berlin, post_xml):
    response, _ = post_xml(
        schedule(
            "29.03.2026", '<time_rules w_start="1:00" w_end="5:00" b_start="2:00" b_end="3:00"/>'
        )
    )

    assert response.status_code == 200
    stored = Schedule.objects.get()
    assert (stored.break_starts_at, stored.break_ends_at) == (None, None)


def test_it_reads_the_repeated_autumn_hour_as_its_first_occurrence(berlin, post_xml):
    # 25.10.2026: 02:00-03:00 happens twice in Berlin; the first time is still CEST (+2).
    response, _ = post_xml(
        document(
            '<Appointments><a tablename="T" id="1" resource_id="369" '
            'ReceptionDateTime="25.10.2026 02:30:00" Duration="60"/></Appointments>'
        )
    )

    assert response.status_code == 200
    appointment = Appointment.objects.get()
    assert (appointment.starts_at, appointment.ends_at) == (
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 1, 30),
    )


def test_it_handles_moscows_last_spring_gap(clinic, post_xml):
    make_resource(clinic)

    response, root = post_xml(schedule("28.03.2010", '<time_rules w_start="2:30" w_end="3:00"/>'))

    assert response.status_code == 200, response.content
    assert root.find("Warning") is not None
    assert not Schedule.objects.exists()
