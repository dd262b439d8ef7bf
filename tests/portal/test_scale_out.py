"""Two gunicorn servers on one PostgreSQL database behave as one portal: concurrent imports
of a clinic are applied one after the other, and one slot goes to one patient.

The servers run the code as deployed (gunicorn.conf.py) against this test's database, with
the test settings (no `collectstatic` needed).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client
from django.utils.crypto import get_random_string

from exchange.models import ImportRecord, Order
from tests.booking.conftest import make_schedule, when
from tests.conftest import SAMPLE_KEY
from tests.exchange.test_concurrency import comparable, mis_document, new_clinic
from tests.factories import make_resource
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def this_database_url() -> str:
    db = connection.settings_dict
    credentials = urllib.parse.quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not become healthy:\n{log.read_text()}")


@pytest.fixture
def servers(on_postgres, transactional_db, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": this_database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    started = []
    for number in range(2):
        port, log = free_port(), tmp_path / f"gunicorn-{number}.log"
        command = [sys.executable, "-m", "gunicorn", "portal.wsgi", "--config", "gunicorn.conf.py"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
        with log.open("w") as output:
            server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        started.append((f"http://127.0.0.1:{port}", server, log))
    try:
        for url, server, log in started:
            wait_until_healthy(url, server, log)
        yield [url for url, _, _ in started]
    finally:
        for _, server, _ in started:
            server.terminate()
        for _, server, _ in started:
            server.wait(timeout=30)


def request(url: str, data: bytes, headers: dict[str, str]) -> int:
    # Redirects are answers here, not something to follow.
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data, headers), timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_concurrent_imports_of_one_clinic_through_two_servers_apply_one_after_the_other(
    servers, clinic
):
    def document(key: str, label: str) -> bytes:
        return mis_document(key, label, range(1, 81), range(1, 6), days=3)

    expected = []
    for first, second in (("A", "B"), ("B", "A")):
        ordered, key = new_clinic(f"{first}, затем {second}")
        for label in (first, second):
            response = Client().post(
                "/services/import.php", document(key, label), content_type="application/xml"
            )
            assert response.status_code == 200
        expected.append(comparable(ordered))
    assert expected[0] != expected[1]
    xml = {"Content-Type": "application/xml"}

    results = at_once(
        *[
            lambda url=url, label=label: request(
                url + "/services/import.php", document(SAMPLE_KEY, label), xml
            )
            for url, label in zip(servers, ("A", "B"), strict=True)
        ]
    )

    assert results == [200, 200]
    assert ImportRecord.objects.filter(clinic=clinic, outcome="applied").count() == 2
    assert comparable(clinic) in expected


def test_one_slot_booked_through_both_servers_at_once_goes_to_one_patient(
    servers, other_clinic, patient, other_patient
):
    resource = make_resource(other_clinic, mis_id=None)
    make_schedule(resource)
    slot = when(other_clinic, "10:00")
    form = {
        "at": str(int(slot.timestamp())),
        "name1": "Петрова",
        "name2": "Анна",
        "phone": "+7 900 111-22-33",
        "email": "petrova@example.ru",
        "consent": "on",
    }

    def booking(url: str, user) -> Callable[[], int]:
        browser = Client()
        browser.force_login(user)
        token = get_random_string(32, CSRF_ALLOWED_CHARS)
        headers = {
            "Cookie": f"sessionid={browser.cookies['sessionid'].value}; csrftoken={token}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        data = urllib.parse.urlencode(form | {"csrfmiddlewaretoken": token}).encode()
        path = f"/clinics/{other_clinic.pk}/resources/{resource.pk}/book/"
        return lambda: request(url + path, data, headers)

    results = at_once(booking(servers[0], patient), booking(servers[1], other_patient))

    assert sorted(results) == [302, 409]
    [order] = Order.objects.filter(resource=resource)
    assert order.starts_at == slot
