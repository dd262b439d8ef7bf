"""The quick way through plain records reads exactly what the careful reader reads: the same
records on the same lines, the same problems, whatever the spelling or the values."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from exchange.protocol import parse_document, reading
from exchange.protocol.plain import PlainReader
from tests.conftest import SAMPLE_KEY

# What an attribute mostly gets (good values, and values just past a bound), so that most
# records are plain and the quick way is taken; now and then an odd value of any kind.
ODD = [
    "", " ", "x", "-3", "0", "00", "١٢", "9" * 19, " 7 ", "31.02.2030", "01.07.1999",
    "01.07.2030 24:00:00", "25:00", "T" * 65, " 01.07.2030 9:30 ", "44641",
]  # fmt: skip
LIKELY = {
    "tablename": ["SchedEvent", "Визит", "T" * 64, "T" * 65, " SchedEvent "],
    "id": ["1", "7", "05", "9" * 18, "-3", "١٢"],
    "resource_id": ["5", "6", "005"],
    "receptiondatetime": ["01.07.2030 10:00:00", "01.07.2030 10:00", "1.7.2030 9:30:00"],
    "duration": ["30", "1", "44640", "015"],
    "title": ["Иванов", " Иванов И. И. ", "Визит"],
    "date": ["01.07.2030", "1.7.2030", "31.12.2030"],
    "w_start": ["8:00", "08:00", "0:00"],
    "w_end": ["20:00", "24:00", "0:00", "13:30"],
    "b_start": ["13:00", "12:00"],
    "b_end": ["14:00", "13:00"],
}
# Each attribute as documents spell it, and as some do.
SPELLINGS = {
    "a": {
        "tablename": ["tablename", "TableName"],
        "id": ["id", "ID"],
        "resource_id": ["resource_id", "Resource_ID"],
        "receptiondatetime": ["ReceptionDateTime", "receptiondatetime"],
        "duration": ["Duration", "duration"],
        "title": ["Title", "title"],
    },
    "s": {
        "id": ["id", "Id"],
        "date": ["date", "DATE"],
        "resource_id": ["resource_id", "RESOURCE_ID"],
    },
    "time_rules": {
        "w_start": ["w_start", "w_startTime"],
        "w_end": ["w_end", "w_endTime"],
        "b_start": ["b_start", "b_StartTime"],
        "b_end": ["b_end"],
    },
}
WINDOW = (date(2030, 1, 1), date(2030, 12, 31))


@st.composite
def attributes(draw, record: str) -> list[tuple[str, str]]:
    """Mostly every attribute once with a good value; sometimes one left out, spelled twice
    or given an odd value."""
    pairs = []
    for name, spellings in SPELLINGS[record].items():
        count = draw(st.sampled_from([1, 1, 1, 1, 1, 1, 0, 2]))
        for spelling in draw(st.lists(st.sampled_from(spellings), min_size=count, max_size=count)):
            odd = draw(st.integers(0, 9)) == 0
            value = draw(st.sampled_from(ODD if odd else LIKELY[name]))
            pairs.append((spelling, value))
    return pairs


@st.composite
def documents(draw) -> bytes:
    root = etree.Element("MediExchange", ClientKey=SAMPLE_KEY)
    schedules = etree.SubElement(root, "Schedules")
    for _ in range(draw(st.integers(0, 3))):
        schedule = etree.SubElement(schedules, "s")
        for name, value in draw(attributes("s")):
            schedule.set(name, value)
        # The same time_rules repeated, as real schedules do.
        rules = draw(st.lists(attributes("time_rules"), min_size=0, max_size=2))
        for pairs in draw(st.lists(st.sampled_from(rules), max_size=3)) if rules else []:
            element = etree.SubElement(schedule, "time_rules")
            for name, value in pairs:
                element.set(name, value)
    appointments = etree.SubElement(root, "Appointments", SyncMode="full")
    for _ in range(draw(st.integers(0, 4))):
        element = etree.SubElement(appointments, "a")
        for name, value in draw(attributes("a")):
            element.set(name, value)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


class CarefulOnly(PlainReader):
    """Never takes the quick way: every record is read by `Attributes`."""

    def appointment(self, element, line):
        return None

    def schedule_head(self, element):
        return None

    def known_hours(self, said):
        return None


def read_both(data: bytes) -> tuple:
    quick = parse_document(data, dates=WINDOW)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "PlainReader", CarefulOnly)
        careful = parse_document(data, dates=WINDOW)
    return quick, careful


def lines(document) -> list:
    records = [*(document.schedules or []), *(document.appointments.items or [])]
    return [
        (record.line, [hours.line for hours in getattr(record, "hours", ())]) for record in records
    ]


@settings(max_examples=400, deadline=None)
@given(data=documents())
def test_the_quick_way_reads_what_the_careful_reader_reads(data):
    quick, careful = read_both(data)

    assert quick == careful
    assert lines(quick) == lines(careful)


def test_plain_records_take_the_quick_way(monkeypatch):
    """The property above is not vacuous: plain records do not reach `Attributes`."""
    data = (
        f'<MediExchange ClientKey="{SAMPLE_KEY}"><Schedules>'
        '<s id="1" date="01.07.2030" resource_id="5"><time_rules w_start="8:00" w_end="20:00"/></s>'
        '<s id="2" date="02.07.2030" resource_id="5"><time_rules w_start="8:00" w_end="20:00"/></s>'
        '</Schedules><Appointments SyncMode="full">'
        '<a tablename="SchedEvent" id="1" resource_id="5" ReceptionDateTime="01.07.2030 10:00:00"'
        ' Duration="30" Title="Иванов"/></Appointments></MediExchange>'
    ).encode()
    read = []
    original = reading.Attributes

    def counted(element, name, **kwargs):
        read.append(name)
        return original(element, name, **kwargs)

    monkeypatch.setattr(reading, "Attributes", counted)

    document = parse_document(data, dates=WINDOW)

    assert [s.mis_id for s in document.schedules] == [1, 2]
    assert document.appointments.items[0].title == "Иванов"
    # The root, the section's SyncMode and the first time_rules only.
    assert read == ["MediExchange", "time_rules"]
