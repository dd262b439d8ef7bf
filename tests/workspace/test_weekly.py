"""A clinic without an MIS: a weekly template with exceptions becomes exactly the expected
schedules, again and again without change; MIS imports leave them; patients book them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.management import call_command

from booking.selectors import resource_slots
from exchange.models import Resource, Schedule
from tests.booking.conftest import DAY, when
from tests.exchange.conftest import document
from tests.factories import make_resource
from workspace.models import DayException, ScheduleTemplate, WeeklyHours
from workspace.weekly import schedules_materialize

pytestmark = pytest.mark.django_db

MONDAY = DAY  # 2030-03-04


@pytest.fixture
def room(clinic) -> Resource:
    """A treatment room made on the portal: Mondays 09:00–13:00 with a break 11:00–11:30,
    Wednesdays 14:00–16:00; the second Monday off, the first Wednesday 10:00–12:00."""
    resource = make_resource(clinic, mis_id=None, name="Процедурный кабинет", time_step=30)
    template = ScheduleTemplate.objects.create(resource=resource)
    WeeklyHours.objects.create(
        template=template,
        weekday=0,
        starts_at=time(9),
        ends_at=time(13),
        break_starts_at=time(11),
        break_ends_at=time(11, 30),
    )
    WeeklyHours.objects.create(template=template, weekday=2, starts_at=time(14), ends_at=time(16))
    DayException.objects.create(template=template, date=MONDAY + timedelta(days=7))
    DayException.objects.create(
        template=template, date=MONDAY + timedelta(days=2), starts_at=time(10), ends_at=time(12)
    )
    return resource


@pytest.fixture
def now(clinic) -> datetime:
    """The Sunday before MONDAY, in the evening: the window opens on that Sunday."""
    return when(clinic, "20:00", MONDAY - timedelta(days=1))


def clocks(clinic, day: date, *texts: str) -> list[datetime]:
    return [when(clinic, text, day) for text in texts]


def rows(resource) -> list[tuple]:
    return list(
        Schedule.objects.filter(resource=resource)
        .order_by("starts_at")
        .values_list("date", "starts_at", "ends_at", "break_starts_at", "break_ends_at")
    )


def test_it_makes_the_template_and_its_exceptions_eight_weeks_ahead(clinic, room, now, settings):
    settings.WORKSPACE_TEMPLATE_WEEKS = 2

    schedules_materialize(now=now)

    wednesday, next_wednesday = MONDAY + timedelta(days=2), MONDAY + timedelta(days=9)
    assert rows(room) == [
        (MONDAY, *clocks(clinic, MONDAY, "09:00", "13:00", "11:00", "11:30")),
        (wednesday, *clocks(clinic, wednesday, "10:00", "12:00"), None, None),
        (next_wednesday, *clocks(clinic, next_wednesday, "14:00", "16:00"), None, None),
    ]


def test_a_second_run_changes_nothing(room, now):
    schedules_materialize(now=now)
    before = list(Schedule.objects.order_by("pk").values_list("pk", flat=True))

    assert schedules_materialize(now=now) == 0
    assert list(Schedule.objects.order_by("pk").values_list("pk", flat=True)) == before
    assert len(before) == 8 + 8 - 1  # Mondays and Wednesdays of eight weeks, one day off


def test_a_changed_template_replaces_the_future_and_keeps_the_past(clinic, room, now):
    schedules_materialize(now=now)
    WeeklyHours.objects.filter(weekday=2).delete()

    schedules_materialize(now=now + timedelta(days=3))  # Wednesday evening

    dates = {row[0] for row in rows(room)}
    assert MONDAY + timedelta(days=2) in dates  # past: kept as it was
    assert not any(day.weekday() == 2 and day > MONDAY + timedelta(days=2) for day in dates)


def test_it_leaves_mis_resources_and_portal_resources_without_a_template(clinic, now):
    mis = make_resource(clinic, mis_id=369)
    hand_made = make_resource(clinic, mis_id=None, name="Кабинет УЗИ")
    for resource in (mis, hand_made):
        Schedule.objects.create(
            clinic=clinic, resource=resource, date=MONDAY,
            starts_at=when(clinic, "08:00"), ends_at=when(clinic, "09:00"),
        )  # fmt: skip
    ScheduleTemplate.objects.create(resource=mis)  # an MIS resource's template is ignored

    schedules_materialize(now=now)

    assert Schedule.objects.count() == 2


def test_an_interval_a_dst_gap_empties_is_skipped(make_clinic):
    clinic = make_clinic("Europe/Berlin")
    resource = make_resource(clinic, mis_id=None)
    template = ScheduleTemplate.objects.create(resource=resource)
    # 29.03.2026, a Sunday: Berlin's clocks jump from 02:00 to 03:00, so 02:00 is 03:00.
    WeeklyHours.objects.create(template=template, weekday=6, starts_at=time(2), ends_at=time(3))
    WeeklyHours.objects.create(template=template, weekday=6, starts_at=time(9), ends_at=time(10))
    now = datetime(2026, 3, 28, 12, tzinfo=UTC)

    schedules_materialize(now=now)

    sunday = [row[1:3] for row in rows(resource) if row[0] == date(2026, 3, 29)]
    assert sunday == [(datetime(2026, 3, 29, 7, tzinfo=UTC), datetime(2026, 3, 29, 8, tzinfo=UTC))]


def test_a_full_mis_import_leaves_them(clinic, room, now, post_xml):
    schedules_materialize(now=now)
    before = rows(room)

    response, _ = post_xml(
        document("""
        <Resources><r id="369" name="Нестеров О. П." time_step="30"/></Resources>
        <Schedules><s date="04.03.2030" resource_id="369">
            <time_rules w_start="9:00" w_end="12:00"/></s></Schedules>
        <Appointments SyncMode="full"/>""")
    )

    assert response.status_code == 200
    assert rows(room) == before
    room.refresh_from_db()
    assert room.is_retired is False


def test_patients_see_the_slots_and_book_them(client, clinic, room, now, patient):
    schedules_materialize(now=now)

    slots = resource_slots(resource=room, first_day=MONDAY, days=1, now=now)[MONDAY]

    assert [slot.starts_at.astimezone(clinic.tzinfo).strftime("%H:%M") for slot in slots] == [
        "09:00", "09:30", "10:00", "10:30", "11:30", "12:00", "12:30"
    ]  # fmt: skip


def test_the_command_runs_it(room, capsys):
    call_command("materialize_schedules")

    assert Schedule.objects.filter(resource=room).exists()
    assert "schedule rows" in capsys.readouterr().out


def test_a_manager_sets_the_hours_and_they_show_at_once(client, manager, clinic):
    client.force_login(manager)
    response = client.post(
        f"/clinic/{clinic.pk}/resources/new/",
        {"name": "Терапевт Смирнова", "time_step": 20, "pos": 0},
    )
    resource = Resource.objects.get(name="Терапевт Смирнова")
    assert response.status_code == 302 and resource.mis_id is None

    client.post(
        f"/clinic/{clinic.pk}/resources/{resource.pk}/hours/",
        {"weekday": 0, "starts_at": "08:00", "ends_at": "09:00"},
    )

    assert Schedule.objects.filter(resource=resource).count() == 8
    assert all(row.date.weekday() == 0 for row in Schedule.objects.filter(resource=resource))


def test_a_manager_marks_a_day_off(client, manager, clinic, room):
    schedules_materialize()
    client.force_login(manager)
    monday = Schedule.objects.filter(resource=room).order_by("date").first().date

    client.post(
        f"/clinic/{clinic.pk}/resources/{room.pk}/exceptions/",
        {"date": monday.isoformat(), "day_off": "on"},
    )

    assert not Schedule.objects.filter(resource=room, date=monday).exists()


def test_the_form_refuses_a_break_outside_the_hours(client, manager, clinic, room):
    client.force_login(manager)

    response = client.post(
        f"/clinic/{clinic.pk}/resources/{room.pk}/hours/",
        {"weekday": 1, "starts_at": "09:00", "ends_at": "12:00",
         "break_starts_at": "12:30", "break_ends_at": "13:00"},
    )  # fmt: skip

    assert response.status_code == 400
    assert not WeeklyHours.objects.filter(weekday=1).exists()


def test_a_manager_cannot_edit_the_hours_of_an_mis_resource(client, manager, clinic, doctor):
    client.force_login(manager)

    response = client.post(
        f"/clinic/{clinic.pk}/resources/{doctor.pk}/hours/",
        {"weekday": 0, "starts_at": "08:00", "ends_at": "09:00"},
    )

    assert response.status_code == 404
