"""The admin finds orders by the patient's name, phone or email, and filters them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange.models import Order
from tests.factories import make_order, make_resource

URL = "/admin/exchange/order/"


@pytest.fixture
def orders(clinic, other_clinic):
    here = make_resource(clinic)
    there = make_resource(other_clinic)
    return {
        "petrova": make_order(
            here,
            starts_at=datetime(2030, 7, 1, 7, 0, tzinfo=UTC),
            name1="Петрова",
            name2="Анна",
            phone="+7 911 111-11-11",
            email="petrova@example.ru",
        ),
        "sidorov": make_order(
            here,
            starts_at=datetime(2030, 8, 5, 7, 0, tzinfo=UTC),
            status=Order.Status.ACCEPTED,
            name1="Сидоров",
            phone="+7 922 222-22-22",
            email="sidorov@example.ru",
        ),
        "kuznetsov": make_order(
            there,
            starts_at=datetime(2030, 7, 2, 7, 0, tzinfo=UTC),
            name1="Кузнецов",
            phone="+7 933 333-33-33",
            email="kuz@example.ru",
        ),
    }


def found(admin_client, **params) -> set[str]:
    response = admin_client.get(URL, params)
    assert response.status_code == 200
    return {order.name1 for order in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Петрова", {"Петрова"}), ("Анна", {"Петрова"}), ("922 222", {"Сидоров"})],
)
def test_it_finds_orders_by_the_patients_name_or_phone(admin_client, orders, query, expected):
    assert found(admin_client, q=query) == expected


def test_it_finds_a_name_in_any_case(admin_client, orders, on_postgres):
    # SQLite folds the case of ASCII letters only; the production database folds Cyrillic too.
    assert found(admin_client, q="петрова") == {"Петрова"}


def test_it_finds_orders_by_email(admin_client, orders):
    assert found(admin_client, q="kuz@example") == {"Кузнецов"}


def test_it_filters_orders_by_clinic_status_and_date(admin_client, orders, clinic):
    assert found(admin_client, clinic__id__exact=clinic.pk) == {"Петрова", "Сидоров"}
    assert found(admin_client, status__exact=Order.Status.ACCEPTED) == {"Сидоров"}
    assert found(admin_client, starts_at__year=2030, starts_at__month=7) == {
        "Петрова",
        "Кузнецов",
    }


def test_it_lists_orders_in_a_constant_number_of_queries(admin_client, clinic):
    resource = make_resource(clinic)
    make_order(resource, starts_at=datetime(2030, 7, 1, 7, 0, tzinfo=UTC))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(URL)
    for hour in range(8, 18):
        make_order(resource, starts_at=datetime(2030, 7, 1, hour, 0, tzinfo=UTC))

    with CaptureQueriesContext(connection) as many:
        admin_client.get(URL)

    assert len(many) == len(few)
