"""The reader stays closed: whatever arrives, it answers with located, coded problems and never
raises. A short fuzz run, part of every test run."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from exchange.protocol import parse_document
from tests.conftest import SAMPLE_KEY
from tests.exchange.conftest import IMPORT_URL

# Values as MIS exports write them, and as they get them wrong.
VALUES = st.one_of(
    st.sampled_from(["", "0", "-1", "24:00", "0:00", "31.02.2030", "01.01.0001 00:00:00",
                     "9" * 40, "01.07.2030 10:00", "9:00", "12:00", "x", "счастье@ru"]),
    st.text(alphabet="0123456789.:- +абвxyz&<>\"'", max_size=12),
)  # fmt: skip
NAMES = {
    "ResourceGroups": ("rg", ["id", "name", "pos"]),
    "Resources": ("r", ["id", "group_id", "name", "time_step", "pos"]),
    "Schedules": ("s", ["id", "date", "resource_id"]),
    "Appointments": ("a", ["tablename", "id", "resource_id", "ReceptionDateTime", "Duration"]),
    "Orders": ("o", ["id", "status", "Reception_Datetime", "duration", "LastChangedOn",
                     "MW_Resource_ID", "Resource_ID", "Name1", "Phone", "Email"]),
}  # fmt: skip


@st.composite
def documents(draw) -> bytes:
    root = etree.Element("MediExchange", ClientKey=SAMPLE_KEY)
    for section in draw(st.lists(st.sampled_from(sorted(NAMES)), max_size=4)):
        record, attributes = NAMES[section]
        parent = etree.SubElement(root, section)
        for _ in range(draw(st.integers(0, 4))):
            element = etree.SubElement(parent, record)
            for name in draw(st.lists(st.sampled_from(attributes), unique=True)):
                element.set(name, draw(VALUES))
            if record == "s":
                for _ in range(draw(st.integers(0, 2))):
                    rules = etree.SubElement(element, "time_rules")
                    for name in ("w_start", "w_end", "b_start", "b_end"):
                        if draw(st.booleans()):
                            rules.set(name, draw(VALUES))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def assert_located(document) -> None:
    for problem in (*document.errors, *document.warnings, *document.conflicts):
        assert problem.code, problem
        assert problem.message, problem


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_any_bytes_give_problems_not_exceptions(data):
    assert_located(parse_document(data))


@settings(max_examples=300)
@given(documents())
def test_any_protocol_shaped_document_gives_located_problems(data):
    document = parse_document(data)

    assert_located(document)
    for problem in document.errors:
        assert problem.line is not None, problem


@pytest.mark.django_db
# One clinic for all the examples: what earlier ones imported is part of the input.
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents())
def test_the_endpoint_answers_any_document_in_its_documented_set(clinic, data):
    from django.test import Client

    response = Client().post(IMPORT_URL, data, content_type="application/xml")

    assert response.status_code in (200, 400)
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    etree.fromstring(response.content)
