"""Imports under real concurrency and real database failures (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from lxml import etree

from exchange import protocol
from exchange.keys import clinic_issue_key
from exchange.locking import order_change_stamp
from exchange.models import Clinic, ImportRecord, Order, Resource
from exchange.orders import Actor, order_changes
from tests.conftest import OTHER_KEY, SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL, IMPORT_URL
from tests.exchange.snapshots import clinic_state
from tests.factories import make_order, make_resource
from tests.threads import Background, at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


def mis_document(key: str, label: str, resources: range, groups: range, days: int) -> bytes:
    """A whole MIS export, large enough that an import takes a while."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<MediExchange ClientKey="{key}">',
        "<ResourceGroups>",
        *(f'<rg id="{g}" name="Группа {label} {g}" pos="{g % 3}"/>' for g in groups),
        "</ResourceGroups>",
        "<Resources>",
        *(
            f'<r id="{r}" group_id="{groups[r % len(groups)]}" name="Врач {label} {r}"'
            f' time_step="{15 if label == "A" else 20}" pos="0"/>'
            for r in resources
        ),
        "</Resources>",
        "<Schedules>",
    ]
    start = 8 if label == "A" else 9
    for r in resources:
        for day in range(1, days + 1):
            lines.append(
                f'<s id="{r * 100 + day}" date="{day:02}.07.2030" resource_id="{r}">'
                f'<time_rules w_start="{start}:00" w_end="17:00"/></s>'
            )
    lines += ["</Schedules>", '<Appointments SyncMode="full">']
    for r in resources:
        lines.append(
            f'<a tablename="Sched{label}" id="{r}" resource_id="{r}"'
            f' ReceptionDateTime="01.07.2030 {start + 1}:00" Duration="30" Title="{label} {r}"/>'
        )
    lines += ["</Appointments>", "</MediExchange>"]
    return "\n".join(lines).encode()


def document_a(key: str) -> bytes:
    return mis_document(key, "A", range(1, 301), range(1, 21), days=5)


def document_b(key: str) -> bytes:
    return mis_document(key, "B", range(151, 451), range(11, 31), days=4)


def comparable(clinic: Clinic) -> dict[str, list]:
    """clinic_state with portal resource ids replaced by MIS ids, so that clinics compare."""
    state = clinic_state(clinic)
    mis_ids = dict(Resource.objects.filter(clinic=clinic).values_list("pk", "mis_id"))
    return {
        "groups": state["groups"],
        "resources": sorted((row[1], *row[2:]) for row in state["resources"]),
        "schedules": sorted((mis_ids[row[0]], *row[1:]) for row in state["schedules"]),
        "appointments": sorted(
            (table, mis_id, mis_ids[resource], *rest)
            for table, mis_id, resource, *rest in state["appointments"]
        ),
        "orders": state["orders"],
    }


def post(data: bytes) -> int:
    response = Client().post(IMPORT_URL, data, content_type="application/xml")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return response.status_code


def new_clinic(name: str) -> tuple[Clinic, str]:
    clinic = Clinic.objects.create(name=name, timezone="Europe/Moscow")
    return clinic, clinic_issue_key(clinic=clinic)


def serially(*documents: bytes) -> None:
    for data in documents:
        assert post(data) == 200


def test_it_never_interleaves_two_imports_of_one_clinic(on_postgres, clinic):
    ab_clinic, ab_key = new_clinic("A, затем B")
    serially(document_a(ab_key), document_b(ab_key))
    ba_clinic, ba_key = new_clinic("B, затем A")
    serially(document_b(ba_key), document_a(ba_key))
    a_then_b, b_then_a = comparable(ab_clinic), comparable(ba_clinic)
    assert a_then_b != b_then_a  # or the comparison below could not tell them apart
    a, b = document_a(SAMPLE_KEY), document_b(SAMPLE_KEY)

    for _ in range(ROUNDS):
        assert at_once(lambda: post(a), lambda: post(b)) == [200, 200]
        assert comparable(clinic) in (a_then_b, b_then_a)

    assert ImportRecord.objects.filter(clinic=clinic, outcome="applied").count() == 2 * ROUNDS


def test_it_runs_imports_of_two_clinics_side_by_side(on_postgres, clinic, other_clinic):
    expected_clinic, expected_key = new_clinic("Образец")
    serially(document_a(expected_key))

    results = at_once(
        lambda: post(document_a(SAMPLE_KEY)),
        lambda: post(document_b(OTHER_KEY)),
    )

    assert results == [200, 200]
    assert comparable(clinic) == comparable(expected_clinic)
    assert {name for _, name, _ in comparable(other_clinic)["groups"]} == {
        f"Группа B {g}" for g in range(11, 31)
    }


@contextmanager
def failing_appointment_inserts():
    """Makes every INSERT into the appointments table fail, as a database fault would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION exchange_test_refuse() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RAISE EXCEPTION 'simulated database failure'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER exchange_test_refuse BEFORE INSERT ON exchange_appointment"
            " FOR EACH ROW EXECUTE FUNCTION exchange_test_refuse()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER exchange_test_refuse ON exchange_appointment")
            cursor.execute("DROP FUNCTION exchange_test_refuse()")


def earlier_version(sample: bytes) -> bytes:
    """The sample as the MIS sent it a day before: other names, another appointment."""
    text = sample.decode()
    for old, new in [
        ('name="Врач-кардиолог"', 'name="Кардиолог"'),
        ('<r id="393" name="Баева"', '<r id="393" name="Баева А. А."'),
        ('tablename="SchedEvent" id="8"', 'tablename="SchedEvent" id="7"'),
    ]:
        assert old in text
        text = text.replace(old, new)
    return text.encode()


def test_it_keeps_the_previous_state_when_the_database_fails(on_postgres, clinic, sample_xml):
    assert post(earlier_version(sample_xml)) == 200
    before = clinic_state(clinic)

    with failing_appointment_inserts():
        response = Client().post(IMPORT_URL, sample_xml, content_type="application/xml")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    result = etree.fromstring(response.content)
    assert (result.tag, result.get("status")) == ("ImportResult", "error")
    assert "retry later" in result.findtext("Error")
    assert b"simulated" not in response.content
    assert clinic_state(clinic) == before
    journal = ImportRecord.objects.filter(clinic=clinic).order_by("received_at")
    assert list(journal.values_list("outcome", flat=True)) == ["applied", "failed"]


def test_it_applies_the_same_import_once_the_database_recovers(on_postgres, clinic, sample_xml):
    assert post(earlier_version(sample_xml)) == 200
    before = clinic_state(clinic)
    with failing_appointment_inserts():
        assert post(sample_xml) == 503

    assert post(sample_xml) == 200

    after = clinic_state(clinic)
    assert after != before
    assert (1, "Врач-кардиолог", 0) in after["groups"]
    assert [row[:2] for row in after["appointments"]] == [("SchedEvent", 8)]


def stamp_and_update(order: Order) -> None:
    """The export's barrier itself: a stamp taken, then an update with it."""
    stamp = order_change_stamp(order.clinic_id)
    Order.objects.filter(pk=order.pk).update(status=1, last_changed_at=stamp)


def decide(order: Order) -> None:
    """A decision through the order services, written when the unit of work closes."""
    with order_changes(actor=Actor.mis()) as changes:
        changes.change(changes.reload(order), status=Order.Status.ACCEPTED)


def create(order: Order) -> None:
    """A new order through the order services, a day after `order`."""
    with order_changes(actor=Actor.mis()) as changes:
        changes.create(
            resource=order.resource,
            starts_at=order.starts_at + timedelta(days=1),
            ends_at=order.ends_at + timedelta(days=1),
            details={"name1": "Петрова"},
        )


@pytest.mark.parametrize("write", [stamp_and_update, decide, create])
def test_it_makes_an_export_wait_for_order_changes_already_stamped(on_postgres, clinic, write):
    """An MIS polling with start = previous end must not miss a change that was stamped
    before an export ran but committed after it."""
    order = make_order(make_resource(clinic), last_changed_at=timezone.now() - timedelta(days=1))
    since = timezone.now()
    stamped, release = threading.Event(), threading.Event()
    exported: list[bytes] = []

    def writer():
        try:
            with transaction.atomic():
                write(order)
                stamped.set()
                release.wait(10)
        finally:
            connection.close()

    def exporter(start: int):
        try:
            response = Client().get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": start})
            exported.append(b"".join(response.streaming_content))
        finally:
            connection.close()

    writing = threading.Thread(target=writer)
    writing.start()
    assert stamped.wait(10)
    exporting = threading.Thread(target=exporter, args=[int(timezone.now().timestamp()) - 60])
    exporting.start()
    exporting.join(0.5)  # without the barrier the export has read and returned by now
    release.set()
    writing.join(10)
    exporting.join(10)

    changed = Order.objects.filter(last_changed_at__gte=since).order_by("last_changed_at")
    expected = [(str(o.pk), str(o.status)) for o in changed]
    assert len(expected) == 1
    orders = etree.fromstring(exported[0]).findall("Orders/o")
    assert [(o.get("id"), o.get("status")) for o in orders] == expected


def test_an_import_waits_for_the_clinic_only_once_its_document_is_read(
    on_postgres, clinic, monkeypatch
):
    """A big document's parse holds nothing: another import of the same clinic goes
    through meanwhile, and the clinic's lock is taken only to apply."""
    parsing, may_finish = threading.Event(), threading.Event()
    parse = protocol.parse_document

    def slow_parse(data, **kwargs):
        if b"SchedLong" in data:
            parsing.set()
            assert may_finish.wait(30), "the parse was never let go"
        return parse(data, **kwargs)

    monkeypatch.setattr(protocol, "parse_document", slow_parse)
    long_document = mis_document(SAMPLE_KEY, "Long", range(1, 3), range(1, 2), days=1)
    first = Background(lambda: post(long_document))
    assert parsing.wait(30)

    second = Background(lambda: post(document_b(SAMPLE_KEY)))
    assert not second.is_waiting(seconds=20)  # it did not wait for the first import
    assert second.result() == 200
    may_finish.set()
    assert first.result() == 200
    assert ImportRecord.objects.filter(clinic=clinic, outcome="applied").count() == 2
