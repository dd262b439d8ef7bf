"""The visit as an .ics file from the order page: for the order's patient only."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from exchange.models import Order
from tests.booking.conftest import when
from tests.factories import make_order


@pytest.fixture
def order(resource, patient):
    return make_order(resource, starts_at=when(resource.clinic, "10:30"), patient=patient)


def url(order: Order) -> str:
    return f"/orders/{order.pk}/visit.ics"


def test_it_gives_the_patient_the_visit_as_an_event(client, patient, order):
    client.force_login(patient)

    response = client.get(url(order))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="visit.ics"'
    lines = response.content.decode().split("\r\n")
    assert "DTSTART:20300304T073000Z" in lines
    assert "DTEND:20300304T080000Z" in lines
    assert "SUMMARY:Приём: Нестеров О. П." in lines
    assert "LOCATION:Клиника на Ленина" in lines


def test_it_is_offered_on_the_order_page(client, patient, order):
    client.force_login(patient)

    page = client.get(f"/orders/{order.pk}/").content.decode()

    assert f'href="{url(order)}"' in page
    assert "Добавить в календарь" in page


def test_it_gives_another_patient_nothing(client, other_patient, order):
    client.force_login(other_patient)

    assert client.get(url(order)).status_code == 404


def test_it_asks_to_sign_in(client, order):
    response = client.get(url(order))

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/login/"


@pytest.mark.parametrize("status", [Order.Status.CANCELLED, Order.Status.REJECTED])
def test_it_gives_no_event_for_a_visit_that_holds_no_time(client, patient, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    client.force_login(patient)

    assert client.get(url(order)).status_code == 404
    assert url(order) not in client.get(f"/orders/{order.pk}/").content.decode()
