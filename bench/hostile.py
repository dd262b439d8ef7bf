"""CPU cost of hostile import documents, per request: `python -m bench.hostile`.

Each case is posted through Django's test client into a throwaway test database; the table
shows the process CPU time of the request and its answer. The target is at most ~2 s of CPU
per MB of request body.
"""

from __future__ import annotations

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from exchange.keys import clinic_issue_key  # noqa: E402
from exchange.models import Clinic  # noqa: E402

KEY = "BE7C0000-0000-4000-8000-000000000000"
UNKNOWN_KEY = "0F0F0F0F-0000-4000-8000-000000000000"


def wrap(body: str, key: str = KEY) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<MediExchange ClientKey="{key}">{body}'.encode()
        + (b"</MediExchange>\n")
    )


def cases() -> dict[str, bytes]:
    distinct = "".join(f"<e{n}/>" for n in range(40_000))
    attributes = " ".join(f'a{n}=""' for n in range(100_000))
    many = 30 * 2**20 // 4
    return {
        "40 000 distinct unknown names, one line": wrap(distinct),
        "100 000 attributes on one element": wrap(
            f'<Resources><r id="1" name="x" time_step="30" {attributes}/></Resources>'
        ),
        "30 MB of <x/> under the root, one line": wrap("<x/>" * many),
        "30 MB of <x/> under the root, one per line": wrap("<x/>\n" * (many * 4 // 5)),
        "30 MB of <x/> inside a section": wrap("<Resources>" + "<x/>" * many + "</Resources>"),
        "30 MB of <x/> inside a record": wrap(
            '<Resources><r id="1" name="x" time_step="30">' + "<x/>" * many + "</r></Resources>"
        ),
        "30 MB of <x/>, unknown key": wrap("<x/>" * many, UNKNOWN_KEY),
        "30 MB of resources with 190 unknown attributes each": wrap(
            "<Resources>"
            + "".join(
                f'<r id="{n}" name="x" time_step="30" {junk}/>'
                for n, junk in enumerate([" ".join(f'a{k}="1"' for k in range(190))] * 24_000)
            )
            + "</Resources>"
        ),
        "30 MB of unreadable orders": wrap(
            "<Orders>" + '<o id="1" status="x" duration="-1"/>' * (30 * 2**20 // 36) + "</Orders>"
        ),
        "30 MB of one group repeated": wrap(
            "<ResourceGroups>" + '<rg id="1" name="a"/>' * (30 * 2**20 // 21) + "</ResourceGroups>"
        ),
        "30 MB of time_rules in one schedule": wrap(
            '<Schedules><s date="01.07.2010" resource_id="1">'
            + "".join(
                f'<time_rules w_start="{h}:{m:02}" w_end="{h}:{m + 1:02}"/>'
                for _ in range(30 * 2**20 // 45 // 1440)
                for h in range(24)
                for m in range(59)
            )
            + "</s></Schedules>"
        ),
        "30 MB of windows-1251 text, no declaration": (
            f'<MediExchange ClientKey="{KEY}"><Resources>'.encode()
            + '<r id="1" name="Кабинет" time_step="30"/>'.encode("cp1251") * (30 * 2**20 // 39)
            + b"</Resources></MediExchange>"
        ),
        "5 000-digit id": wrap(
            f'<Resources><r id="{"9" * 5000}" name="x" time_step="30"/></Resources>'
        ),
        "year 0001 and 9999": wrap(
            '<Schedules><s id="1" date="31.12.9999" resource_id="1">'
            '<time_rules w_start="0:00" w_end="24:00"/></s></Schedules>'
            '<Appointments><a tablename="T" id="1" resource_id="1" '
            'ReceptionDateTime="01.01.0001 00:00:00" Duration="30"/></Appointments>'
        ),
    }


def main() -> None:
    setup_test_environment()
    settings.IMPORT_MAX_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 2**20
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows = []
    try:
        clinic = Clinic.objects.create(name="Bench clinic")
        clinic_issue_key(clinic=clinic, key=KEY)
        client = Client()
        for label, data in cases().items():
            started = time.process_time()
            response = client.post(
                "/services/import.php", data=data, content_type="application/xml"
            )
            spent = time.process_time() - started
            size = len(data) / 2**20
            rows.append((label, size, spent, response.status_code, response.content[:160]))
            print(f"{label}: {size:.2f} MiB, {spent:.2f} s CPU, {response.status_code}", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print("\n| case | size | CPU | s/MiB | answer |\n|---|---|---|---|---|")
    for label, size, spent, status, _ in rows:
        print(f"| {label} | {size:.2f} MiB | {spent:.2f} s | {spent / size:.2f} | {status} |")


main()
