"""Patients booking over HTTP while the MIS re-imports the clinic: the load scenario."""

from __future__ import annotations

import http.cookiejar
import json
import random
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from accounts.models import User
from exchange.models import Resource

PASSWORD = "bench-patient-2026"
FORM = {
    "name1": "Нагрузкин",
    "name2": "Тест",
    "phone": "+7 900 000-00-00",
    "email": "load@example.ru",
    "consent": "on",
}


@dataclass
class Tally:
    outcomes: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    imports: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def booking(self, outcome: str, seconds: float) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            self.latencies.append(seconds)

    def reporting(self, work: Callable[..., None]) -> Callable[..., None]:
        """`work` for a thread, its exception kept for the result (a thread's exception is
        only printed: the run would go on and pass without it)."""

        def run(*args) -> None:
            try:
                work(*args)
            except Exception as error:
                with self.lock:
                    self.failures.append(repr(error))
                raise

        return run


def make_patients(count: int) -> list[str]:
    # The server checks passwords with the production hasher, whatever the bench runs with.
    password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    emails = [f"load{number}@example.ru" for number in range(count)]
    User.objects.bulk_create(User(email=email, password=password) for email in emails)
    return emails


class Patient:
    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.email = email

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def request(self, path: str, form: dict | None = None) -> tuple[int, str, bytes]:
        """(status, the address landed on after redirects, body)."""
        data = None
        headers = {"Referer": self.base + path}
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.url, response.read()
        except urllib.error.HTTPError as error:
            return error.code, path, error.read()

    def sign_in(self) -> None:
        status, _, _ = self.request("/accounts/login/")
        assert status == 200, f"the sign-in page answered {status}"  # and set no CSRF cookie
        form = {"username": self.email, "password": PASSWORD}
        status, landed, _ = self.request("/accounts/login/", form)
        assert status == 200 and "/accounts/login/" not in landed, (status, landed)

    def book_somewhere(self, clinic_id: int, resource_ids: list[int], tally: Tally) -> None:
        resource_id = random.choice(resource_ids)
        status, _, body = self.request(f"/api/v1/resources/{resource_id}/slots?days=7")
        slots = json.loads(body)["slots"] if status == 200 else []
        if not slots:
            return
        starts = datetime.fromisoformat(random.choice(slots)["start"])
        path = f"/clinics/{clinic_id}/resources/{resource_id}/book/"
        started = time.perf_counter()
        status, landed, _ = self.request(path, {**FORM, "at": int(starts.timestamp())})
        elapsed = time.perf_counter() - started
        if status >= 500:
            outcome = "5xx"
        elif status == 409:
            outcome = "taken"
        elif status == 200 and "/orders/" in landed:
            outcome = "booked"  # redirected to the new order's page
        else:
            outcome = f"refused ({status})"
        tally.booking(outcome, elapsed)


def run(*, base: str, clinic_id: int, clients: int, seconds: float, import_body: bytes) -> dict:
    resource_ids = list(
        Resource.objects.filter(clinic_id=clinic_id, is_retired=False).values_list("pk", flat=True)
    )
    patients = [Patient(base, email) for email in make_patients(clients)]
    # Side by side: each sign-in spends a fraction of a second in the production hasher.
    with ThreadPoolExecutor(max_workers=8) as signing_in:
        list(signing_in.map(Patient.sign_in, patients))
    tally = Tally()
    deadline = time.monotonic() + seconds

    def book_until_the_end(patient: Patient) -> None:
        while time.monotonic() < deadline:
            patient.book_somewhere(clinic_id, resource_ids, tally)

    def import_until_the_end() -> None:
        while time.monotonic() < deadline:
            request = urllib.request.Request(
                base + "/services/import.php",
                data=import_body,
                headers={"Content-Type": "application/xml"},
            )
            try:
                with urllib.request.urlopen(request, timeout=600) as response:
                    tally.imports[response.status] += 1
            except urllib.error.HTTPError as error:
                tally.imports[error.code] += 1

    threads = [
        threading.Thread(target=tally.reporting(book_until_the_end), args=(p,)) for p in patients
    ]
    threads.append(threading.Thread(target=tally.reporting(import_until_the_end)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = sorted(tally.latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    return {
        "outcomes": dict(tally.outcomes),
        "imports": dict(tally.imports),
        "bookings_per_second": tally.outcomes["booked"] / elapsed,
        "p95": p95,
        "median": statistics.median(latencies) if latencies else float("nan"),
        "double_bookings": double_bookings(clinic_id),
        "failures": tally.failures,
    }


def double_bookings(clinic_id: int) -> int:
    """Pairs of orders that hold overlapping time on one resource: must be none."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM exchange_order a JOIN exchange_order b
              ON a.resource_id = b.resource_id AND a.id < b.id
             AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
             WHERE a.clinic_id = %s AND a.status IN (0, 1) AND b.status IN (0, 1)
            """,
            [clinic_id],
        )
        return cursor.fetchone()[0]
