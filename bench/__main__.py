"""Benchmarks of the exchange and the week page: `make bench` (PostgreSQL by default).

Runs in a throwaway test database and prints a Markdown table; docs/benchmarks.md keeps the
numbers of a reference run. Sizes can be scaled with BENCH_SCALE (1 = the sizes below).
"""

from __future__ import annotations

import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.documents import big_document  # noqa: E402
from exchange.importing import import_document  # noqa: E402
from exchange.keys import clinic_issue_key  # noqa: E402
from exchange.models import Clinic, Order, Resource  # noqa: E402
from exchange.protocol import parse_document  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
RESOURCES = int(500 * SCALE)
DAYS = 30
APPOINTMENTS = int(100_000 * SCALE)
ORDERS = int(100_000 * SCALE)
KEY = "BE7C0000-0000-4000-8000-000000000000"

rows: list[tuple[str, str]] = []


def measure(label: str, action: Callable[[], object], repeat: int = 1) -> object:
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    detail = f"{median * 1000:.0f} ms" if median < 10 else f"{median:.1f} s"
    if repeat > 1:
        detail += f" (median of {repeat})"
    rows.append((label, detail))
    print(f"{label}: {detail}", flush=True)
    return result


def bench_import(clinic: Clinic) -> None:
    data = big_document(KEY, resources=RESOURCES, days=DAYS, appointments=APPOINTMENTS)
    rows.append(("document", f"{len(data) / 2**20:.1f} MiB"))
    document = measure("parse (iterparse, validate)", lambda: parse_document(data))
    # Measured apart: tracemalloc slows the code it watches.
    tracemalloc.start()
    parse_document(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rows.append(("parse peak Python memory", f"{peak / 2**20:.0f} MiB"))
    measure("first import (all new)", lambda: import_document(clinic=clinic, document=document))
    measure(
        "same import again (no change)", lambda: import_document(clinic=clinic, document=document)
    )
    client = Client()
    measure(
        "same import over HTTP (parse + apply)",
        lambda: client.post("/services/import.php", data=data, content_type="application/xml"),
    )


def bench_export(clinic: Clinic) -> None:
    resource = Resource.objects.filter(clinic=clinic).first()
    now = timezone.now()
    start = now + timedelta(days=400)
    Order.objects.bulk_create(
        (
            Order(
                clinic=clinic,
                resource=resource,
                starts_at=start + timedelta(minutes=30 * n),
                ends_at=start + timedelta(minutes=30 * n + 30),
                status=Order.Status.CANCELLED,  # cancelled: many may share a resource
                name1="Иванов",
                name2="Иван",
                phone="+7 900 000-00-00",
                email="ivanov@example.ru",
                last_changed_at=now - timedelta(seconds=n),
            )
            for n in range(ORDERS)
        ),
        batch_size=5000,
    )
    client = Client()

    def export() -> int:
        response = client.get("/services/export.php", {"client_key": KEY, "start": 0})
        return sum(len(chunk) for chunk in response.streaming_content)

    size = measure(f"export of {ORDERS} orders (streamed)", export)
    tracemalloc.start()
    export()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rows.append(("export size", f"{size / 2**20:.1f} MiB"))
    rows.append(("export peak Python memory", f"{peak / 2**20:.1f} MiB"))


def bench_week_page(clinic: Clinic) -> None:
    resource = Resource.objects.filter(clinic=clinic).order_by("pk").first()
    client = Client()
    url = f"/clinics/{clinic.pk}/resources/{resource.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    rows.append(("week page queries", str(len(queries))))
    measure("week page (busy resource)", lambda: client.get(url), repeat=50)


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        clinic = Clinic.objects.create(name="Bench clinic")
        clinic_issue_key(clinic=clinic, key=KEY)
        print(f"database: {connection.vendor}, scale {SCALE}", flush=True)
        bench_import(clinic)
        bench_week_page(clinic)
        bench_export(clinic)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"\n| measure ({connection.vendor}) | result |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


main()
