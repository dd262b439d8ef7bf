"""The JSON API for clinics' websites: clinics, their resources, free slots; nothing private."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from exchange.models import Clinic, Resource
from tests.booking.conftest import DAY, make_appointment, make_schedule, when
from tests.factories import make_group, make_order, make_resource

SLOTS_URL = "/api/v1/resources/{}/slots"


def slots_url(resource: Resource) -> str:
    return SLOTS_URL.format(resource.pk)


def get_json(client, url: str, params=None, status: int = 200) -> dict:
    response = client.get(url, params or {})
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_it_lists_active_clinics(client, clinic, other_clinic):
    Clinic.objects.create(name="Закрытая клиника", is_active=False)

    body = get_json(client, "/api/v1/clinics")

    assert body == {
        "clinics": [
            {"id": other_clinic.pk, "name": "Другая клиника", "timezone": "Europe/Moscow"},
            {"id": clinic.pk, "name": "Клиника на Ленина", "timezone": "Europe/Moscow"},
        ]
    }


def test_it_lists_the_clinics_bookable_resources_in_order(client, clinic, other_clinic):
    group = make_group(clinic)
    second = make_resource(clinic, mis_id=2, name="Бабочкина Е. А.", pos=2, time_step=20)
    first = make_resource(clinic, mis_id=1, name="Яковлев И. И.", pos=1, group=group)
    make_resource(clinic, mis_id=3, name="Уволенный", is_retired=True)
    make_resource(other_clinic, mis_id=4, name="Чужой")

    body = get_json(client, f"/api/v1/clinics/{clinic.pk}/resources")

    assert body == {
        "clinic": clinic.pk,
        "resources": [
            {"id": first.pk, "name": "Яковлев И. И.", "group": "Врач-кардиолог", "time_step": 30},
            {"id": second.pk, "name": "Бабочкина Е. А.", "group": None, "time_step": 20},
        ],
    }


@pytest.mark.parametrize(
    ("zone", "offset"),
    [
        ("Europe/Kaliningrad", "+02:00"),
        ("Europe/Moscow", "+03:00"),
        ("Asia/Yekaterinburg", "+05:00"),
    ],
)
def test_it_gives_slot_times_with_the_clinics_offset(client, make_clinic, zone, offset):
    resource = make_resource(make_clinic(zone))
    make_schedule(resource, "09:00", "10:00")

    body = get_json(client, slots_url(resource), {"from": DAY.isoformat(), "days": 1})

    assert body == {
        "resource": resource.pk,
        "timezone": zone,
        "slots": [
            {"start": f"2030-03-04T09:00:00{offset}", "end": f"2030-03-04T09:30:00{offset}"},
            {"start": f"2030-03-04T09:30:00{offset}", "end": f"2030-03-04T10:00:00{offset}"},
        ],
    }


def test_it_gives_only_free_slots_of_the_days_asked_for(client, resource):
    make_order(resource, starts_at=when(resource.clinic, "09:30"))
    make_appointment(resource, when(resource.clinic, "10:00"), minutes=60)
    for offset in (1, 2):
        make_schedule(resource, "15:00", "15:30", day=DAY + timedelta(days=offset))

    body = get_json(client, slots_url(resource), {"from": DAY.isoformat(), "days": 2})

    assert [slot["start"] for slot in body["slots"]] == [
        "2030-03-04T09:00:00+03:00",
        "2030-03-04T11:00:00+03:00",
        "2030-03-04T11:30:00+03:00",
        "2030-03-05T15:00:00+03:00",
    ]


@pytest.mark.parametrize("days", ["1", "31"])
def test_it_accepts_up_to_a_month_of_days(client, resource, days):
    body = get_json(client, slots_url(resource), {"from": DAY.isoformat(), "days": days})

    assert len(body["slots"]) == 6


def test_it_starts_today_for_a_week_by_default(client, resource):
    body = get_json(client, slots_url(resource))

    assert body == {"resource": resource.pk, "timezone": "Europe/Moscow", "slots": []}


@pytest.mark.parametrize(
    "params",
    [
        {"from": DAY.isoformat(), "days": "32"},
        {"from": DAY.isoformat(), "days": "0"},
        {"from": DAY.isoformat(), "days": "-1"},
        {"from": DAY.isoformat(), "days": "seven"},
        {"from": DAY.isoformat(), "days": "1.5"},
        {"from": DAY.isoformat(), "days": ""},
        {"from": "04.03.2030"},
        {"from": "2030-02-30"},
        {"from": "tomorrow"},
        {"from": ""},
        {"from": "9999-12-31", "days": "2"},
    ],
)
def test_it_answers_400_in_json_to_bad_parameters(client, resource, params):
    body = get_json(client, slots_url(resource), params, status=400)

    assert body["error"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/clinics/{clinic}/resources",
        "/api/v1/resources/{retired}/slots",
        "/api/v1/resources/{closed}/slots",
        "/api/v1/resources/999999/slots",
        "/api/v1/clinics/999999/resources",
    ],
)
def test_it_answers_404_for_what_is_not_public(client, resource, url):
    closed_clinic = Clinic.objects.create(name="Закрытая клиника", is_active=False)
    closed = make_resource(closed_clinic)
    retired = make_resource(resource.clinic, mis_id=2, is_retired=True)
    make_schedule(closed)
    make_schedule(retired)

    response = client.get(url.format(clinic=closed_clinic.pk, retired=retired.pk, closed=closed.pk))

    assert response.status_code == 404
    assert json.loads(response.content) == {"error": "not found"}


@pytest.mark.parametrize(
    "url", ["/api/v1/clinics", "/api/v1/clinics/{clinic}/resources", SLOTS_URL]
)
def test_it_answers_405_to_writes(client, resource, url):
    response = client.post(url.format(resource.pk, clinic=resource.clinic.pk))

    assert response.status_code == 405


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("url", ["/api/v1/clinics", "/api/v1/nothing/here", "/api/v1"])
def test_it_answers_every_write_in_json_even_with_csrf_checks(resource, url, method):
    response = getattr(Client(enforce_csrf_checks=True), method)(url)

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET, HEAD"
    assert "error" in json.loads(response.content)


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/doctors", "/api/v1/clinics/1/x/y"])
def test_it_answers_an_unknown_address_in_json(client, db, url):
    response = client.get(url)

    assert response.status_code == 404
    assert json.loads(response.content) == {"error": "not found"}


def test_it_answers_head_like_get_without_a_body(client, resource):
    response = client.head("/api/v1/clinics")

    assert response.status_code == 200
    assert response.content == b""


def test_it_answers_a_failure_in_json_without_internals(client, resource, monkeypatch):
    def explode():
        raise RuntimeError("secret internals")

    monkeypatch.setattr("booking.api.active_clinics", explode)

    response = client.get("/api/v1/clinics")

    assert response.status_code == 500
    assert json.loads(response.content) == {"error": "internal error"}


def test_it_never_shows_patients_data_or_appointment_titles(client, resource):
    make_order(
        resource,
        starts_at=when(resource.clinic, "09:00"),
        name1="Секретова",
        name2="Тайна",
        phone="+7 999 111-22-33",
        email="secret.patient@example.ru",
        comment="аллергия на пенициллин",
    )
    make_appointment(resource, when(resource.clinic, "10:00"), title="Петров П. П., гастроскопия")
    urls = [
        "/api/v1/clinics",
        f"/api/v1/clinics/{resource.clinic.pk}/resources",
        f"{slots_url(resource)}?from={DAY.isoformat()}&days=7",
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        text = response.content.decode() + json.dumps(response.json(), ensure_ascii=False)
        for private in (
            "Секретова",
            "Тайна",
            "999 111",
            "secret.patient",
            "пенициллин",
            "Петров",
            "гастроскопия",
        ):
            assert private not in text, (url, private)
