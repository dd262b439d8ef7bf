"""Benchmarks of the exchange and the patient pages: `make bench` (PostgreSQL).

Every scenario is printed beside a floor measured in the same run on the same machine,
since machines here are noisy and absolute times alone mean little. Sizes scale with
BENCH_SCALE (1 = a clinic of 300 doctors x 30 days, 144 000 appointments, about 25 MB);
LOAD_SECONDS and LOAD_CLIENTS set the length and the patients of the load scenario;
BENCH_SCENARIOS=load,export (any of import, pages, load, export) runs only those.
docs/benchmarks.md keeps a reference run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import floor, load  # noqa: E402
from bench.documents import big_document, diff_document  # noqa: E402
from bench.server import Server  # noqa: E402
from exchange import protocol  # noqa: E402
from exchange.keys import clinic_issue_key, clinic_revoke_key  # noqa: E402
from exchange.models import Clinic, Order, Resource  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
RESOURCES = max(2, int(300 * SCALE))
DAYS = 30
APPOINTMENTS = int(144_000 * SCALE)
DIFF = max(2, int(1_500 * SCALE))
ORDERS = int(100_000 * SCALE)
LOAD_CLIENTS = int(os.environ.get("LOAD_CLIENTS", "40"))
LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "30"))
REPEAT = 3
SCENARIOS = ("import", "pages", "load", "export")
CHOSEN = os.environ.get("BENCH_SCENARIOS", ",".join(SCENARIOS)).split(",")
KEY = "BE7C0000-0000-4000-8000-000000000000"
WRITTEN_TABLES = (
    "exchange_resourcegroup",
    "exchange_resource",
    "exchange_schedule",
    "exchange_appointment",
    "exchange_order",
)

rows: list[tuple[str, str, str, str, str]] = []


def median_time(action: Callable[[], object], repeat: int = REPEAT) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def report(scenario: str, result: str, floor_value: str, ratio: str, target: str) -> None:
    rows.append((scenario, result, floor_value, ratio, target))
    print(f"{scenario}: {result} | floor {floor_value} | {ratio} | target {target}", flush=True)


def fresh_clinic(number: int) -> Clinic:
    """A new empty clinic that now holds the benchmark key."""
    for holder in Clinic.objects.exclude(key_digest=None):
        clinic_revoke_key(clinic=holder)
    clinic = Clinic.objects.create(name=f"Bench clinic {number}")
    clinic_issue_key(clinic=clinic, key=KEY)
    return clinic


def post(server: Server, data: bytes) -> int:
    request = urllib.request.Request(
        server.url + "/services/import.php", data=data, headers={"Content-Type": "application/xml"}
    )
    with urllib.request.urlopen(request, timeout=900) as response:
        response.read()
        return response.status


def rows_written() -> int:
    """Rows inserted, updated or deleted so far in the exchange's data tables."""
    time.sleep(1.2)  # PostgreSQL publishes a closed backend's counts within a second
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
            " WHERE relname = ANY(%s)",
            [list(WRITTEN_TABLES)],
        )
        return int(cursor.fetchone()[0])


def bench_import(data: bytes, diff: bytes) -> Clinic:
    floors = [floor.measure(data) for _ in range(REPEAT)]
    floor_parse = statistics.median(f.parse for f in floors)
    floor_total = statistics.median(f.total for f in floors)
    print(
        f"document {len(data) / 2**20:.1f} MiB; floor: parse {seconds(floor_parse)}, "
        f"COPY {seconds(statistics.median(f.copy for f in floors))}",
        flush=True,
    )

    parse = median_time(lambda: protocol.parse_document(data))
    report(
        "parse alone (validation, line numbers)",
        seconds(parse),
        seconds(floor_parse),
        f"{parse / floor_parse:.2f}x",
        "<= 1.5x the floor's parse",
    )

    timings, peaks = [], []
    for number in range(REPEAT):
        clinic = fresh_clinic(number)
        with Server(workers=1) as server:
            started = time.perf_counter()
            assert post(server, data) == 200
            timings.append(time.perf_counter() - started)
            peaks.append(server.peak_rss_mib())
    full = statistics.median(timings)
    report(
        "full import into an empty clinic, HTTP via gunicorn",
        seconds(full),
        seconds(floor_total),
        f"{full / floor_total:.2f}x",
        "<= 1.5x; worker peak RSS <= 200 MB",
    )
    report("  worker peak RSS", f"{max(peaks):.0f} MiB", "", "", "<= 200 MB")

    with Server(workers=1) as server:
        before = rows_written()
        again = median_time(lambda: post(server, data))
        written = rows_written() - before
        report(
            "the same document again (nothing changed)",
            seconds(again),
            seconds(floor_total),
            f"{again / floor_total:.2f}x",
            "<= 1.2x, zero rows written",
        )
        report("  rows written by the repeats", str(written), "", "", "0")
        diff_times = []
        for _ in range(REPEAT):
            post(server, data)  # back to the full document, so the diff changes rows again
            started = time.perf_counter()
            post(server, diff)
            diff_times.append(time.perf_counter() - started)
        diff_time = statistics.median(diff_times)
        report(
            f"a diff of {DIFF} changed or new appointments", seconds(diff_time), "", "", "<= 0.3 s"
        )
    return clinic


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
                status=Order.Status.CANCELLED,
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
    url = f"/services/export.php?client_key={KEY}&start=0"
    with Server(workers=1) as server:
        urllib.request.urlopen(server.url + "/api/v1/clinics").read()
        before = server.rss_mib()
        body = b""

        def export() -> None:
            nonlocal body
            with urllib.request.urlopen(server.url + url, timeout=600) as response:
                body = response.read()

        took = median_time(export)
        growth = server.peak_rss_mib() - before
    assert body.endswith(b"</MediExchange>\n"), "the export stopped short"
    # All of the clinic's orders: the load scenario's bookings too.
    assert body.count(b"\n    <o ") == clinic.orders.count(), "the export misses orders"
    chunks = body.split(b"\n")

    # The floor: the values the export writes, read by one plain SELECT (fetched whole, as
    # plain as it gets), and the export's bytes joined.
    def select_and_join() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT o.id, o.status, o.patient_id, o.user_name, o.created_at, r.mis_id, r.name,"
                " o.resource_id, o.starts_at, o.ends_at, o.name1, o.name2, o.name3, o.aim,"
                " o.phone, o.city, o.address, o.email, o.comment, o.last_changed_at"
                " FROM exchange_order o JOIN exchange_resource r ON r.id = o.resource_id"
                " WHERE o.clinic_id = %s ORDER BY o.last_changed_at, o.id",
                [clinic.pk],
            )
            cursor.fetchall()
        b"\n".join(chunks)

    floor_time = median_time(select_and_join)
    report(
        f"export of {ORDERS} orders, streamed over HTTP",
        seconds(took),
        seconds(floor_time),
        f"{took / floor_time:.2f}x",
        "<= 1.5x; RSS growth <= 50 MB",
    )
    report("  worker RSS growth during the export", f"{growth:.0f} MiB", "", "", "<= 50 MB")


def bench_pages(clinic: Clinic) -> None:
    resource = Resource.objects.filter(clinic=clinic).order_by("pk").first()
    client = Client()
    for label, url in (
        ("week page", f"/clinics/{clinic.pk}/resources/{resource.pk}/"),
        ("JSON slots (7 days)", f"/api/v1/resources/{resource.pk}/slots?days=7"),
    ):
        client.get(url)
        # Each request empties the query log as it starts: count from an empty one.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        # Counted now: the captured queries are read from the log, which the next request empties.
        count = len(queries)
        took = median_time(lambda url=url: client.get(url), repeat=50)
        report(
            f"{label} of a loaded resource",
            seconds(took),
            "",
            f"{count} queries",
            "median <= 15 ms, queries independent of size",
        )


def bench_load(clinic: Clinic, data: bytes) -> None:
    with Server(workers=4) as server:
        result = load.run(
            base=server.url,
            clinic_id=clinic.pk,
            clients=LOAD_CLIENTS,
            seconds=LOAD_SECONDS,
            import_body=data,
        )
    outcomes = result["outcomes"]
    summary = (
        f"{result['bookings_per_second']:.1f} bookings/s, p95 {seconds(result['p95'])}, "
        f"{outcomes.get('5xx', 0)} 5xx, {result['double_bookings']} double bookings, "
        f"imports {result['imports']}"
    )
    report(
        f"bookings during full imports ({LOAD_CLIENTS} clients, 4 workers)",
        summary,
        "",
        "",
        "no 5xx, 0 double bookings, p95 <= 1 s",
    )
    print(f"  outcomes: {outcomes}", flush=True)
    assert result["double_bookings"] == 0, "double bookings under load"
    assert outcomes.get("5xx", 0) == 0, "5xx under load"
    # A healthy run books, finds some times taken, and nothing else.
    assert not result["failures"], f"patients or the MIS failed: {result['failures']}"
    assert outcomes.get("booked", 0) > 0, "nobody could book"
    assert set(outcomes) <= {"booked", "taken"}, f"bookings refused: {outcomes}"
    assert set(result["imports"]) == {200}, f"imports failed: {result['imports']}"


def loaded_clinic(data: bytes) -> Clinic:
    """The big clinic, imported once and not timed, for the scenarios that need it."""
    clinic = fresh_clinic(0)
    with Server(workers=1) as server:
        assert post(server, data) == 200
    return clinic


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("the benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")
    if unknown := set(CHOSEN) - set(SCENARIOS):
        sys.exit(f"BENCH_SCENARIOS: unknown {', '.join(sorted(unknown))}; known: {SCENARIOS}")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(
            f"scale {SCALE}: {RESOURCES} doctors x {DAYS} days, {APPOINTMENTS} appointments",
            flush=True,
        )
        data = big_document(KEY, resources=RESOURCES, days=DAYS, appointments=APPOINTMENTS)
        if "import" in CHOSEN:
            diff = diff_document(
                KEY, resources=RESOURCES, days=DAYS, appointments=APPOINTMENTS, changed=DIFF
            )
            clinic = bench_import(data, diff)
        else:
            clinic = loaded_clinic(data)
        if "pages" in CHOSEN:
            bench_pages(clinic)
        if "load" in CHOSEN:
            bench_load(clinic, data)
        if "export" in CHOSEN:
            bench_export(clinic)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print("\n| scenario | result | floor | ratio | target |\n|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


main()
