"""The protocol's limits, exactly at the edge: the last value taken and the first one not.

A value past a limit is never stored, and the answer names its element and attribute (the
document is refused, or that record skipped with a warning: either way the MIS is told).
"""

from __future__ import annotations

from datetime import date

import pytest

from booking.selectors import resource_slots
from exchange.models import Appointment, Resource, ResourceGroup
from exchange.protocol import parse_document
from tests.exchange.conftest import document, imported
from tests.factories import local

CAP = 1000  # problems listed in one answer (PROTOCOL.md: "the first 1000")
RESOURCE = '<Resources><r id="369" name="Нестеров О. П." time_step="30"/></Resources>'


@pytest.fixture(autouse=True)
def no_stale_data_guard(settings):
    """These tests look at slots from a clock set years ahead of the imports they make, which
    the stale-data guard would rightly pause; the guard has its own tests (tests/workspace)."""
    settings.BOOKING_PAUSE_CHECKS = []


def problems(result) -> list[tuple[str | None, str | None]]:
    """(element, attribute) of every Error and Warning in an import's answer."""
    return [(p.get("element"), p.get("attribute")) for p in result if p.tag in ("Error", "Warning")]


def group(**attributes) -> str:
    return _element("ResourceGroups", "rg", {"id": "1", "name": "Врач-кардиолог"} | attributes)


def resource(**attributes) -> str:
    defaults = {"id": "369", "name": "Нестеров О. П.", "time_step": "30"}
    return _element("Resources", "r", defaults | attributes)


def _element(section: str, name: str, attributes: dict[str, str]) -> str:
    rendered = " ".join(f'{key}="{value}"' for key, value in attributes.items())
    return f"<{section}><{name} {rendered}/></{section}>"


def stored(model, clinic, field: str) -> list:
    return list(model.objects.filter(clinic=clinic).values_list(field, flat=True))


def free_clocks(clinic, first_day: date, days: int) -> dict[date, list[str]]:
    """The imported doctor's free slots as patients see them, a month ahead of time."""
    by_day = resource_slots(
        resource=Resource.objects.get(clinic=clinic, mis_id=369),
        first_day=first_day,
        days=days,
        now=local(clinic, "01.06.2030 00:00"),
    )
    zone = clinic.tzinfo
    return {
        day: [f"{slot.starts_at.astimezone(zone):%H:%M}" for slot in slots]
        for day, slots in by_day.items()
    }


# --- Names, steps, positions ------------------------------------------------------------

SECTIONS = {"rg": (group, ResourceGroup), "r": (resource, Resource)}
# Two bytes each in UTF-8: the limit counts characters.
NAME = "Я" * 255


@pytest.mark.parametrize("element", ["rg", "r"])
def test_it_takes_a_name_of_255_characters(clinic, post_xml, element):
    build, model = SECTIONS[element]

    imported(post_xml, build(name=NAME))

    assert stored(model, clinic, "name") == [NAME]


@pytest.mark.parametrize("element", ["rg", "r"])
def test_it_never_stores_a_name_of_256_characters(clinic, post_xml, element):
    build, model = SECTIONS[element]

    _, result = post_xml(document(build(name=NAME + "Я")))

    assert (element, "name") in problems(result)
    assert stored(model, clinic, "name") == []


@pytest.mark.parametrize("element", ["rg", "r"])
@pytest.mark.parametrize("pos", [2**31 - 1, -(2**31)])
def test_it_takes_a_position_at_either_end_of_32_bits(clinic, post_xml, element, pos):
    build, model = SECTIONS[element]

    imported(post_xml, build(pos=str(pos)))

    assert stored(model, clinic, "pos") == [pos]


@pytest.mark.parametrize("element", ["rg", "r"])
@pytest.mark.parametrize("pos", [2**31, -(2**31) - 1])
def test_it_never_stores_a_position_past_32_bits(clinic, post_xml, element, pos):
    build, model = SECTIONS[element]

    _, result = post_xml(document(build(pos=str(pos))))

    assert (element, "pos") in problems(result)
    assert stored(model, clinic, "pos") == []


def test_it_takes_a_time_step_of_a_whole_day(clinic, post_xml):
    imported(post_xml, resource(time_step="1440"))

    assert stored(Resource, clinic, "time_step") == [1440]


def test_it_never_stores_a_time_step_longer_than_a_day(clinic, post_xml):
    _, result = post_xml(document(resource(time_step="1441")))

    assert ("r", "time_step") in problems(result)
    assert stored(Resource, clinic, "time_step") == []


# --- Durations ------------------------------------------------------------------------

MONTH = 31 * 24 * 60


def block(minutes: int) -> str:
    return (
        '<Appointments><a tablename="TICKETS" id="1" resource_id="369" '
        f'ReceptionDateTime="01.07.2030 08:00" Duration="{minutes}" Title="Отпуск"/></Appointments>'
    )


def test_it_keeps_a_month_long_block_busy_to_its_last_minute(clinic, post_xml):
    last_day, day_after = date(2030, 7, 31), date(2030, 8, 1)
    hours = '<time_rules w_start="07:00" w_end="09:00"/>'
    schedules = "".join(
        f'<s date="{day:%d.%m.%Y}" resource_id="369">{hours}</s>' for day in (last_day, day_after)
    )

    imported(post_xml, RESOURCE + f"<Schedules>{schedules}</Schedules>" + block(MONTH))

    [appointment] = Appointment.objects.filter(clinic=clinic)
    assert appointment.ends_at == local(clinic, "01.08.2030 08:00")
    assert free_clocks(clinic, last_day, 2) == {day_after: ["08:00", "08:30"]}


def test_it_refuses_a_block_longer_than_a_month(clinic, post_xml):
    response, result = post_xml(document(RESOURCE + block(MONTH + 1)))

    # Skipping busy time would show free time that is not free: the document is refused.
    assert response.status_code == 400
    assert ("a", "Duration") in problems(result)
    assert not Resource.objects.filter(clinic=clinic).exists()
    assert not Appointment.objects.exists()


# --- Breaks at the edges of work ---------------------------------------------------------


@pytest.mark.parametrize(
    ("pause", "free"),
    [
        (("09:00", "10:00"), ["10:00", "10:30", "11:00", "11:30"]),
        (("11:00", "12:00"), ["09:00", "09:30", "10:00", "10:30"]),
    ],
    ids=["at-the-start", "at-the-end"],
)
def test_it_takes_a_break_at_either_edge_of_the_working_hours(clinic, post_xml, pause, free):
    imported(
        post_xml,
        RESOURCE + '<Schedules><s date="01.07.2030" resource_id="369">'
        f'<time_rules w_start="09:00" w_end="12:00" b_start="{pause[0]}" b_end="{pause[1]}"/>'
        "</s></Schedules>",
    )

    assert free_clocks(clinic, date(2030, 7, 1), 1) == {date(2030, 7, 1): free}


# --- How many problems one answer lists ---------------------------------------------------


def bad_blocks(count: int) -> str:
    """`count` appointments longer than a month, one a line from line 4 of the document."""
    items = "\n".join(
        f'<a tablename="T" id="{n}" resource_id="369" ReceptionDateTime="01.07.2030 08:00" '
        f'Duration="{MONTH + 1}"/>'
        for n in range(count)
    )
    return f"<Appointments>\n{items}\n</Appointments>"


@pytest.mark.parametrize("count", [CAP, CAP + 1, CAP + 500])
def test_it_lists_the_first_1000_errors(clinic, post_xml, count):
    response, result = post_xml(document(bad_blocks(count)))

    assert response.status_code == 400
    lines = [int(error.get("line")) for error in result.iter("Error")]
    assert lines == list(range(4, 4 + CAP))


def test_it_keeps_the_first_1000_errors_of_a_parsed_document():
    parsed = parse_document(document(bad_blocks(CAP + 1)))

    assert [problem.line for problem in parsed.errors] == list(range(4, 4 + CAP))


def test_it_lists_the_first_1000_warnings_of_the_reading(clinic, post_xml):
    unknown = "".join(f"<unknown n='{n}'/>" for n in range(CAP + 500))

    response, result = post_xml(document(f"<Resources>{unknown}</Resources>"))

    assert response.status_code == 200
    assert len(list(result.iter("Warning"))) == CAP


def test_it_lists_the_first_1000_warnings_of_reading_and_applying_together(clinic, post_xml):
    unknown_elements = "".join(f"<unknown n='{n}'/>" for n in range(600))
    unknown_resources = "".join(
        f'<a tablename="T" id="{n}" resource_id="999" ReceptionDateTime="01.07.2030 08:00" '
        'Duration="30"/>'
        for n in range(600)
    )

    response, result = post_xml(
        document(
            f"<Resources>{unknown_elements}</Resources>"
            f"<Appointments>{unknown_resources}</Appointments>"
        )
    )

    assert response.status_code == 200
    warnings = [warning.get("element") for warning in result.iter("Warning")]
    assert len(warnings) == CAP
    assert warnings.count("unknown") == 600


# --- Sections and the root ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "mode"),
    [("full", "full", "full"), ("diff", "", "diff"), ("Full", "FULL", "full")],
)
def test_it_reads_two_appointments_sections_of_one_mode_as_one(
    clinic, post_xml, first, second, mode
):
    def section(mode: str, mis_id: int, clock: str) -> str:
        opening = f'<Appointments SyncMode="{mode}">' if mode else "<Appointments>"
        return (
            f'{opening}<a tablename="T" id="{mis_id}" resource_id="369" '
            f'ReceptionDateTime="01.07.2030 {clock}" Duration="30"/></Appointments>'
        )

    body = section(first, 1, "09:00") + section(second, 2, "10:00")
    parsed = parse_document(document(body))
    result = imported(post_xml, RESOURCE + body)

    assert (parsed.appointments.mode, len(parsed.appointments.items)) == (mode, 2)
    [summary] = result.iter("Appointments")
    assert summary.attrib == {"mode": mode, "created": "2", "updated": "0", "deleted": "0"}
    assert sorted(stored(Appointment, clinic, "mis_id")) == [1, 2]


ROTTEN = (
    '<Resources><r id="x" name="" time_step="0"/></Resources>'
    "<Appointments SyncMode='partial'/>"
    "<Orders><o id='y' status='9'/></Orders>"
)
DECLARATION = '<?xml version="1.0"?>\n'


@pytest.mark.parametrize(
    "data",
    [
        f"{DECLARATION}<ImportResult>{ROTTEN}</ImportResult>".encode(),
        f"{DECLARATION}<!DOCTYPE MediExchange>\n<MediExchange>{ROTTEN}</MediExchange>".encode(),
    ],
    ids=["wrong-root", "doctype"],
)
def test_it_reads_nothing_past_a_refused_root(clinic, post_xml, data):
    parsed = parse_document(data)
    response, result = post_xml(data)

    assert len(parsed.errors) == 1
    assert response.status_code == 400
    assert len(list(result.iter("Error"))) == 1
