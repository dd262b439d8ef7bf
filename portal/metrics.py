"""Prometheus metrics at `/metrics`, computed from the database when scraped.

Gunicorn's workers and the web nodes share nothing in memory, but they share the database,
and what matters is already there: the import journal (outcome and duration of every
import), the orders, and Procrastinate's jobs. So each scrape of any node reads the same
totals for the whole service, exact and surviving restarts, with no multiprocess files to
manage. Scrape one node (or aggregate with `max without (instance)`). Exports leave no row,
so their sizes are in the `export` log lines only.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from exchange.models import ImportRecord, Order

# Seconds; an import of the 64 MiB limit takes a couple of minutes.
IMPORT_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 180)


class DatabaseCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from _imports()
        yield from _orders()
        if connection.vendor == "postgresql" and "procrastinate.contrib.django" in (
            settings.INSTALLED_APPS
        ):
            yield _jobs()


def _imports() -> Iterator[Metric]:
    buckets = {
        f"le_{index}": Count("pk", filter=Q(duration_ms__lte=bound * 1000))
        for index, bound in enumerate(IMPORT_DURATION_BUCKETS)
    }
    rows = (
        ImportRecord.objects.order_by()
        .values("outcome")
        .annotate(total=Count("pk"), milliseconds=Sum("duration_ms"), **buckets)
    )
    imports = CounterMetricFamily(
        "portal_imports", "Authenticated imports, by outcome.", labels=["outcome"]
    )
    durations = HistogramMetricFamily(
        "portal_import_duration_seconds",
        "Time an import took, from reading the document to the answer.",
        labels=["outcome"],
    )
    for row in rows:
        imports.add_metric([row["outcome"]], row["total"])
        counts = [
            (floatToGoString(bound), row[f"le_{index}"])
            for index, bound in enumerate(IMPORT_DURATION_BUCKETS)
        ]
        durations.add_metric(
            [row["outcome"]],
            [*counts, ("+Inf", row["total"])],
            sum_value=(row["milliseconds"] or 0) / 1000,
        )
    yield imports
    yield durations


def _orders() -> Iterator[Metric]:
    by_status = dict(Order.objects.order_by().values_list("status").annotate(total=Count("pk")))
    bookings = CounterMetricFamily("portal_bookings", "Orders ever made (bookings).")
    bookings.add_metric([], sum(by_status.values()))
    orders = GaugeMetricFamily("portal_orders", "Orders by current status.", labels=["status"])
    for status in Order.Status:
        orders.add_metric([status.name.lower()], by_status.get(status.value, 0))
    yield bookings
    yield orders


def _jobs() -> Metric:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs"
            " GROUP BY queue_name, status"
        )
        rows = cursor.fetchall()
    jobs = GaugeMetricFamily(
        "portal_jobs",
        "Background jobs by queue and status (todo = waiting).",
        labels=["queue", "status"],
    )
    for queue, status, total in rows:
        jobs.add_metric([queue, status], total)
    return jobs


def _authorized(request: HttpRequest) -> bool:
    expected = f"Bearer {settings.METRICS_TOKEN}".encode()
    given = request.headers.get("Authorization", "").encode()
    return hmac.compare_digest(given, expected)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorized(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
