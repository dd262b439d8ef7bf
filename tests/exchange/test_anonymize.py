"""Data retention: old visits lose what names the patient, and nothing else changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.utils import timezone
from lxml import etree

from booking.tasks import anonymize_old_orders
from exchange.models import Order, OrderEvent
from exchange.orders import Actor, order_correct, order_create, orders_anonymize
from tests.conftest import SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL
from tests.factories import make_resource

pytestmark = pytest.mark.django_db

RETENTION = timedelta(days=365)
DETAILS = {
    "name1": "Петрова", "name2": "Анна", "name3": "Сергеевна", "phone": "+7 900 111-22-33",
    "email": "petrova@example.ru", "city": "Казань", "address": "ул. Баумана, 5",
    "aim": "консультация", "comment": "после 10:00",
}  # fmt: skip
PERSONAL = (*DETAILS, "user_name")


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def book(clinic, patient, django_user_model):
    staff = django_user_model.objects.create_user(email="registrar@example.ru")
    resource = make_resource(clinic)

    def book(starts_at) -> Order:
        order = order_create(
            actor=Actor.patient(patient),
            resource=resource,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            details=DETAILS,
            patient=patient,
        )
        return order_correct(actor=Actor.staff(staff), order=order, details={"phone": "+7 900 0"})

    return book


def state(order: Order) -> dict:
    order.refresh_from_db()
    return model_to_dict(order) | {"last_changed_at": order.last_changed_at}


def history(order: Order) -> list[tuple]:
    return list(order.events.values_list("actor_kind", "actor_id", "actor_label", "changes"))


def test_it_blanks_exactly_what_names_the_patient_of_exactly_the_old_orders(book, now):
    old = book(now - RETENTION - timedelta(days=1))
    recent = book(now - RETENTION + timedelta(days=1))
    old_before, recent_before = state(old), state(recent)
    recent_history = history(recent)

    assert orders_anonymize(older_than=now - RETENTION) == 1

    old_after = state(old)
    assert {name: old_after[name] for name in PERSONAL} == dict.fromkeys(PERSONAL, "")
    assert old_after["patient"] is None
    kept = set(old_before) - {*PERSONAL, "patient"}
    assert {name: old_after[name] for name in kept} == {name: old_before[name] for name in kept}
    assert state(recent) == recent_before
    assert history(recent) == recent_history


def test_it_blanks_the_patient_in_the_orders_history_too(book, now, patient, django_user_model):
    old = book(now - RETENTION - timedelta(days=1))
    staff = django_user_model.objects.get(email="registrar@example.ru")

    orders_anonymize(older_than=now - RETENTION)

    created, corrected = history(old)
    assert created[:3] == (OrderEvent.Actor.PATIENT, None, "")
    assert created[3]["status"] == [None, Order.Status.RECEIVED]  # the statistics stay
    assert corrected[:3] == (OrderEvent.Actor.STAFF, staff.pk, staff.email)
    assert corrected[3] == {"phone": ["", ""]}
    everything = str(list(OrderEvent.objects.values_list()))
    assert "Петрова" not in everything and patient.email not in everything
    assert "+7 900" not in everything


def test_it_is_idempotent(book, now):
    old = book(now - RETENTION - timedelta(days=1))
    orders_anonymize(older_than=now - RETENTION)
    once, once_history = state(old), history(old)

    assert orders_anonymize(older_than=now - RETENTION) == 0
    assert (state(old), history(old)) == (once, once_history)


def test_the_export_stays_well_formed(client, book, now):
    old = book(now - RETENTION - timedelta(days=1))
    orders_anonymize(older_than=now - RETENTION)

    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": "0"})

    root = etree.fromstring(b"".join(response.streaming_content))
    [exported] = root.find("Orders")
    # Spelled as the clinic's dialect has it.
    attributes = {name.lower(): value for name, value in exported.attrib.items()}
    assert (attributes["id"], attributes["status"]) == (str(old.pk), str(Order.Status.RECEIVED))
    assert attributes["reception_datetime"]
    assert {attributes[name] for name in ("name1", "phone", "email", "user_name")} == {""}


def test_the_command_blanks_orders_older_than_the_days_given(book, now):
    old = book(now - timedelta(days=31))
    out = []

    call_command("anonymize_orders", "--older-than", "30", stdout=WriteTo(out))

    assert state(old)["name1"] == ""
    assert out[0].startswith("Anonymized 1 orders whose visit ended before ")


def test_the_command_refuses_when_retention_is_off_and_no_days_are_given(settings):
    settings.ANONYMIZE_ORDERS_AFTER_DAYS = 0

    with pytest.raises(CommandError, match="--older-than"):
        call_command("anonymize_orders")


def test_the_nightly_task_uses_the_setting_and_does_nothing_at_zero(book, now, settings):
    old = book(now - timedelta(days=11))
    settings.ANONYMIZE_ORDERS_AFTER_DAYS = 0
    anonymize_old_orders(timestamp=int(now.timestamp()))
    assert state(old)["name1"] == "Петрова"

    settings.ANONYMIZE_ORDERS_AFTER_DAYS = 10
    anonymize_old_orders(timestamp=int(now.timestamp()))
    assert state(old)["name1"] == ""


class WriteTo:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str) -> None:
        self.lines.append(text)
