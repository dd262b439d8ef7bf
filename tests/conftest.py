"""Fixtures shared by all tests: a clinic and another clinic with their keys, two patients."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from exchange.keys import clinic_issue_key
from exchange.models import Clinic

DATA = Path(__file__).parent / "exchange" / "data"
SAMPLE_KEY = "9DDDE578-5179-4CC4-A2A0-F681618ED9EA"
OTHER_KEY = "11111111-2222-4333-8444-555555555555"

# The same examples on every run (derandomize): a failure replays from its test alone, whatever
# order pytest-randomly chose, and no example database lands in the work tree. No deadline: a
# busy CI machine must not turn slowness into failure.
hypothesis_settings.register_profile("portal", derandomize=True, database=None, deadline=None)
hypothesis_settings.load_profile("portal")


@pytest.fixture
def sample_xml() -> bytes:
    return (DATA / "seed-sample.xml").read_bytes()


@pytest.fixture
def clinic(db) -> Clinic:
    """The clinic that holds the sample document's key.

    Its export is spelled as the protocol's table (`id`, `status`, ...), which the tests read;
    tests/exchange/test_export.py checks the default sample spelling."""
    clinic = Clinic.objects.create(
        name="Клиника на Ленина", timezone="Europe/Moscow", dialect=Clinic.Dialect.TABLE
    )
    clinic_issue_key(clinic=clinic, key=SAMPLE_KEY)
    return clinic


@pytest.fixture
def other_clinic(db) -> Clinic:
    clinic = Clinic.objects.create(
        name="Другая клиника", timezone="Europe/Moscow", dialect=Clinic.Dialect.TABLE
    )
    clinic_issue_key(clinic=clinic, key=OTHER_KEY)
    return clinic


@pytest.fixture
def patient(django_user_model):
    return django_user_model.objects.create_user(
        email="petrova@example.ru", password="pw-petrova-1"
    )


@pytest.fixture
def other_patient(django_user_model):
    return django_user_model.objects.create_user(
        email="kuznetsov@example.ru", password="pw-kuznetsov-1"
    )


@pytest.fixture
def on_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
