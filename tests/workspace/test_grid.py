"""The schedule grid shows the staff who holds each time, titles included, in a fixed
number of queries; no page a patient reaches shows a title."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.urls import reverse

from booking.slots import WorkingInterval
from tests.booking.conftest import DAY, make_appointment, make_schedule, week_url, when
from tests.factories import make_order, make_resource
from workspace.grid import Column, Item, grid_rows

pytestmark = pytest.mark.django_db

TITLE = "Сидоров Пётр Ильич, повторный приём"


def test_it_lays_out_work_breaks_and_holders_by_row(clinic):
    resource = make_resource(clinic)
    interval = WorkingInterval(
        when(clinic, "09:00"), when(clinic, "12:00"), when(clinic, "10:00"), when(clinic, "10:30")
    )
    item = Item(when(clinic, "11:00"), when(clinic, "12:00"))
    column = Column("", DAY, resource, intervals=[interval], items=[item])

    rows = grid_rows([column], zone=clinic.tzinfo, step=30)

    assert [row.clock for row in rows] == [
        time(9),
        time(9, 30),
        time(10),
        time(10, 30),
        time(11),
        time(11, 30),
    ]
    kinds = [row.cells[0].kind if row.cells[0] else None for row in rows]
    assert kinds == ["free", "free", "break", "free", "busy", None]
    assert rows[4].cells[0].rowspan == 2


def test_it_puts_overlapping_holders_in_one_cell(clinic):
    resource = make_resource(clinic)
    items = [
        Item(when(clinic, "09:00"), when(clinic, "09:45")),
        Item(when(clinic, "09:30"), when(clinic, "10:00")),
    ]
    rows = grid_rows([Column("", DAY, resource, items=items)], zone=clinic.tzinfo, step=30)

    assert len(rows) == 2
    assert rows[0].cells[0].rowspan == 2 and len(rows[0].cells[0].items) == 2
    assert rows[1].cells[0] is None


def test_an_empty_day_has_no_rows(clinic):
    assert grid_rows([Column("", DAY, make_resource(clinic))], zone=clinic.tzinfo, step=30) == []


@pytest.fixture
def busy_day(clinic, doctor):
    make_appointment(doctor, when(clinic, "09:00"), title=TITLE)
    make_order(doctor, starts_at=when(clinic, "10:00"), name1="Петрова", phone="+7 900 123-45-67")
    return doctor


def test_the_staff_see_titles_patients_and_phones_on_the_grid(client, registrar, clinic, busy_day):
    client.force_login(registrar)

    page = client.get(f"/clinic/{clinic.pk}/schedule/", {"date": DAY.isoformat()}).content.decode()

    assert TITLE in page
    assert "Петрова" in page and "+7 900 123-45-67" in page


def test_the_week_of_one_doctor_shows_the_same(client, registrar, clinic, busy_day):
    client.force_login(registrar)

    response = client.get(f"/clinic/{clinic.pk}/schedule/{busy_day.pk}/", {"date": DAY.isoformat()})

    assert response.context["first_day"] == DAY  # a Monday
    assert TITLE in response.content.decode()


@pytest.mark.parametrize("doctors", [1, 12])
def test_the_day_grid_reads_in_a_fixed_number_of_queries(
    client, registrar, clinic, doctors, django_assert_max_num_queries
):
    for number in range(doctors):
        resource = make_resource(clinic, mis_id=100 + number, name=f"Врач {number}")
        make_schedule(resource)
        make_appointment(resource, when(clinic, "09:00"), title=TITLE)
        make_order(resource, starts_at=when(clinic, "10:00"))
    client.force_login(registrar)

    # Session, user, membership with clinic; resources, schedules, appointments, orders.
    with django_assert_max_num_queries(7):
        response = client.get(f"/clinic/{clinic.pk}/schedule/", {"date": DAY.isoformat()})

    assert len(response.context["columns"]) == doctors


def test_no_page_or_api_a_patient_reaches_shows_a_title(client, patient, clinic, busy_day):
    client.force_login(patient)
    pages = [
        "/",
        f"/?q={busy_day.name[:5]}",
        f"/clinics/{clinic.pk}/",
        week_url(busy_day) + f"?from={DAY.isoformat()}",
        reverse("booking:api-clinics"),
        reverse("booking:api-resources", args=[clinic.pk]),
        reverse("booking:api-slots", args=[busy_day.pk]) + f"?from={DAY.isoformat()}",
        "/orders/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Сидоров" not in response.content.decode(), url
    assert client.get(f"/clinic/{clinic.pk}/schedule/?date={date(2030, 3, 4)}").status_code == 404


def test_the_day_grid_names_each_doctor_and_links_their_week(client, registrar, clinic, busy_day):
    client.force_login(registrar)

    page = client.get(f"/clinic/{clinic.pk}/schedule/", {"date": DAY.isoformat()}).content.decode()

    assert f"/clinic/{clinic.pk}/schedule/{busy_day.pk}/?date={DAY + timedelta(days=0)}" in page
