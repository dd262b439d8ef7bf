"""Reading at its edges: records that lack what tells them apart, a refused section's records,
attributes missing or spelled oddly, and what happens once the lists of problems are full.
No database."""

from __future__ import annotations

from datetime import datetime

import pytest

from exchange.protocol import (
    MAX_ATTRIBUTES,
    MAX_ELEMENT_NAMES,
    MAX_REPORTED_PROBLEMS,
    Document,
    Problem,
    parse_document,
)
from tests.exchange.conftest import document

APPOINTMENT = (
    '<a tablename="T" id="{id}" resource_id="1" ReceptionDateTime="01.07.2010 {clock}" '
    'Duration="30"/>'
)


def parse(body: str) -> Document:
    return parse_document(document(body))


def coded(problems: list[Problem]) -> list[tuple]:
    return [(p.line, p.element, p.attribute, p.code) for p in problems]


# --- The document -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ('<MediExchange xmlns="urn:mis" ClientKey="K">', "</MediExchange>"),
        ('<m:MediExchange xmlns:m="urn:mis" ClientKey="K">', "</m:MediExchange>"),
    ],
    ids=["default-namespace", "prefixed"],
)
def test_it_reads_a_document_in_a_namespace_as_any_other(opening, closing):
    prefix = opening[1 : opening.index("MediExchange")]
    body = (
        f'<{prefix}Resources>\n<{prefix}r id="1" name="Баева" time_step="30"/>\n'
        f"</{prefix}Resources>"
    )

    parsed = parse_document(f"{opening}\n{body}\n{closing}".encode())

    assert (parsed.errors, parsed.warnings, parsed.client_key) == ([], [], "K")
    assert [(r.line, r.mis_id, r.name) for r in parsed.resources] == [(3, 1, "Баева")]


UTF_16 = (
    '<?xml version="1.0" encoding="utf-16"?>\n<MediExchange ClientKey="K">\n<Resources>\n'
    '<r id="1" name="Баева «№ 1»" time_step="30"/>\n<r id="x"\nname="Б" time_step="30"/>\n'
    "</Resources>\n</MediExchange>\n"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_it_reads_a_utf_16_document_with_or_without_a_bom(encoding):
    parsed = parse_document(UTF_16.encode(encoding))

    # Its tags cannot be found in the bytes: a problem is placed where libxml2 places it,
    # on the line where the tag ends.
    assert coded(parsed.warnings) == [(6, "r", "id", "bad_integer")]
    # «, » and № are not ASCII in UTF-16 either: without a BOM the bytes are still not
    # taken for undeclared windows-1251.
    assert [(r.line, r.name) for r in parsed.resources] == [(4, "Баева «№ 1»")]


def test_it_refuses_a_utf_16_document_over_the_limit_of_names():
    names = "".join(f"<d{n}/>" for n in range(MAX_ELEMENT_NAMES))
    data = UTF_16.replace("<Resources>", f"<Doctors>{names}</Doctors>\n<Resources>")

    parsed = parse_document(data.encode("utf-16"))

    assert coded(parsed.errors) == [
        (3, f"d{MAX_ELEMENT_NAMES - 2}", None, "too_many_element_names")
    ]


def test_it_refuses_a_utf_16_document_over_the_limit_of_attributes():
    many = " ".join(f'a{n}="1"' for n in range(MAX_ATTRIBUTES + 1))
    data = UTF_16.replace('<r id="1"', f'<r id="1" {many}')

    parsed = parse_document(data.encode("utf-16"))

    assert coded(parsed.errors) == [(4, "r", None, "too_many_attributes")]


@pytest.mark.parametrize(
    ("data", "line", "element", "code"),
    [
        (b'<?xml version="1.0"?>\n<ImportResult>\n<Resources/>\n</ImportResult>',
         2, "ImportResult", "wrong_root"),
        (b"<!DOCTYPE MediExchange>\n<MediExchange>\n<Resources/>\n</MediExchange>",
         2, "MediExchange", "doctype"),
        # The root's tag wrapped: it is located where it begins, past the DOCTYPE's end.
        (b'<!DOCTYPE MediExchange [\n<!ENTITY k "K">\n]>\n<MediExchange\nClientKey="&k;">'
         b"\n</MediExchange>", 4, "MediExchange", "doctype"),
    ],
    ids=["wrong-root", "doctype", "doctype-with-a-subset"],
)  # fmt: skip
def test_it_refuses_a_root_it_cannot_read_and_reads_nothing_inside(data, line, element, code):
    parsed = parse_document(data)

    assert coded(parsed.errors) == [(line, element, None, code)]
    assert parsed.resources is None


def test_it_locates_the_errors_that_follow_a_full_list_of_warnings():
    unknown = "".join("<unknown/>" for _ in range(MAX_REPORTED_PROBLEMS))

    parsed = parse(
        f"<Resources>{unknown}</Resources>\n"
        '<Appointments SyncMode="weekly">\n<a tablename="T" id="x"/>\n</Appointments>'
    )

    assert len(parsed.warnings) == MAX_REPORTED_PROBLEMS
    assert [(p.line, p.element, p.code) for p in parsed.errors[:2]] == [
        (4, "Appointments", "unknown_sync_mode"),
        (5, "a", "bad_integer"),
    ]


# --- Sections and their records ---------------------------------------------------------


def test_it_drops_the_records_of_an_appointments_section_whose_sync_mode_it_refuses():
    parsed = parse(
        '<Appointments SyncMode="weekly">\n'
        + APPOINTMENT.format(id=1, clock="08:00")
        + '\n<a tablename="T" id="x"/>\n</Appointments>'
    )

    # One answer, the refusal; the records are read (and one is unreadable) but kept nowhere.
    assert coded(parsed.errors) == [
        (3, "Appointments", "SyncMode", "unknown_sync_mode"),
        (5, "a", "id", "bad_integer"),
        (5, "a", "resource_id", "required"),
        (5, "a", "receptiondatetime", "required"),
        (5, "a", "duration", "required"),
    ]
    assert parsed.appointments is None


@pytest.mark.parametrize(
    ("first", "second", "attribute", "code"),
    [
        ('tablename="T" id="x"', 'tablename="T" id="y"', "id", "bad_integer"),
        ('id="1"', 'id="1" Title="Иванов"', "tablename", "required"),
    ],
    ids=["ids-unreadable", "tables-missing"],
)
def test_it_tells_appointments_without_a_readable_key_apart_by_nothing(
    first, second, attribute, code
):
    rest = 'resource_id="1" ReceptionDateTime="01.07.2010 08:00" Duration="30"'

    parsed = parse(f"<Appointments>\n<a {first} {rest}/>\n<a {second} {rest}/>\n</Appointments>")

    # Each is refused for what it lacks; neither is taken for a repeat of the other.
    assert coded(parsed.errors) == [(4, "a", attribute, code), (5, "a", attribute, code)]


@pytest.mark.parametrize("table", ["", "   "])
def test_it_refuses_an_appointment_whose_table_name_is_blank(table):
    parsed = parse(
        f'<Appointments>\n<a tablename="{table}" id="1" resource_id="1" '
        'ReceptionDateTime="01.07.2010 08:00" Duration="30"/>\n</Appointments>'
    )

    assert coded(parsed.errors) == [(4, "a", "tablename", "required")]
    assert parsed.appointments.items == []


def test_it_refuses_an_appointment_without_a_time():
    parsed = parse(
        '<Appointments><a tablename="T" id="1" resource_id="1" Duration="30"/></Appointments>'
    )

    assert coded(parsed.errors) == [(3, "a", "receptiondatetime", "required")]


def test_it_skips_a_schedule_without_a_date():
    parsed = parse(
        '<Schedules>\n<s id="1" resource_id="1"><time_rules w_start="8:00" w_end="17:00"/></s>\n'
        "</Schedules>"
    )

    assert coded(parsed.warnings) == [(4, "s", "date", "required")]
    assert parsed.schedules == []


def test_it_reads_a_schedule_without_an_id():
    parsed = parse(
        '<Schedules>\n<s date="01.07.2010" resource_id="1">'
        '<time_rules w_start="8:00" w_end="17:00"/></s>\n</Schedules>'
    )

    assert parsed.warnings == []
    assert [(s.mis_id, s.resource_id) for s in parsed.schedules] == [(None, 1)]


def test_it_keeps_the_line_of_each_time_rules_met_again():
    rules = '<time_rules w_start="8:00" w_end="17:00"/>'

    parsed = parse(
        "<Schedules>\n"
        f'<s id="1" date="01.07.2010" resource_id="1">\n{rules}\n</s>\n'
        f'<s id="2" date="02.07.2010" resource_id="1">\n{rules}\n</s>\n'
        "</Schedules>"
    )

    # The second interval says what the first said; it is still found on its own line.
    assert [[hours.line for hours in s.hours] for s in parsed.schedules] == [[5], [8]]


def test_it_names_the_schedule_of_an_interval_it_cannot_read():
    bad = '<time_rules w_start="9:00" w_end="8:00"/>'

    parsed = parse(
        "<Schedules>\n"
        f'<s id="7" date="01.07.2010" resource_id="1"><time_rules w_start="8:00" w_end="17:00"/>'
        f"{bad}</s>\n"
        f'<s id="8" date="02.07.2010" resource_id="1">{bad}</s>\n'
        "</Schedules>"
    )

    # The first schedule keeps its other interval, the second has none left.
    assert [(p.line, p.element, p.id, p.code) for p in parsed.warnings] == [
        (4, "time_rules", "7", "end_before_start"),
        (5, "time_rules", "8", "end_before_start"),
    ]
    assert [s.mis_id for s in parsed.schedules] == [7]


@pytest.mark.parametrize(
    ("section", "first", "second", "expected"),
    [
        (
            "Schedules",
            '<s id="1" date="01.07.2010" resource_id="x"><time_rules w_start="8:00" w_end="9:00"/>'
            "</s>",
            '<s id="1" date="01.07.2010" resource_id="x"><time_rules w_start="8:00" w_end="9:00"/>'
            "</s>",
            [(4, "s", "resource_id", "bad_integer")],
        ),
        (
            "ResourceGroups",
            '<rg id="1" name=""/>',
            '<rg id="1" name="" pos="x"/>',
            [(4, "rg", "name", "required"), (5, "rg", "id", "duplicate_id")],
        ),
    ],
    ids=["said-alike", "said-otherwise"],
)
def test_it_tells_unreadable_records_apart_by_what_they_say(section, first, second, expected):
    parsed = parse(f"<{section}>\n{first}\n{second}\n</{section}>")

    assert coded(parsed.warnings) == expected


# --- Attributes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_rules", "attribute", "code"),
    [
        ('w_start="8:00"', "w_end", "required"),
        ('w_end="17:00"', "w_start", "required"),
        ('w_start="8:00" w_end="17:00" b_end="0:00"', "b_start", "break_incomplete"),
        ('w_start="8:00" w_end="17:00" b_startTime="0:00"', "b_end", "break_incomplete"),
    ],
)
def test_it_names_the_missing_half_of_an_interval(time_rules, attribute, code):
    parsed = parse(
        '<Schedules><s id="1" date="01.07.2010" resource_id="1">\n'
        f"<time_rules {time_rules}/>\n</s></Schedules>"
    )

    assert coded(parsed.warnings) == [(4, "time_rules", attribute, code)]
    assert parsed.schedules == []


def test_it_reads_a_date_time_padded_with_spaces():
    parsed = parse(
        "<Appointments>"
        + APPOINTMENT.format(id=1, clock="08:00").replace("2010 08:00", "2010   08:00 ")
        + '</Appointments><Orders><o id="1" reception_datetime=" 01.07.2010  09:30:00"/></Orders>'
    )

    assert (parsed.errors, parsed.conflicts) == ([], [])
    assert parsed.appointments.items[0].starts_at == datetime.fromisoformat("2010-07-01 08:00")
    assert parsed.orders[0].starts_at == datetime.fromisoformat("2010-07-01 09:30")


def test_it_reads_a_namespaced_attribute_as_its_local_name():
    parsed = parse(
        '<Appointments xmlns:m="urn:mis">'
        '<a tablename="T" id="1" m:id="2" resource_id="1" ReceptionDateTime="01.07.2010 08:00" '
        'Duration="30"/><a tablename="T" m:id="3" resource_id="1" '
        'ReceptionDateTime="01.07.2010 09:00" Duration="30"/></Appointments>'
    )

    [error] = parsed.errors
    assert (error.attribute, error.code) == ("id, id", "conflicting_spellings")
    assert [(a.mis_id, a.starts_at.hour) for a in parsed.appointments.items] == [(3, 9)]


@pytest.mark.parametrize(
    ("email", "code"),
    [("a" * 243 + "@example.ru", None), ("a" * 254, "bad_email"), ("a" * 255, "too_long")],
    ids=["254-address", "254-not-an-address", "255"],
)
def test_it_checks_an_email_of_the_longest_length_for_what_it_is(email, code):
    parsed = parse(f'<Orders><o id="1" email="{email}"/></Orders>')

    assert [conflict.code for conflict in parsed.conflicts] == ([] if code is None else [code])


# --- The same id twice --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "first", "second", "outcome", "message"),
    [
        (
            "Resources",
            '<r id="10" name="А" time_step="30"/>',
            '<r ID="10" name="Б" time_step="30"/>',
            "warnings",
            "duplicate id, first given on line 4: this one is ignored",
        ),
        (
            "Appointments",
            APPOINTMENT.format(id=10, clock="08:00"),
            APPOINTMENT.format(id=10, clock="09:00").replace('id="10"', 'ID="10"'),
            "errors",
            # An error refuses the document: nothing is ignored.
            "duplicate id, first given on line 4",
        ),
    ],
)
def test_it_names_a_repeated_id_as_the_document_spells_it(section, first, second, outcome, message):
    parsed = parse(f"<{section}>\n{first}\n{second}\n</{section}>")

    [problem] = getattr(parsed, outcome)
    assert (problem.line, problem.attribute, problem.id, problem.code) == (
        5, "ID", "10", "duplicate_id"
    )  # fmt: skip
    assert problem.message == message


# --- Once the lists are full --------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "record", "outcome"),
    [
        ("Resources", '<r id="{n}" name="" time_step="30"/>', "warnings"),
        ("Orders", '<o id="{n}" status="9"/>', "conflicts"),
    ],
)
def test_it_lists_the_first_1000_skipped_records_and_reads_on(section, record, outcome):
    records = "\n".join(record.format(n=n) for n in range(1, MAX_REPORTED_PROBLEMS + 2))

    parsed = parse(
        f"<{section}>\n{records}\n</{section}>\n"
        '<ResourceGroups><rg id="1" name="Врачи"/></ResourceGroups>'
    )

    problems = getattr(parsed, outcome)
    assert [p.id for p in problems] == [str(n) for n in range(1, MAX_REPORTED_PROBLEMS + 1)]
    assert [g.mis_id for g in parsed.groups] == [1]


def test_it_reads_nothing_after_the_thousandth_error():
    records = "\n".join(
        APPOINTMENT.format(id=n, clock="08:00").replace('resource_id="1"', 'resource_id="x"')
        for n in range(MAX_REPORTED_PROBLEMS)
    )

    parsed = parse(f"<Appointments>\n{records}\n</Appointments>\n<Unknown/>")

    assert len(parsed.errors) == MAX_REPORTED_PROBLEMS
    assert parsed.warnings == []


MEGABYTE = 1 << 20


def undeclared(body: str, *, encoding: str, cyrillic_at: int) -> bytes:
    """A document without a declaration whose first Cyrillic byte stands at `cyrillic_at`."""
    head = b'<MediExchange ClientKey="K">\n<!--'
    record = f'-->\n<Resources>\n<r id="1" name="{body}" time_step="30"/>\n</Resources>'
    before_name = len(head) + len(record[: record.index(body)].encode(encoding))
    padding = b"x" * (cyrillic_at - before_name)
    return head + padding + (record + "\n</MediExchange>").encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "cyrillic_at", "guessed"),
    [
        # The bytes are checked in 1 MiB slices: past the first, and across the edge of one.
        ("windows-1251", MEGABYTE + MEGABYTE // 2, True),
        ("utf-8", MEGABYTE - 1, False),
    ],
    ids=["windows-1251-past-the-first-megabyte", "utf-8-across-a-slice"],
)
def test_it_tells_the_encoding_of_a_large_undeclared_document(encoding, cyrillic_at, guessed):
    data = undeclared("Баева", encoding=encoding, cyrillic_at=cyrillic_at)
    assert data[cyrillic_at:].startswith("Б".encode(encoding))

    parsed = parse_document(data)

    assert parsed.errors == []
    assert [p.code for p in parsed.warnings] == (["encoding_guessed"] if guessed else [])
    assert [r.name for r in parsed.resources] == ["Баева"]
