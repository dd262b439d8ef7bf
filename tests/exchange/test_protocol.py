"""The pure protocol layer: bytes in, records and located problems out; XML out. No database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from lxml import etree

from exchange.importing import ImportSummary
from exchange.protocol import (
    ExportedOrder,
    OrderChange,
    Problem,
    WorkingHours,
    parse_document,
    render_export,
    render_import_result,
)
from exchange.protocol.writing import _NEEDS_ESCAPING, _escaped
from tests.exchange.conftest import document


def parse(body: str):
    return parse_document(document(body))


def hours_of(time_rules: str) -> WorkingHours:
    """The working hours of a document whose only schedule has these `time_rules`."""
    parsed = parse(
        f'<Schedules><s id="1" date="01.07.2010" resource_id="393">{time_rules}</s></Schedules>'
    )
    assert parsed.errors == []
    [schedule] = parsed.schedules
    [hours] = schedule.hours
    return hours


def clock(text: str) -> timedelta:
    hours, minutes = text.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


def wall(text: str) -> datetime:
    """A naive wall-clock time, as the parser yields them."""
    return datetime.fromisoformat(text)


def located(problems: list[Problem]) -> list[tuple]:
    return [(p.line, p.element, p.attribute) for p in problems]


def coded(problems: list[Problem]) -> list[tuple]:
    return [(p.line, p.element, p.attribute, p.code) for p in problems]


@pytest.mark.parametrize(
    "time_rules",
    [
        '<time_rules w_start="8:00" w_end="17:00" b_start="13:00" b_end="14:00"/>',
        '<time_rules w_startTime="8:00" w_endTime="17:00" b_startTime="13:00" b_endTime="14:00"/>',
        '<TIME_RULES W_STARTTIME="8:00" w_end="17:00" b_startTime="13:00" B_END="14:00"/>',
    ],
    ids=["short", "long", "mixed"],
)
def test_it_reads_both_time_rules_spellings(time_rules):
    hours = hours_of(time_rules)

    assert (hours.start, hours.end, hours.break_start, hours.break_end) == (
        clock("8:00"), clock("17:00"), clock("13:00"), clock("14:00")
    )  # fmt: skip


@pytest.mark.parametrize(
    "element",
    [
        '<o id="7" status="1" mw_resource_id="369" reception_datetime="01.07.2010 17:00:00" '
        'duration="30" lastchangedon="01.07.2010 12:11:02"/>',
        '<o ID="7" Status="1" MW_Resource_ID="369" Reception_Datetime="01.07.2010 17:00:00" '
        'Duration="30" LastChangedOn="01.07.2010 12:11:02"/>',
        '<O Id="7" STATUS="1" mw_RESOURCE_id="369" RECEPTION_DATETIME="01.07.2010 17:00:00" '
        'DURATION="30" LASTCHANGEDON="01.07.2010 12:11:02"/>',
    ],
    ids=["table", "sample", "upper"],
)
def test_it_matches_element_and_attribute_names_case_insensitively(element):
    parsed = parse_document(
        b'<mediexchange clientkey="K"><ORDERS>' + element.encode() + b"</ORDERS></mediexchange>"
    )

    assert parsed.errors == []
    assert parsed.client_key == "K"
    assert parsed.orders == [
        OrderChange(
            line=1,
            order_id=7,
            status=1,
            starts_at=wall("2010-07-01 17:00"),
            duration=30,
            mis_resource_id=369,
            last_changed_on=wall("2010-07-01 12:11:02"),
        )
    ]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("7:00", "9:30", (timedelta(hours=7), timedelta(hours=9, minutes=30))),
        ("07:05", "09:30", (timedelta(hours=7, minutes=5), timedelta(hours=9, minutes=30))),
        ("07:00:15", "9:30:45", (timedelta(hours=7, seconds=15), timedelta(hours=9.5, seconds=45))),
        ("20:00", "24:00", (timedelta(hours=20), timedelta(hours=24))),
        ("0:00", "24:00:00", (timedelta(0), timedelta(hours=24))),
    ],
)
def test_it_reads_clock_times(start, end, expected):
    hours = hours_of(f'<time_rules w_start="{start}" w_end="{end}"/>')

    assert (hours.start, hours.end) == expected


@pytest.mark.parametrize(
    ("attributes", "bad"),
    [
        ('w_start="24:00" w_end="24:00"', "w_start"),
        ('w_start="8:00" w_end="24:01"', "w_end"),
        ('w_start="8:00" w_end="25:00"', "w_end"),
        ('w_start="8:60" w_end="17:00"', "w_start"),
        ('w_start="8:00:60" w_end="17:00"', "w_start"),
        ('w_start="8" w_end="17:00"', "w_start"),
        ('w_start="8.00" w_end="17:00"', "w_start"),
        ('w_start="8:00" w_end="17:00" b_start="24:00" b_end="24:00"', "b_start"),
    ],
)
def test_it_drops_clock_times_that_are_not_times(attributes, bad):
    parsed = parse(
        '<Schedules><s id="1" date="01.07.2010" resource_id="393">'
        f"<time_rules {attributes}/></s></Schedules>"
    )

    # The interval is dropped, and with it the schedule that had no other.
    assert parsed.errors == []
    assert coded(parsed.warnings) == [(3, "time_rules", bad, "bad_time")]
    assert parsed.schedules == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01.07.2010 17:00:00", wall("2010-07-01 17:00")),
        ("1.7.2010 7:05", wall("2010-07-01 07:05")),
        ("31.12.2010 23:59:59", wall("2010-12-31 23:59:59")),
        ("01.07.2010 24:00", None),
        ("01.07.2010", None),
        ("2010-07-01 17:00", None),
        ("31.02.2010 17:00", None),
    ],
)
def test_it_reads_date_times_with_optional_seconds(value, expected):
    parsed = parse(f'<Orders><o id="1" reception_datetime="{value}"/></Orders>')

    if expected is None:
        assert parsed.errors == []
        assert coded(parsed.conflicts) == [(3, "o", "reception_datetime", "bad_datetime")]
        assert parsed.orders == []
    else:
        assert parsed.errors == []
        assert parsed.orders[0].starts_at == expected


def test_it_reads_negative_ids():
    parsed = parse(
        '<ResourceGroups><rg id="-99999" name="Кабинеты" pos="-1"/></ResourceGroups>\n'
        '<Resources><r id="-2013" group_id="-99999" name="Бассейн" time_step="30"/></Resources>\n'
        '<Schedules><s id="-5" date="01.07.2010" resource_id="-2013">'
        '<time_rules w_start="8:00" w_end="9:00"/></s></Schedules>\n'
        '<Appointments><a tablename="T" id="-8" resource_id="-2013" '
        'ReceptionDateTime="01.07.2010 08:00" Duration="30"/></Appointments>\n'
        '<Orders><o id="-1" mw_resource_id="-2013"/></Orders>'
    )

    assert parsed.errors == []
    assert (parsed.groups[0].mis_id, parsed.groups[0].pos) == (-99999, -1)
    assert (parsed.resources[0].mis_id, parsed.resources[0].group_id) == (-2013, -99999)
    assert (parsed.schedules[0].mis_id, parsed.schedules[0].resource_id) == (-5, -2013)
    assert (parsed.appointments.items[0].mis_id, parsed.appointments.items[0].resource_id) == (
        -8, -2013
    )  # fmt: skip
    assert (parsed.orders[0].order_id, parsed.orders[0].mis_resource_id) == (-1, -2013)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1.5", "bad_integer"),
        ("abc", "bad_integer"),
        ("0x10", "bad_integer"),
        ("١٢", "bad_integer"),
        ("１２", "bad_integer"),
        ("9223372036854775808", "out_of_range"),
        ("-9223372036854775809", "out_of_range"),
        ("9" * 5000, "out_of_range"),
    ],
    ids=[
        "decimal",
        "letters",
        "hex",
        "arabic-indic",
        "fullwidth",
        "2^63",
        "-2^63-1",
        "5000-digits",
    ],
)
def test_it_skips_a_record_whose_id_is_not_a_64_bit_integer(value, code):
    parsed = parse(f'<Resources><r id="{value}" name="Баева" time_step="30"/></Resources>')

    assert parsed.errors == []
    assert coded(parsed.warnings) == [(3, "r", "id", code)]
    assert parsed.resources == []
    assert parsed.unreadable_resource_ids == set()


def test_it_reads_the_widest_64_bit_ids():
    parsed = parse(
        '<Resources><r id="9223372036854775807" name="А" time_step="30"/>'
        '<r id="-9223372036854775808" name="Б" time_step="30"/>'
        '<r id="+0000000000000000000000042" name="В" time_step="30"/></Resources>'
    )

    assert parsed.warnings == []
    assert [r.mis_id for r in parsed.resources] == [2**63 - 1, -(2**63), 42]


def test_it_treats_empty_attributes_as_absent():
    parsed = parse(
        '<Resources><r id="1" group_id="" name="Баева" time_step="30" pos=""/></Resources>\n'
        '<Schedules><s id="" date="01.07.2010" resource_id="1">'
        '<time_rules w_start="8:00" w_end="17:00" b_start="" b_end=""/></s></Schedules>\n'
        '<Orders><o id="5" status="" reception_datetime=" " duration="" mw_resource_id="" '
        'LastChangedOn=""/></Orders>'
    )

    assert parsed.errors == []
    [resource] = parsed.resources
    assert (resource.group_id, resource.pos) == (None, 0)
    [schedule] = parsed.schedules
    assert schedule.mis_id is None
    assert (schedule.hours[0].break_start, schedule.hours[0].break_end) == (None, None)
    assert parsed.orders == [
        OrderChange(
            line=5,
            order_id=5,
            status=None,
            starts_at=None,
            duration=None,
            mis_resource_id=None,
            last_changed_on=None,
        )
    ]


def test_it_reports_a_required_attribute_given_empty():
    parsed = parse('<Resources><r id="1" name="" time_step="30"/></Resources>')

    assert [(p.element, p.attribute, p.message, p.code) for p in parsed.warnings] == [
        ("r", "name", "required", "required")
    ]


def test_it_warns_about_unknown_elements_and_reads_the_rest():
    parsed = parse(
        "<Doctors><doctor id='1'/></Doctors>\n"
        "<Resources>\n"
        '  <r id="1" name="Баева" time_step="30"><photo/></r>\n'
        '  <room id="2"/>\n'
        "</Resources>\n"
        '<Schedules><s date="01.07.2010" resource_id="1">'
        '<time_rules w_start="8:00" w_end="9:00"/><holiday/></s></Schedules>'
    )

    assert parsed.errors == []
    assert [(p.line, p.element, p.message) for p in parsed.warnings] == [
        (3, "Doctors", "unknown element, ignored"),
        (5, "photo", "unknown element, ignored"),
        (6, "room", "unknown element, ignored"),
        (8, "holiday", "unknown element, ignored"),
    ]
    assert [r.mis_id for r in parsed.resources] == [1]
    assert len(parsed.schedules[0].hours) == 1


@pytest.mark.parametrize(
    ("section", "attribute"),
    [
        ("ResourceGroups", "groups"),
        ("Resources", "resources"),
        ("Schedules", "schedules"),
        ("Orders", "orders"),
    ],
)
def test_it_tells_an_absent_section_from_an_empty_one(section, attribute):
    absent = parse("")
    empty = parse(f"<{section}/>")

    assert getattr(absent, attribute) is None
    assert getattr(empty, attribute) == []


def test_it_tells_absent_appointments_from_empty_ones_in_either_mode():
    assert parse("").appointments is None
    assert parse("<Appointments/>").appointments.items == []
    assert parse("<Appointments/>").appointments.mode == "diff"
    assert parse('<Appointments SyncMode="FULL"/>').appointments.mode == "full"


def test_it_locates_problems_at_the_line_where_a_multi_line_element_begins(sample_xml):
    bad = (
        sample_xml.replace(b'Duration="60"', b'Duration="0"')
        .replace(b'Status="0"', b'Status="5"')
        # Two lines more before the orders: a multi-line unknown element.
        .replace(b"<Orders>", b'<Orders>\n<Foo a="1"\nb="2"/>')
        .replace(b"</Orders>", b'<o id="2"/>\n</Orders>')
    )
    # The first schedule's only time_rules: its break ends on the tag's second line.
    bad = bad.replace(
        b'b_endTime="14:00"/>\n</s>\n<s id="2"', b'b_endTime="19:00"/>\n</s>\n<s id="2"'
    )

    parsed = parse_document(bad)

    assert parsed.errors == []
    assert coded(parsed.warnings) == [
        (94, "time_rules", "b_startTime", "break_outside_hours"),
        (199, "a", "Duration", "zero_duration"),
        (204, "Foo", None, "unknown_element"),
    ]
    assert coded(parsed.conflicts) == [
        (206, "o", "Status", "bad_status"),
        (218, "o", "id", "duplicate_id"),
    ]
    assert (
        parsed.conflicts[-1].message == "duplicate id, first given on line 212: this one is ignored"
    )


def test_it_keeps_the_sample_lines_for_records(sample_xml):
    parsed = parse_document(sample_xml)

    # The records keep libxml2's line; the problems built from them start at the element.
    [appointment] = parsed.appointments.items
    assert parsed.problem(appointment.line, "a", "x").line == 199
    assert [parsed.problem(o.line, "o", "x").line for o in parsed.orders] == [204, 210]


def problems_by_outcome(parsed) -> dict[str, list[Problem]]:
    return {name: getattr(parsed, name) for name in ("errors", "warnings", "conflicts")}


@pytest.mark.parametrize(
    ("section", "first", "second", "outcome", "records"),
    [
        ("ResourceGroups", '<rg id="1" name="А"/>', '<rg id="1" name="Б"/>', "warnings", "groups"),
        (
            "Resources",
            '<r id="1" name="А" time_step="30"/>',
            '<r id="1" name="Б" time_step="5"/>',
            "warnings",
            "resources",
        ),
        (
            "Appointments",
            '<a tablename="T" id="1" resource_id="1" ReceptionDateTime="01.07.2010 08:00" '
            'Duration="30"/>',
            '<a tablename="T" id="1" resource_id="2" ReceptionDateTime="02.07.2010 08:00" '
            'Duration="30"/>',
            "errors",
            None,
        ),
        ("Orders", '<o id="1" status="1"/>', '<o ID="1" status="3"/>', "conflicts", "orders"),
    ],
)
@pytest.mark.parametrize("separator", ["\n", ""], ids=["own-lines", "one-line"])
def test_it_keeps_the_first_of_two_records_with_one_id(
    section, first, second, outcome, records, separator
):
    parsed = parse(f"<{section}>{separator}{first}{separator}{second}{separator}</{section}>")

    element = first[1:].split()[0]
    line = 5 if separator else 3
    first_line = line - bool(separator)
    problems = problems_by_outcome(parsed)
    assert [(p.line, p.element, p.attribute.lower(), p.code) for p in problems.pop(outcome)] == [
        (line, element, "id", "duplicate_id")
    ]
    assert getattr(parsed, outcome)[0].message.startswith(
        f"duplicate id, first given on line {first_line}"
    )
    assert list(problems.values()) == [[], []]
    if records is not None:
        assert [record.line for record in getattr(parsed, records)] == [first_line]


def test_it_takes_the_same_id_in_different_tables_as_different_appointments():
    parsed = parse(
        "<Appointments>"
        '<a tablename="SchedEvent" id="1" resource_id="1" ReceptionDateTime="01.07.2010 08:00" '
        'Duration="30"/>'
        '<a tablename="Visit" id="1" resource_id="1" ReceptionDateTime="01.07.2010 09:00" '
        'Duration="30"/>'
        "</Appointments>"
    )

    assert parsed.errors == []
    assert [(a.table, a.mis_id) for a in parsed.appointments.items] == [
        ("SchedEvent", 1), ("Visit", 1)
    ]  # fmt: skip


@pytest.mark.parametrize(
    "value",
    ['He said "no" & <left>\nthen\r\tcame back', "nul\x00, vt\x0b, fffe\ufffe, lone\ud800 end"],
    ids=["markup", "not-xml"],
)
def test_it_escapes_import_results_so_they_parse_back(value):
    problem = Problem(7, "o", value, attribute=value, id=value)
    sections = [("Orders", {"updated": 1, "conflicts": 1})]

    result = etree.fromstring(
        render_import_result(
            dry_run=True, sections=sections, warnings=[problem], conflicts=[problem]
        )
    )

    expected = value.translate({0x00: None, 0x0B: None, 0xFFFE: None, 0xD800: None})
    assert result.attrib == {"status": "ok", "dry_run": "1"}
    assert result.find("Orders").attrib == {"updated": "1", "conflicts": "1"}
    for name in ("Warning", "Conflict"):
        element = result.find(name)
        assert element.attrib == {
            "line": "7", "element": "o", "attribute": expected, "id": expected
        }  # fmt: skip
        assert element.text == expected


def test_it_leaves_unset_sections_out_of_the_import_result():
    sections = ImportSummary(schedules_total=0).sections()

    result = etree.fromstring(
        render_import_result(dry_run=False, sections=sections, warnings=[], conflicts=[])
    )

    assert result.attrib == {"status": "ok"}
    assert [(child.tag, child.attrib) for child in result] == [("Schedules", {"total": "0"})]


def test_it_lists_the_import_result_sections_in_the_order_they_apply():
    summary = ImportSummary(
        orders={"updated": 0},
        appointments={"mode": "diff"},
        schedules_total=2,
        resources={"total": 1},
        groups_total=3,
    )

    assert summary.sections() == [
        ("ResourceGroups", {"total": 3}),
        ("Resources", {"total": 1}),
        ("Schedules", {"total": 2}),
        ("Appointments", {"mode": "diff"}),
        ("Orders", {"updated": 0}),
    ]


def exported_order(**fields) -> ExportedOrder:
    values = {
        "id": 17,
        "status": 0,
        "user_id": None,
        "user_name": "ivanov",
        "order_date": date(2010, 7, 1),
        "mis_resource_id": None,
        "resource_name": "Нестеров О. П.",
        "resource_id": 12,
        "starts_at": wall("2010-07-01 17:00"),
        "duration": 30,
        "name1": "Иванов",
        "name2": "Иван",
        "name3": "",
        "aim": "",
        "phone": "+7 900",
        "city": "",
        "address": "",
        "email": "",
        "comment": "",
        "last_changed_on": wall("2010-07-01 12:11:02"),
    }
    return ExportedOrder(**(values | fields))


def test_it_escapes_exported_orders_so_they_parse_back():
    order = exported_order(
        name1='O"Brien & <Sons>',
        address="Ленина, 1\nкв. 2\r\n\tвход со двора",
        comment="bell\x07 nul\x00 fffe\ufffe lone\udfff end",
    )

    root = etree.fromstring(b"".join(render_export('KEY"<&', [order], dialect="table")))

    assert root.get("ClientKey") == 'KEY"<&'
    [exported] = root.find("Orders")
    assert exported.get("name1") == 'O"Brien & <Sons>'
    assert exported.get("address") == "Ленина, 1\nкв. 2\r\n\tвход со двора"
    assert exported.get("comment") == "bell nul fffe lone end"


def test_its_quick_check_finds_every_character_that_escaping_changes():
    # The export skips escaping a row whose text has none of these: the check must find
    # exactly the characters that escaping (or dropping) would change, or bytes would differ.
    every_character = [chr(code) for code in range(0x110000)]

    found = [c for c in every_character if _NEEDS_ESCAPING.search(c)]

    assert found == [c for c in every_character if _escaped(c) != c]


def test_it_exports_every_attribute_even_when_empty_in_the_table_spelling():
    chunks = render_export("KEY", [exported_order()], dialect="table")

    [exported] = etree.fromstring(b"".join(chunks)).find("Orders")
    assert exported.attrib == {
        "id": "17", "status": "0", "user_id": "", "user_name": "ivanov",
        "order_date": "01.07.2010", "mw_resource_id": "", "resource_name": "Нестеров О. П.",
        "resource_id": "12", "reception_datetime": "01.07.2010 17:00:00", "duration": "30",
        "type": "3", "name1": "Иванов", "name2": "Иван", "name3": "", "aim": "",
        "phone": "+7 900", "city": "", "address": "", "email": "", "comment": "",
        "LastChangedOn": "01.07.2010 12:11:02",
    }  # fmt: skip


def test_it_streams_the_export_in_batches():
    orders = [exported_order(id=number) for number in range(1, 6)]

    chunks = list(render_export("KEY", orders, dialect="table", batch=2))

    # The head, three batches of at most two orders, the tail.
    assert len(chunks) == 5
    root = etree.fromstring(b"".join(chunks))
    assert [o.get("id") for o in root.find("Orders")] == ["1", "2", "3", "4", "5"]
    # Batches change nothing of the bytes: one order a line, nothing between them.
    assert b"".join(chunks) == b"".join(render_export("KEY", orders, dialect="table", batch=500))
    lines = b"".join(chunks).decode().splitlines()
    assert [line.startswith('    <o id="') for line in lines[3:-2]] == [True] * 5


def test_it_exports_the_sample_spelling_by_default():
    order = exported_order(user_id=5, mis_resource_id=369, comment="после 18:00")

    [exported] = etree.fromstring(b"".join(render_export("KEY", [order]))).find("Orders")

    # In order, exactly as the source document's sample <o> spells them.
    assert list(exported.attrib.items()) == [
        ("ID", "17"), ("Status", "0"), ("user_id", "5"), ("user_name", "ivanov"),
        ("order_date", "01.07.2010"), ("MW_Resource_ID", "369"),
        ("Resource_Name", "Нестеров О. П."), ("Resource_ID", "12"),
        ("Reception_Datetime", "01.07.2010 17:00:00"), ("Duration", "30"), ("Type", "3"),
        ("Name1", "Иванов"), ("Name2", "Иван"), ("Name3", ""), ("Aim", ""), ("Phone", "+7 900"),
        ("City", ""), ("Address", ""), ("Email", ""), ("Comment", "после 18:00"),
        ("LastChangedOn", "01.07.2010 12:11:02"),
    ]  # fmt: skip


def test_it_reads_back_what_it_exports_in_either_spelling():
    order = exported_order(mis_resource_id=369, name3="Иванович", email="ivanov@example.ru")
    for dialect in ("sample", "table"):
        exported = b"".join(render_export("KEY", [order], dialect=dialect))

        parsed = parse_document(exported)

        assert (parsed.errors, parsed.warnings, parsed.conflicts) == ([], [], [])
        [change] = parsed.orders
        assert (change.order_id, change.status, change.mis_resource_id, change.resource_id) == (
            17, 0, 369, 12
        )  # fmt: skip
        assert change.details == {
            "name1": "Иванов", "name2": "Иван", "name3": "Иванович", "phone": "+7 900",
            "email": "ivanov@example.ru",
        }  # fmt: skip
