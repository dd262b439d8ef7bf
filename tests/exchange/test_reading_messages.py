"""What an integrator reads beside each code: the message of every problem the reader reports,
with the value it quotes. No database."""

from __future__ import annotations

import pytest

from exchange.protocol import MAX_ELEMENT_NAMES, Problem, parse_document
from tests.exchange.conftest import document


def schedule(time_rules: str) -> str:
    return (
        f'<Schedules><s id="1" date="01.07.2010" resource_id="1"><time_rules {time_rules}/></s>'
        "</Schedules>"
    )


def appointments(mode: str, mis_id: int = 1) -> str:
    return (
        f'<Appointments SyncMode="{mode}"><a tablename="T" id="{mis_id}" resource_id="1" '
        'ReceptionDateTime="01.07.2010 08:00" Duration="30"/></Appointments>'
    )


CASES = [
    (
        '<Schedules><s id="1" date="01.07.2010" resource_id="1"/></Schedules>',
        "warnings", None, "no_time_rules", "no time_rules: no working hours that day",
    ),
    (
        schedule('w_start="17:00" w_end="8:00"'),
        "warnings", "w_end", "end_before_start", "w_end is before w_start",
    ),
    (
        schedule('w_start="8:00" w_end="17:00" b_start="13:00"'),
        "warnings", "b_end", "break_incomplete", "a break needs both b_start and b_end",
    ),
    (
        schedule('w_start="8:00" w_end="17:00" b_start="14:00" b_end="13:00"'),
        "warnings", "b_end", "end_before_start", "b_end is before b_start",
    ),
    (
        schedule('w_start="8:00" w_end="17:00" b_startTime="7:00" b_end="9:00"'),
        "warnings", "b_startTime", "break_outside_hours",
        "the break lies outside the working hours",
    ),
    (
        schedule('w_start="8:00" w_end="25:00"'),
        "warnings", "w_end", "bad_time", "not a time HH:MM: '25:00'",
    ),
    (
        '<Schedules><s id="1" date="2010-07-01" resource_id="1">'
        '<time_rules w_start="8:00" w_end="17:00"/></s></Schedules>',
        "warnings", "date", "bad_date", "not a date DD.MM.YYYY: '2010-07-01'",
    ),
    (
        '<Schedules><s id="1" date="31.12.1999" resource_id="1">'
        '<time_rules w_start="8:00" w_end="17:00"/></s></Schedules>',
        "warnings", "date", "out_of_range",
        "outside the accepted dates 01.01.2000 to 31.12.2099: '31.12.1999'",
    ),
    (
        appointments("full") + appointments("diff", 2),
        "errors", "SyncMode", "sync_mode_mix",
        "two Appointments sections with different SyncMode",
    ),
    (
        appointments("Weekly"),
        "errors", "SyncMode", "unknown_sync_mode",
        "unknown SyncMode 'weekly': use full or diff",
    ),
    (
        appointments("full").replace('Duration="30"', 'Duration="0"'),
        "warnings", "Duration", "zero_duration", "Duration 0 blocks no time: skipped",
    ),
    (
        '<Resources><r id="1" name="Баева" time_step="0"/></Resources>',
        "warnings", "time_step", "bad_minutes",
        "not a positive number of minutes up to 1440: '0'",
    ),
    (
        f'<Resources><r id="1" name="{"Я" * 256}" time_step="30"/></Resources>',
        "warnings", "name", "too_long", "longer than 255 characters",
    ),
    (
        '<Resources><r id="9223372036854775808" name="Баева" time_step="30"/></Resources>',
        "warnings", "id", "out_of_range", "out of range: '9223372036854775808'",
    ),
    (
        '<ResourceGroups><rg id="1" ID="2" name="Врачи"/></ResourceGroups>',
        "errors", "id, ID", "conflicting_spellings",
        "one attribute given twice with different values: id, ID",
    ),
    (
        '<Orders><o id="1" status="9"/></Orders>',
        "conflicts", "status", "bad_status", "unknown status '9': use 0, 1 or 3",
    ),
    (
        '<Orders><o id="1" LastChangedOn="01.07.2010"/></Orders>',
        "conflicts", "LastChangedOn", "bad_datetime",
        "not a date-time DD.MM.YYYY HH:MM:SS: '01.07.2010'",
    ),
    (
        '<Orders><o id="1" Email="nobody"/></Orders>',
        "conflicts", "Email", "bad_email", "not an email address: 'nobody'",
    ),
    (
        "<Doctors>" + "".join(f"<d{n}/>" for n in range(MAX_ELEMENT_NAMES)) + "</Doctors>",
        "errors", None, "too_many_element_names",
        "more than 500 distinct element names in one document (the documented limit)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "outcome", "attribute", "code", "message"), CASES, ids=[case[3] for case in CASES]
)
def test_it_says_what_is_wrong_in_words(body, outcome, attribute, code, message):
    parsed = parse_document(document(body))

    problems: list[Problem] = getattr(parsed, outcome)
    assert [(p.attribute, p.code, p.message) for p in problems] == [(attribute, code, message)]


@pytest.mark.parametrize(
    ("value", "quoted"),
    [("7" * 39 + "x", "'" + "7" * 39 + "x'"), ("7" * 39 + "xy", "'" + "7" * 39 + "x…'")],
    ids=["40-characters", "41-characters"],
)
def test_it_quotes_a_value_of_more_than_40_characters_cut_short(value, quoted):
    parsed = parse_document(document(f'<Orders><o id="{value}"/></Orders>'))

    [conflict] = parsed.conflicts
    assert conflict.message == f"not an integer: {quoted}"


@pytest.mark.parametrize(
    ("data", "line", "element"),
    [
        (b'<MediExchange ClientKey="K">\n<Resources>\n<r id="1"></Resources>', 3, "r"),
        (b'<MediExchange ClientKey="K">\n<Resources>\n</MediExchange>', 3, "resources"),
        (b'<MediExchange ClientKey="K">\n<Orders/>\n', 3, "mediexchange"),
        (b'<?xml version="1.0"?>\n<!-- unfinished', 2, ""),
        (b'<MediExchange ClientKey="K">\n<Resources>\n<!-- unfinished\n<r/>', 4, "resources"),
        (b'<!DOCTYPE MediExchange [\n<!ENTITY k "K">\n', 3, ""),
    ],
    ids=[
        "in-a-record",
        "in-a-section",
        "unfinished-document",
        "before-the-root",
        "unfinished-comment",
        "unfinished-doctype",
    ],
)
def test_it_names_the_element_where_the_document_breaks(data, line, element):
    [error] = parse_document(data).errors

    assert (error.line, error.element, error.code) == (line, element, "not_well_formed")
    assert error.message.startswith("not well-formed XML: ")
