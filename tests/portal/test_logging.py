"""Structured log lines: one per import and per export, and Gunicorn's per request."""

from __future__ import annotations

import json
import logging

import pytest
from lxml import etree

from portal.logging import log_event, make_formatter
from tests.conftest import SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL, IMPORT_URL, document
from tests.factories import make_order, make_resource

GROUPS = '<ResourceGroups><rg id="1" name="Кардиология" pos="0"/></ResourceGroups>'


# Busy time the portal cannot read refuses the whole document.
appointment_with_bad_date = (
    '<Appointments><a tablename="T" id="1" resource_id="1" ReceptionDateTime="31.02.2030 10:00"'
    ' Duration="30"/></Appointments>'
)


def record_of(caplog, message: str) -> logging.LogRecord:
    [record] = [record for record in caplog.records if record.getMessage() == message]
    return record


@pytest.mark.django_db
def test_an_import_logs_its_clinic_size_duration_outcome_and_counts(client, clinic, caplog):
    body = document(GROUPS)
    caplog.set_level(logging.INFO, logger="exchange.journal")

    client.post(IMPORT_URL, body, content_type="application/xml")

    record = record_of(caplog, "import")
    assert (record.clinic, record.bytes, record.outcome) == (clinic.pk, len(body), "applied")
    assert record.counts["groups"] == {"total": 1}
    assert isinstance(record.duration_ms, int)


@pytest.mark.django_db
def test_a_rejected_import_logs_its_outcome(client, clinic, caplog):
    caplog.set_level(logging.INFO, logger="exchange.journal")

    client.post(IMPORT_URL, document(appointment_with_bad_date), content_type="application/xml")

    assert record_of(caplog, "import").outcome == "rejected"


@pytest.mark.django_db
def test_an_export_logs_its_window_and_rows_when_they_run_out(client, clinic, caplog):
    resource = make_resource(clinic)
    first = make_order(resource)
    second = make_order(resource, starts_at=first.ends_at)
    make_order(resource, starts_at=second.ends_at)
    caplog.set_level(logging.INFO, logger="exchange.exporting")

    response = client.get(
        EXPORT_URL,
        {"client_key": "9DDDE578-5179-4CC4-A2A0-F681618ED9EA", "start": "0", "end": "4102444800"},
    )
    assert not [r for r in caplog.records if r.getMessage() == "export"]  # still streaming
    etree.fromstring(b"".join(response.streaming_content))

    record = record_of(caplog, "export")
    assert (record.clinic, record.start, record.end, record.rows) == (clinic.pk, 0, 4102444800, 3)
    assert record.complete is True


def format_event(kind: str, **fields) -> str:
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("tests.structured")
    logger.addHandler(handler)
    try:
        log_event(logger, "import", **fields)
    finally:
        logger.removeHandler(handler)
    return make_formatter(kind).format(records[0])


def test_text_lines_are_key_value_pairs_with_quoted_values_where_needed():
    line = format_event(
        "text", clinic=3, outcome="applied", note="two words", counts={"groups": {"total": 1}}
    )

    assert line.endswith(
        ' INFO tests.structured import clinic=3 outcome=applied note="two words"'
        ' counts={"groups":{"total":1}}'
    )


def test_json_lines_are_one_object_with_the_fields():
    line = format_event("json", clinic=3, counts={"groups": {"total": 1}})

    entry = json.loads(line)
    assert entry["message"] == "import"
    assert (entry["clinic"], entry["counts"]) == (3, {"groups": {"total": 1}})
    assert {"time", "level", "logger"} <= set(entry)


def test_gunicorn_access_records_become_request_lines_without_the_query():
    atoms = {
        "m": "GET", "U": "/services/export.php", "q": "client_key=SECRET", "s": "200",
        "B": 5120, "M": 1834, "h": "127.0.0.1", "{x-forwarded-for}i": "203.0.113.9",
        "a": "MIS/1.0",
    }  # fmt: skip
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(U)s", (atoms,), None)

    entry = json.loads(make_formatter("json").format(record))
    line = make_formatter("text").format(record)

    assert entry["message"] == "request"
    assert (entry["path"], entry["status"], entry["duration_ms"]) == (
        "/services/export.php",
        200,
        1834,
    )
    assert "SECRET" not in json.dumps(entry) and "SECRET" not in line
    assert "method=GET path=/services/export.php status=200 bytes=5120 duration_ms=1834" in line


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        make_formatter("xml")


@pytest.mark.django_db
def test_an_export_the_client_hung_up_on_logs_what_went_out_and_how_long(
    client, clinic, caplog, monkeypatch
):
    resource = make_resource(clinic)
    first = make_order(resource)
    make_order(resource, starts_at=first.ends_at)
    clock = iter([100.0, 101.5])
    monkeypatch.setattr("exchange.exporting.time.monotonic", lambda: next(clock))
    caplog.set_level(logging.INFO, logger="exchange.exporting")

    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": "0"})
    chunks = iter(response.streaming_content)
    next(chunks)  # the client reads the beginning, then hangs up
    response.close()

    record = record_of(caplog, "export")
    assert record.complete is False
    assert record.rows < 2
    assert record.duration_ms == 1500
