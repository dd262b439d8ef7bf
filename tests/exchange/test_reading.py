"""Reading fails safe, parser side: what an unreadable record becomes, duplicates, order
corrections, dates and encodings. No database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from exchange.protocol import (
    EARLIEST_DATE,
    LATEST_DATE,
    Document,
    OrderChange,
    Problem,
    parse_document,
)
from tests.exchange.conftest import document


def parse(body: str, **options) -> Document:
    return parse_document(document(body), **options)


def coded(problems: list[Problem]) -> list[tuple]:
    return [(p.line, p.element, p.attribute, p.code) for p in problems]


def nothing_reported(parsed: Document) -> bool:
    return (parsed.errors, parsed.warnings, parsed.conflicts) == ([], [], [])


# --- Order changes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "attribute", "code"),
    [
        ('id="x"', "id", "bad_integer"),
        ('id="1" status="4"', "status", "bad_status"),
        ('id="1" Status="x"', "Status", "bad_status"),
        ('id="1" status="-1"', "status", "bad_status"),
        ('id="1" status="99999999999999999999999"', "status", "bad_status"),
        ('id="1" reception_datetime="31.02.2010 10:00"', "reception_datetime", "bad_datetime"),
        ('id="1" Reception_Datetime="01.07.2010"', "Reception_Datetime", "bad_datetime"),
        ('id="1" reception_datetime="01.01.0001 00:00:00"', "reception_datetime", "out_of_range"),
        ('id="1" duration="0"', "duration", "bad_minutes"),
        ('id="1" Duration="-30"', "Duration", "bad_minutes"),
        ('id="1" mw_resource_id="a"', "mw_resource_id", "bad_integer"),
        ('id="1" Resource_ID="1.5"', "Resource_ID", "bad_integer"),
        ('id="1" LastChangedOn="yesterday"', "LastChangedOn", "bad_datetime"),
        ('id="1" LastChangedOn="31.12.9999 23:59:59"', "LastChangedOn", "out_of_range"),
        (f'id="1" Name1="{"Ы" * 101}"', "Name1", "too_long"),
        (f'id="1" phone="{"1" * 33}"', "phone", "too_long"),
        (f'id="1" Comment="{"ж" * 10_001}"', "Comment", "too_long"),
        ('id="1" Email="ivanov at example.ru"', "Email", "bad_email"),
        ('id="1" email="a@b@c"', "email", "bad_email"),
        (f'id="1" email="{"a" * 250}@b.ru"', "email", "too_long"),
    ],
)
def test_it_lists_an_unreadable_order_change_as_a_conflict(attributes, attribute, code):
    parsed = parse(f'<Orders>\n<o {attributes}/>\n<o id="2" status="1"/>\n</Orders>')

    assert (parsed.errors, parsed.warnings) == ([], [])
    assert coded(parsed.conflicts) == [(4, "o", attribute, code)]
    assert parsed.conflicts[0].id == (None if attribute == "id" else "1")
    # The rest of the section still applies.
    assert [change.order_id for change in parsed.orders] == [2]


def test_it_lists_every_unreadable_attribute_of_an_order_change():
    parsed = parse('<Orders><o id="7" status="4" duration="0" email="nobody"/></Orders>')

    assert coded(parsed.conflicts) == [
        (3, "o", "status", "bad_status"),
        (3, "o", "duration", "bad_minutes"),
        (3, "o", "email", "bad_email"),
    ]
    assert {conflict.id for conflict in parsed.conflicts} == {"7"}


@pytest.mark.parametrize("status", ["0", "1", "2", "3", "02"])
def test_it_reads_every_order_status_including_the_patients_cancellation(status):
    parsed = parse(f'<Orders><o id="1" status="{status}"/></Orders>')

    assert nothing_reported(parsed)
    assert parsed.orders[0].status == int(status)


def test_it_reads_an_echoed_export_as_corrections_of_the_patients_details():
    parsed = parse(
        '<Orders><o ID="17" Status="1" user_id="5" user_name="ivanov" order_date="01.07.2010" '
        'MW_Resource_ID="369" Resource_Name="Нестеров О. П." Resource_ID="12" '
        'Reception_Datetime="01.07.2010 17:00:00" Duration="30" Type="3" Name1=" Иванов " '
        'Name2="Иван" Name3="" Aim="консультация" Phone="+7 900 000-00-00" City="  " '
        'Address="ул. Ленина, 1" Email="ivanov@example.ru" Comment="после 18:00" '
        'LastChangedOn="01.07.2010 12:11:02"/></Orders>'
    )

    # The portal's own attributes (user_id, user_name, order_date, Type, Resource_Name) are
    # ignored without a word.
    assert nothing_reported(parsed)
    assert parsed.orders == [
        OrderChange(
            line=3,
            order_id=17,
            status=1,
            starts_at=datetime.fromisoformat("2010-07-01 17:00"),
            duration=30,
            mis_resource_id=369,
            last_changed_on=datetime.fromisoformat("2010-07-01 12:11:02"),
            resource_id=12,
            details={
                "name1": "Иванов",
                "name2": "Иван",
                "aim": "консультация",
                "phone": "+7 900 000-00-00",
                "address": "ул. Ленина, 1",
                "email": "ivanov@example.ru",
                "comment": "после 18:00",
            },
        )
    ]


def test_it_reads_the_longest_details_the_portal_stores():
    limits = {"name1": 100, "name2": 100, "name3": 100, "phone": 32, "city": 100,
              "address": 255, "aim": 255, "comment": 10_000}  # fmt: skip
    email = "a" * 240 + "@example.ru"  # 251 characters
    attributes = " ".join(f'{name}="{"я" * length}"' for name, length in limits.items())

    parsed = parse(f'<Orders><o id="1" {attributes} email="{email}"/></Orders>')

    assert nothing_reported(parsed)
    details = parsed.orders[0].details
    assert {name: len(value) for name, value in details.items()} == limits | {"email": 251}


def test_it_reads_an_order_change_without_details_as_no_correction():
    parsed = parse('<Orders><o id="1" status="3"/></Orders>')

    assert parsed.orders[0].details == {}
    assert parsed.orders[0].resource_id is None


# --- Groups and resources ---------------------------------------------------------------


def test_it_keeps_the_ids_of_unreadable_groups_and_resources():
    parsed = parse(
        "<ResourceGroups>\n"
        '<rg id="1" name=""/>\n'
        '<rg id="x" name="Врачи"/>\n'
        '<rg id="2" name="Сёстры"/>\n'
        "</ResourceGroups>\n"
        "<Resources>\n"
        '<r id="10" name="Баева" time_step="0"/>\n'
        '<r id="11" name="Баранов" time_step="30" pos="x"/>\n'
        '<r id="12" name="Бурдин" time_step="30"/>\n'
        '<r name="Без id" time_step="30"/>\n'
        "</Resources>"
    )

    assert parsed.errors == []
    assert coded(parsed.warnings) == [
        (4, "rg", "name", "required"),
        (5, "rg", "id", "bad_integer"),
        (9, "r", "time_step", "bad_minutes"),
        (10, "r", "pos", "bad_integer"),
        (12, "r", "id", "required"),
    ]
    assert [p.id for p in parsed.warnings] == ["1", None, "10", "11", None]
    assert parsed.unreadable_group_ids == {1}
    assert parsed.unreadable_resource_ids == {10, 11}
    assert [g.mis_id for g in parsed.groups] == [2]
    assert [r.mis_id for r in parsed.resources] == [12]


def test_it_keeps_an_unreadable_first_record_over_a_readable_second():
    parsed = parse(
        '<Resources>\n<r id="10" name="Баева" time_step="7.5"/>\n'
        '<r id="10" name="Баева" time_step="30"/>\n</Resources>'
    )

    # The first stays, and it cannot be read: the portal keeps what it has under id 10.
    assert coded(parsed.warnings) == [
        (4, "r", "time_step", "bad_minutes"),
        (5, "r", "id", "duplicate_id"),
    ]
    assert parsed.resources == []
    assert parsed.unreadable_resource_ids == {10}


def test_it_keeps_a_readable_first_record_over_an_unreadable_second():
    parsed = parse(
        '<Resources>\n<r id="10" name="Баева" time_step="30"/>\n'
        '<r id="10" name="" time_step="30"/>\n</Resources>'
    )

    assert coded(parsed.warnings) == [(5, "r", "id", "duplicate_id")]
    assert [r.mis_id for r in parsed.resources] == [10]
    assert parsed.unreadable_resource_ids == set()


# --- The same record twice --------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "record", "field"),
    [
        ("ResourceGroups", '<rg id="1" name="Врачи" pos="0"/>', "groups"),
        ("Resources", '<r id="1" name="Баева" time_step="30"/>', "resources"),
        (
            "Schedules",
            '<s id="1" date="01.07.2010" resource_id="1">'
            '<time_rules w_start="8:00" w_end="17:00"/></s>',
            "schedules",
        ),
        (
            "Appointments",
            '<a tablename="T" id="1" resource_id="1" ReceptionDateTime="01.07.2010 08:00" '
            'Duration="30" Title="Иванов"/>',
            "appointments",
        ),
        ("Orders", '<o id="1" status="1" name1="Иванов"/>', "orders"),
    ],
)
def test_it_counts_a_record_given_twice_alike_once(section, record, field):
    # Spelled differently, in another order, with other spaces: it says the same.
    again = record.replace('id="1"', 'ID=" 1 "', 1).replace("<s ", "<S ")
    again = again.replace("</s>", "</S>")

    parsed = parse(f"<{section}>\n{record}\n{again}\n{record}\n</{section}>")

    assert nothing_reported(parsed)
    items = getattr(parsed, field)
    items = items.items if field == "appointments" else items
    assert [item.line for item in items] == [4]


def test_it_counts_an_unreadable_record_given_twice_alike_once():
    record = '<rg id="1" name=""/>'

    parsed = parse(f"<ResourceGroups>\n{record}\n{record}\n</ResourceGroups>")

    assert coded(parsed.warnings) == [(4, "rg", "name", "required")]


def test_it_counts_time_rules_given_twice_alike_once():
    rules = '<time_rules w_start="8:00" w_end="12:00"/><time_rules w_start="13:00" w_end="9:00"/>'

    parsed = parse(
        f'<Schedules><s id="1" date="01.07.2010" resource_id="1">\n{rules}\n{rules}\n</s>'
        "</Schedules>"
    )

    [schedule] = parsed.schedules
    assert [(h.start, h.end) for h in schedule.hours] == [(timedelta(hours=8), timedelta(hours=12))]
    assert coded(parsed.warnings) == [(4, "time_rules", "w_end", "end_before_start")]


def test_it_keeps_two_schedules_of_one_day_as_a_union():
    parsed = parse(
        '<Schedules><s id="1" date="01.07.2010" resource_id="1">'
        '<time_rules w_start="8:00" w_end="12:00"/></s>'
        '<s id="1" date="01.07.2010" resource_id="1">'
        '<time_rules w_start="14:00" w_end="18:00"/></s></Schedules>'
    )

    assert nothing_reported(parsed)
    assert [s.hours[0].start for s in parsed.schedules] == [
        timedelta(hours=8), timedelta(hours=14)
    ]  # fmt: skip


# --- Appointments -----------------------------------------------------------------------


def test_it_skips_an_appointment_of_no_duration():
    parsed = parse(
        '<Appointments>\n<a tablename="T" id="1" resource_id="1" '
        'ReceptionDateTime="01.07.2010 08:00" Duration="0"/>\n</Appointments>'
    )

    assert parsed.errors == []
    assert coded(parsed.warnings) == [(4, "a", "Duration", "zero_duration")]
    assert parsed.warnings[0].id == "1"
    assert parsed.appointments.items == []


def test_it_refuses_an_appointment_of_no_duration_that_is_unreadable_besides():
    parsed = parse(
        '<Appointments><a tablename="T" id="1" resource_id="x" '
        'ReceptionDateTime="01.07.2010 08:00" Duration="0"/></Appointments>'
    )

    assert coded(parsed.errors) == [
        (3, "a", "resource_id", "bad_integer"),
        (3, "a", "Duration", "zero_duration"),
    ]


# --- One attribute, two spellings -------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "attribute"),
    [
        ('<ResourceGroups><rg id="1" ID="2" name="Врачи"/></ResourceGroups>', "id, ID"),
        ('<Orders><o id="1" Status="1" status="3"/></Orders>', "Status, status"),
        (
            '<Schedules><s date="01.07.2010" resource_id="1">'
            '<time_rules w_start="8:00" w_startTime="9:00" w_end="17:00"/></s></Schedules>',
            "w_start, w_startTime",
        ),
    ],
)
def test_it_refuses_one_attribute_given_twice_with_different_values(element, attribute):
    parsed = parse(element)

    [error] = parsed.errors
    assert (error.line, error.attribute, error.code) == (3, attribute, "conflicting_spellings")


def test_it_accepts_one_attribute_given_twice_alike():
    parsed = parse(
        '<Resources><r id="1" ID=" 1" Name="Баева" name="Баева" time_step="30" pos=""/>'
        "</Resources><Schedules>"
        '<s date="01.07.2010" resource_id="1"><time_rules w_start="8:00" w_startTime="8:00" '
        'w_end="17:00"/></s></Schedules>'
    )

    assert nothing_reported(parsed)
    assert parsed.resources[0].name == "Баева"


def test_it_refuses_a_root_with_two_different_keys():
    parsed = parse_document(b'<MediExchange clientkey="junk" ClientKey="valid"/>')

    [error] = parsed.errors
    assert (error.line, error.element, error.code) == (1, "MediExchange", "conflicting_spellings")


# --- Dates ------------------------------------------------------------------------------


def schedule_on(day: str, **options) -> Document:
    return parse(
        f'<Schedules><s id="1" date="{day}" resource_id="1">'
        '<time_rules w_start="8:00" w_end="24:00"/></s></Schedules>',
        **options,
    )


@pytest.mark.parametrize(
    ("day", "accepted"),
    [
        ("31.12.1999", False),
        ("01.01.2000", True),
        ("31.12.2099", True),
        ("01.01.2100", False),
        ("01.01.0001", False),
        ("31.12.9999", False),
    ],
)
def test_it_reads_dates_within_the_protocols_bounds_by_default(day, accepted):
    parsed = schedule_on(day)

    assert parsed.errors == []
    if accepted:
        assert parsed.warnings == []
        assert EARLIEST_DATE <= parsed.schedules[0].date <= LATEST_DATE
        assert len(parsed.schedules) == 1
    else:
        assert coded(parsed.warnings) == [(3, "s", "date", "out_of_range")]
        assert "01.01.2000 to 31.12.2099" in parsed.warnings[0].message
        assert parsed.schedules == []


@pytest.mark.parametrize(
    ("day", "accepted"),
    [("31.05.2024", False), ("01.06.2024", True), ("30.06.2031", True), ("01.07.2031", False)],
)
def test_it_reads_dates_within_the_window_it_is_given(day, accepted):
    parsed = schedule_on(day, dates=(date(2024, 6, 1), date(2031, 6, 30)))

    assert bool(parsed.schedules) == accepted
    assert [p.code for p in parsed.warnings] == ([] if accepted else ["out_of_range"])


@pytest.mark.parametrize(
    "value",
    ["01.01.0001 00:00:00", "31.12.9999 23:59:59", "31.12.9999 24:00", "01.01.0000 00:00"],
)
def test_it_answers_the_extremes_of_date_times_with_a_located_problem(value):
    parsed = parse(
        '<Appointments><a tablename="T" id="1" resource_id="1" '
        f'ReceptionDateTime="{value}" Duration="44640"/></Appointments>'
        f'<Orders><o id="1" reception_datetime="{value}" duration="44640" '
        f'LastChangedOn="{value}"/></Orders>'
    )

    assert [(p.line, p.attribute) for p in parsed.errors] == [(3, "ReceptionDateTime")]
    assert [(p.line, p.attribute) for p in parsed.conflicts] == [
        (3, "reception_datetime"), (3, "LastChangedOn")
    ]  # fmt: skip


# --- Encodings --------------------------------------------------------------------------

CYRILLIC = '<MediExchange ClientKey="K"><Resources><r id="1" name="Кабинет" time_step="30"/>'


@pytest.mark.parametrize(
    "declaration", ["", '<?xml version="1.0"?>\n'], ids=["no-declaration", "no-encoding"]
)
def test_it_reads_undeclared_bytes_that_are_not_utf_8_as_windows_1251(declaration):
    data = (declaration + CYRILLIC + "</Resources></MediExchange>").encode("cp1251")

    parsed = parse_document(data)

    assert parsed.errors == []
    assert coded(parsed.warnings) == [(1, "", None, "encoding_guessed")]
    assert "windows-1251" in parsed.warnings[0].message
    assert parsed.resources[0].name == "Кабинет"


@pytest.mark.parametrize(
    "data",
    [
        (CYRILLIC + "</Resources></MediExchange>").encode(),
        ('<?xml version="1.0" encoding="windows-1251"?>' + CYRILLIC + "</Resources>"
         "</MediExchange>").encode("cp1251"),
        b"\xef\xbb\xbf" + (CYRILLIC + "</Resources></MediExchange>").encode(),
    ],
    ids=["utf-8", "declared-windows-1251", "utf-8-bom"],
)  # fmt: skip
def test_it_guesses_nothing_when_the_encoding_is_known(data):
    parsed = parse_document(data)

    assert nothing_reported(parsed)
    assert parsed.resources[0].name == "Кабинет"


def test_it_guesses_nothing_when_the_caller_gives_the_encoding():
    data = (CYRILLIC + "</Resources></MediExchange>").encode("cp1251")

    parsed = parse_document(data, encoding="windows-1251")

    assert nothing_reported(parsed)
    assert parsed.resources[0].name == "Кабинет"
