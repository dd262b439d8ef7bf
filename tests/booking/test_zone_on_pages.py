"""Patients read a clinic's time zone by its name ("время Екатеринбурга (МСК+2)"), never as
the database's "Asia/Yekaterinburg", and may get a line with their own clock."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.booking.conftest import at, book_url, make_schedule, week_url, when
from tests.factories import make_order, make_resource

ZONE = "Asia/Yekaterinburg"
NAME = "время Екатеринбурга (МСК+2)"


@pytest.fixture
def ural(clinic):
    clinic.timezone = ZONE
    clinic.save()
    return clinic


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


def visible(html: str) -> str:
    """The page without the attributes that carry the zone's key for the script."""
    return html.replace(f'data-zone="{ZONE}"', "")


def test_the_week_page_names_the_zone_and_offers_the_patients_clock(client, ural):
    resource = make_resource(ural, time_step=30)
    make_schedule(resource, day=timezone.localdate(timezone=ural.tzinfo) + timedelta(days=2))

    html = client.get(week_url(resource)).content.decode()

    assert f"Время указано по часовому поясу клиники: {NAME}." in html
    assert ZONE not in visible(html)
    # About now (no instant), hidden until the script finds the patient's clock differs.
    assert f'<p class="local-time" data-local-time data-zone="{ZONE}" hidden>' in html


def test_the_booking_form_names_the_zone_of_the_chosen_time(signed_in, ural, resource):
    html = signed_in.get(book_url(resource), {"at": at(resource, "10:00")}).content.decode()

    assert re.search(rf"10:00</strong>\s*<span class=\"visit-zone\">{re.escape(NAME)}</span>", html)
    assert ZONE not in visible(html)
    note = f'data-zone="{ZONE}" data-at="{at(resource, "10:00")}" hidden>'
    assert note in html


@pytest.mark.parametrize("page", ["/orders/{}/", "/orders/{}/cancel/"])
def test_the_order_pages_name_the_zone(signed_in, ural, resource, patient, page):
    order = make_order(resource, starts_at=when(ural, "11:00"), patient=patient)

    html = signed_in.get(page.format(order.pk)).content.decode()

    assert f'<span class="visit-zone">{NAME}</span>' in html
    assert ZONE not in visible(html)


def test_lists_show_the_short_name(signed_in, ural, patient):
    doctor = make_resource(ural, name="Мусина О. С.", time_step=30)
    day = timezone.localdate(timezone=ural.tzinfo) + timedelta(days=2)
    make_schedule(doctor, day=day)
    make_order(doctor, starts_at=when(ural, "11:00", day), patient=patient)

    found = signed_in.get("/", {"q": "мусина"}).content.decode()
    orders = signed_in.get("/orders/").content.decode()

    assert "Ближайшее свободное время (МСК+2)" in found
    assert '<span class="zone-abbreviation">МСК+2</span>' in orders
