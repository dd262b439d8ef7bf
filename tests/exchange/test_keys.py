"""`issue_client_key`: creates a clinic with a key, registers an old key, rotates it."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from exchange.keys import clinic_for_key
from exchange.models import Clinic
from tests.conftest import OTHER_KEY, SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL

UUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")
OLD_PORTAL_KEY = "5c1e2a7b-0d3f-4e8a-9b6c-7d2e1f0a3b4c"


def issue(*args: str) -> str:
    out = StringIO()
    call_command("issue_client_key", *args, stdout=out)
    return out.getvalue().strip()


def export_status(client, key: str) -> int:
    return client.get(EXPORT_URL, {"client_key": key, "start": "0"}).status_code


def test_it_prints_a_new_key_that_works_for_export(client, db):
    key = issue("Клиника на Мира")

    assert UUID.fullmatch(key)
    clinic = Clinic.objects.get(name="Клиника на Мира")
    assert clinic.timezone == "Europe/Moscow"
    assert clinic_for_key(key) == clinic
    assert export_status(client, key) == 200


def test_it_issues_a_different_key_each_time(db):
    assert issue("Первая") != issue("Вторая")


@pytest.mark.parametrize(
    "sent",
    [
        OLD_PORTAL_KEY,
        OLD_PORTAL_KEY.upper(),
        f"  {OLD_PORTAL_KEY.upper()}\n",
        f"\t{OLD_PORTAL_KEY}",
    ],
)
def test_it_registers_an_existing_key(client, db, sent):
    printed = issue("Клиника со старого портала", "--key", OLD_PORTAL_KEY)

    assert printed == OLD_PORTAL_KEY.upper()
    assert clinic_for_key(sent).name == "Клиника со старого портала"
    assert export_status(client, sent) == 200


def test_it_sets_the_time_zone(db):
    issue("Клиника в Екатеринбурге", "--timezone", "Asia/Yekaterinburg")

    assert Clinic.objects.get(name="Клиника в Екатеринбурге").timezone == "Asia/Yekaterinburg"


@pytest.mark.parametrize("zone", ["Asia/Ekaterinburg", "MSK", "UTC+3", "Europe/"])
def test_it_refuses_a_bad_time_zone(db, zone):
    with pytest.raises(CommandError, match=re.escape(zone)):
        issue("Клиника", "--timezone", zone)

    assert not Clinic.objects.filter(name="Клиника").exists()


def test_it_refuses_an_existing_name_without_rotate(client, clinic):
    with pytest.raises(CommandError, match="--rotate"):
        issue(clinic.name)

    assert Clinic.objects.filter(name=clinic.name).count() == 1
    assert export_status(client, SAMPLE_KEY) == 200


def test_it_rotates_a_key(client, clinic):
    new_key = issue(clinic.name, "--rotate")

    assert UUID.fullmatch(new_key)
    assert new_key != SAMPLE_KEY
    assert export_status(client, SAMPLE_KEY) == 403
    assert export_status(client, new_key) == 200
    assert clinic_for_key(new_key) == clinic


def test_it_refuses_to_rotate_a_clinic_that_does_not_exist(db):
    with pytest.raises(CommandError, match="no clinic"):
        issue("Нет такой", "--rotate")

    assert not Clinic.objects.exists()


def test_it_stores_only_a_digest(db):
    key = issue("Клиника на Мира")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Clinic._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row).upper()
    assert key not in stored
    assert key.replace("-", "") not in stored
    assert Clinic.objects.get().key_digest
    assert re.fullmatch(r"[0-9a-f]{64}", Clinic.objects.get().key_digest)


@pytest.mark.parametrize("held", [SAMPLE_KEY, SAMPLE_KEY.lower(), f" {SAMPLE_KEY} "])
def test_it_refuses_a_key_another_clinic_holds(client, clinic, held):
    with pytest.raises(CommandError, match="another clinic"):
        issue("Самозванец", "--key", held)

    assert not Clinic.objects.filter(name="Самозванец").exists()
    assert clinic_for_key(SAMPLE_KEY) == clinic


def test_it_refuses_to_rotate_onto_a_key_another_clinic_holds(client, clinic, other_clinic):
    with pytest.raises(CommandError, match="another clinic"):
        issue(other_clinic.name, "--rotate", "--key", SAMPLE_KEY)

    assert clinic_for_key(SAMPLE_KEY) == clinic
    assert export_status(client, SAMPLE_KEY) == 200
    assert clinic_for_key(OTHER_KEY) == other_clinic


def test_it_refuses_a_blank_key(db):
    with pytest.raises(CommandError, match="empty key"):
        issue("Клиника", "--key", "   ")

    assert not Clinic.objects.exists()
