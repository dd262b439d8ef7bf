"""/metrics: hidden without METRICS_TOKEN, refused without it, computed from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from booking.tasks import send_order_notices
from exchange.models import ImportRecord, Order
from tests.factories import make_order, make_resource

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_it_does_not_exist_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", TOKEN, f"Basic {TOKEN}"])
def test_it_refuses_a_missing_or_wrong_token(client, token, header):
    headers = {"Authorization": header} if header else {}

    assert client.get("/metrics", headers=headers).status_code == 403


def journal(clinic, outcome: str, duration_ms: int) -> None:
    ImportRecord.objects.create(
        clinic=clinic, received_at=timezone.now(), size=1, outcome=outcome, duration_ms=duration_ms
    )


def test_it_counts_imports_by_outcome_with_a_duration_histogram(client, token, clinic):
    for duration_ms in (40, 700, 3000):
        journal(clinic, "applied", duration_ms)
    journal(clinic, "rejected", 20)

    metrics = scrape(client)

    applied = (("outcome", "applied"),)
    assert metrics["portal_imports_total", applied] == 3
    assert metrics["portal_imports_total", (("outcome", "rejected"),)] == 1
    bucket = {
        le: metrics["portal_import_duration_seconds_bucket", (("le", le), ("outcome", "applied"))]
        for le in ("0.05", "0.5", "1.0", "2.5", "5.0", "+Inf")
    }
    assert bucket == {"0.05": 1, "0.5": 1, "1.0": 2, "2.5": 2, "5.0": 3, "+Inf": 3}
    assert metrics["portal_import_duration_seconds_count", applied] == 3
    assert metrics["portal_import_duration_seconds_sum", applied] == pytest.approx(3.74)


def test_it_counts_bookings_and_orders_by_status(client, token, clinic):
    resource = make_resource(clinic)
    start = timezone.now() + timedelta(days=2)
    make_order(resource, starts_at=start)
    make_order(resource, starts_at=start + timedelta(hours=1), status=Order.Status.ACCEPTED)
    make_order(resource, starts_at=start, status=Order.Status.CANCELLED)

    metrics = scrape(client)

    assert metrics["portal_bookings_total", ()] == 3
    assert metrics["portal_orders", (("status", "received"),)] == 1
    assert metrics["portal_orders", (("status", "accepted"),)] == 1
    assert metrics["portal_orders", (("status", "cancelled"),)] == 1
    assert metrics["portal_orders", (("status", "rejected"),)] == 0


def test_it_reports_the_queue_depth_on_postgresql(client, token, on_postgres, settings):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    send_order_notices.defer(event_ids=[1])
    send_order_notices.defer(event_ids=[2])

    metrics = scrape(client)

    assert metrics["portal_jobs", (("queue", "emails"), ("status", "todo"))] == 2
