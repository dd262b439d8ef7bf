"""Reading fails safe: a record that could invent free time refuses the document (400,
nothing written); any other unreadable record is skipped with a located, coded warning."""

from __future__ import annotations

from datetime import date

import pytest

from exchange.models import ImportRecord, Order, Resource, ResourceGroup, Schedule
from exchange.views import import_dates
from tests.exchange.conftest import document
from tests.exchange.snapshots import clinic_state
from tests.factories import local, make_order, make_resource

# Valid sections that would wipe most of the sample's data if anything were applied.
WIPE = "<ResourceGroups/>\n<Schedules/>\n<Resources/>\n"
# The line of `document(WIPE + case)` that holds a one-line case.
CASE_LINE = "6"


def schedule(time_rules: str, date: str = "01.07.2010", resource_id: str = "393") -> str:
    return (
        f'<Schedules><s id="1" date="{date}" resource_id="{resource_id}">{time_rules}</s>'
        "</Schedules>"
    )


def appointment(
    resource_id: str = "393", duration: str = "30", at: str = "01.07.2010 10:00", extra: str = ""
) -> str:
    return (
        f'<Appointments><a tablename="SchedEvent" id="9" resource_id="{resource_id}" '
        f'ReceptionDateTime="{at}" Duration="{duration}"{extra}/></Appointments>'
    )


WORK = '<time_rules w_start="8:00" w_end="17:00"/>'


@pytest.fixture
def imported(clinic, sample_xml, post_xml) -> Order:
    """The sample imported, and an order on one of its resources: state to lose."""
    response, _ = post_xml(sample_xml)
    assert response.status_code == 200
    return make_order(Resource.objects.get(clinic=clinic, mis_id=369))


def problems_of(result, name: str) -> list[tuple[str | None, ...]]:
    return [
        (e.get("line"), e.get("element"), e.get("attribute"), e.get("code"))
        for e in result.iter(name)
    ]


@pytest.mark.parametrize(
    ("case", "element", "attribute", "code"),
    [
        pytest.param(
            appointment(resource_id="x"), "a", "resource_id", "bad_integer", id="resource_id-x"
        ),
        pytest.param(
            appointment(duration="-15"), "a", "Duration", "bad_minutes", id="Duration--15"
        ),
        pytest.param(
            appointment(duration="44641"), "a", "Duration", "bad_minutes", id="Duration-too-long"
        ),
        pytest.param(
            appointment(at="31.02.2010 10:00"),
            "a",
            "ReceptionDateTime",
            "bad_datetime",
            id="no-such-day",
        ),
        pytest.param(
            appointment(at="01.07.2010 24:00"), "a", "ReceptionDateTime", "bad_datetime", id="24:00"
        ),
        pytest.param(
            appointment(at="01.01.0001 00:00:00"),
            "a",
            "ReceptionDateTime",
            "out_of_range",
            id="dotnet-min-value",
        ),
        pytest.param(
            appointment(at="31.12.9999 23:59:59"),
            "a",
            "ReceptionDateTime",
            "out_of_range",
            id="year-9999",
        ),
        pytest.param(
            appointment(at="31.12.1999 23:59"),
            "a",
            "ReceptionDateTime",
            "out_of_range",
            id="before-2000",
        ),
        pytest.param(
            appointment(at="01.07.2099 10:00"),
            "a",
            "ReceptionDateTime",
            "out_of_range",
            id="beyond-the-years-ahead",
        ),
        pytest.param(
            appointment(extra=' ID="10"'),
            "a",
            "id, ID",
            "conflicting_spellings",
            id="two-spellings",
        ),
        pytest.param(
            '<Appointments><a tablename="T" id="1" resource_id="393" '
            'ReceptionDateTime="01.07.2010 10:00" Duration="30"/>'
            '<a tablename="T" id="1" resource_id="393" '
            'ReceptionDateTime="01.07.2010 11:00" Duration="30"/></Appointments>',
            "a",
            "id",
            "duplicate_id",
            id="one-key-two-appointments",
        ),
        pytest.param(
            '<Appointments SyncMode="partial"/>',
            "Appointments",
            "SyncMode",
            "unknown_sync_mode",
            id="SyncMode",
        ),
        pytest.param(
            '<Appointments SyncMode="full"/><Appointments SyncMode="diff"/>',
            "Appointments",
            "SyncMode",
            "sync_mode_mix",
            id="SyncMode-mix",
        ),
        pytest.param(
            '<ResourceGroups><rg id="1" ID="2" name="Врачи"/></ResourceGroups>',
            "rg",
            "id, ID",
            "conflicting_spellings",
            id="group-two-ids",
        ),
    ],
)
def test_it_refuses_what_could_invent_free_time_and_writes_nothing(
    clinic, imported, post_xml, case, element, attribute, code
):
    before = clinic_state(clinic)

    response, result = post_xml(document(WIPE + case))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/xml")
    assert (result.tag, result.get("status")) == ("ImportResult", "error")
    assert problems_of(result, "Error") == [(CASE_LINE, element, attribute, code)]
    assert result.find("Error").text
    assert clinic_state(clinic) == before


@pytest.mark.parametrize(
    ("case", "element", "attribute", "code"),
    [
        pytest.param(schedule(WORK, "31.02.2010"), "s", "date", "bad_date", id="no-such-day"),
        pytest.param(schedule(WORK, "2010-07-01"), "s", "date", "bad_date", id="iso-date"),
        pytest.param(schedule(WORK, "31.12.1999"), "s", "date", "out_of_range", id="before-2000"),
        pytest.param(schedule(WORK, "31.12.9999"), "s", "date", "out_of_range", id="year-9999"),
        pytest.param(
            schedule(WORK, resource_id="x"), "s", "resource_id", "bad_integer", id="resource_id-x"
        ),
        pytest.param(schedule(""), "s", None, "no_time_rules", id="no-time_rules"),
        pytest.param(
            schedule('<time_rules w_startTime="17:00" w_endTime="8:00"/>'),
            "time_rules", "w_endTime", "end_before_start", id="end-before-start",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00" b_start="13:00"/>'),
            "time_rules", "b_end", "break_incomplete", id="break-without-end",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00" b_end="14:00" b_start=""/>'),
            "time_rules", "b_start", "break_incomplete", id="break-without-start",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00" b_start="14:00" b_end="13:00"/>'),
            "time_rules", "b_end", "end_before_start", id="break-ends-before-it-starts",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00" b_start="7:00" b_end="9:00"/>'),
            "time_rules", "b_start", "break_outside_hours", id="break-before-work",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00" b_start="16:30" b_end="18:00"/>'),
            "time_rules", "b_start", "break_outside_hours", id="break-after-work",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:61"/>'),
            "time_rules", "w_end", "bad_time", id="bad-time",
        ),
        pytest.param(
            '<ResourceGroups><rg id="abc" name="Врачи"/></ResourceGroups>', "rg", "id",
            "bad_integer", id="group-id-abc",
        ),
        pytest.param(
            '<ResourceGroups><rg id="1" name="А"/><rg id="1" name="Б"/></ResourceGroups>',
            "rg", "id", "duplicate_id", id="duplicate-id-on-one-line",
        ),
        pytest.param(
            '<Resources><r id="1.5" name="Баева" time_step="30"/></Resources>', "r", "id",
            "bad_integer", id="resource-id-1.5",
        ),
        pytest.param(
            '<Resources><r id="1" name=" " time_step="30"/></Resources>', "r", "name",
            "required", id="resource-name-blank",
        ),
        *(
            pytest.param(
                f'<Resources><r id="393" name="Баева" time_step="{step}"/></Resources>',
                "r", "time_step", "bad_minutes", id=f"time_step-{step}",
            )
            for step in ("0", "-30", "abc", "7.5", "1441")
        ),
        pytest.param(appointment(duration="0"), "a", "Duration", "zero_duration", id="Duration-0"),
    ],
)  # fmt: skip
def test_it_skips_an_unreadable_record_with_a_located_warning(
    clinic, imported, post_xml, case, element, attribute, code
):
    response, result = post_xml(document("\n\n\n" + case))

    assert response.status_code == 200, response.content.decode()
    assert result.get("status") == "ok"
    assert problems_of(result, "Warning") == [(CASE_LINE, element, attribute, code)]
    assert result.find("Warning").text


def test_it_writes_the_rest_of_the_document_around_a_skipped_record(clinic, post_xml):
    body = """<ResourceGroups>
  <rg id="1" name="Врачи"/>
  <rg id="x" name="Сёстры"/>
</ResourceGroups>
<Resources>
  <r id="10" name="Баева" time_step="30" group_id="1"/>
  <r id="11" name="Баранов" time_step="0"/>
</Resources>
<Schedules>
  <s id="1" date="01.07.2010" resource_id="10"><time_rules w_start="8:00" w_end="12:00"/></s>
  <s id="2" date="01.07.2010" resource_id="10">
    <time_rules w_start="13:00" w_end="12:00"/>
    <time_rules w_start="14:00" w_end="16:00"/>
  </s>
</Schedules>"""

    response, result = post_xml(document(body))

    assert response.status_code == 200
    assert problems_of(result, "Warning") == [
        ("5", "rg", "id", "bad_integer"),
        ("9", "r", "time_step", "bad_minutes"),
        ("14", "time_rules", "w_end", "end_before_start"),
    ]
    assert list(ResourceGroup.objects.filter(clinic=clinic).values_list("mis_id", flat=True)) == [1]
    assert list(Resource.objects.filter(clinic=clinic).values_list("mis_id", flat=True)) == [10]
    hours = Schedule.objects.filter(clinic=clinic).order_by("starts_at")
    assert [(s.starts_at, s.ends_at) for s in hours] == [
        (local(clinic, "01.07.2010 08:00"), local(clinic, "01.07.2010 12:00")),
        (local(clinic, "01.07.2010 14:00"), local(clinic, "01.07.2010 16:00")),
    ]


@pytest.mark.parametrize(
    ("time_rules", "expected"),
    [
        ('w_start="8:00" w_end="8:00"', []),
        ('w_start="0:00" w_end="0:00" b_start="0:00" b_end="0:00"', []),
        ('w_start="8:00" w_end="17:00" b_start="0:00" b_end="0:00"', [("08:00", "17:00", None)]),
        ('w_start="8:00" w_end="17:00" b_start="13:00" b_end="13:00"', [("08:00", "17:00", None)]),
        ('w_start="20:00" w_end="0:00"', [("20:00", "02.07 00:00", None)]),
        (
            'w_start="20:00" w_end="24:00" b_start="22:00" b_end="0:00"',
            [("20:00", "02.07 00:00", ("22:00", "02.07 00:00"))],
        ),
        ('w_start="0:00" w_end="24:00"', [("00:00", "02.07 00:00", None)]),
    ],
    ids=[
        "empty-day", "all-zero", "zero-break", "empty-break", "to-midnight", "break-to-midnight",
        "whole-day",
    ],
)  # fmt: skip
def test_it_reads_empty_intervals_and_midnight_ends_silently(
    clinic, imported, post_xml, time_rules, expected
):
    response, result = post_xml(document(schedule(f"<time_rules {time_rules}/>")))

    assert response.status_code == 200
    assert problems_of(result, "Warning") == []

    def wall(moment) -> str | None:
        text = moment.astimezone(clinic.tzinfo).strftime("%d.%m %H:%M")
        return text.removeprefix("01.07 ")

    stored = Schedule.objects.filter(clinic=clinic).order_by("starts_at")
    assert [
        (
            wall(s.starts_at),
            wall(s.ends_at),
            None if s.break_starts_at is None else (wall(s.break_starts_at), wall(s.break_ends_at)),
        )
        for s in stored
    ] == expected


def test_it_counts_a_record_given_twice_alike_once(clinic, post_xml):
    rg = '<rg id="1" name="Врачи"/>'
    r = '<r id="10" name="Баева" time_step="30"/>'
    s = f'<s id="1" date="01.07.2010" resource_id="10">{WORK}{WORK}</s>'
    a = (
        '<a tablename="T" id="1" resource_id="10" ReceptionDateTime="01.07.2010 09:00" '
        'Duration="30"/>'
    )
    body = (
        f"<ResourceGroups>{rg}{rg}</ResourceGroups><Resources>{r}{r}</Resources>"
        f"<Schedules>{s}{s}</Schedules><Appointments>{a}{a}</Appointments>"
    )

    response, result = post_xml(document(body))

    assert response.status_code == 200
    assert problems_of(result, "Warning") == []
    assert result.find("ResourceGroups").get("total") == "1"
    assert result.find("Resources").get("total") == "1"
    assert result.find("Schedules").get("total") == "1"
    assert result.find("Appointments").get("created") == "1"
    assert Schedule.objects.filter(clinic=clinic).count() == 1


def test_it_lists_every_error_with_its_line_and_code(clinic, imported, post_xml):
    before = clinic_state(clinic)
    body = """<Appointments SyncMode="partial">
</Appointments>
<Appointments>
  <a tablename="T" id="x" resource_id="393"
     ReceptionDateTime="01.07.2010 10:00" Duration="30"/>
  <a tablename="T" id="2" resource_id="393" ReceptionDateTime="01.07.2010 10:00"
     Duration="-5"/>
  <a tablename="T" id="3" resource_id="393" ReceptionDateTime="01.07.2010"
     Duration="30"/>
  <a tablename="T" id="4" resource_id="393" ReceptionDateTime="01.07.2010 10:00"
     Duration="0"/>
</Appointments>
<Resources>
  <r id="1" name="Баева"
     time_step="0"/>
</Resources>"""

    response, result = post_xml(document(body))

    assert response.status_code == 400
    # Warnings are not part of a refusal: only what refuses the document is listed.
    assert problems_of(result, "Error") == [
        ("3", "Appointments", "SyncMode", "unknown_sync_mode"),
        ("6", "a", "id", "bad_integer"),
        ("8", "a", "Duration", "bad_minutes"),
        ("10", "a", "ReceptionDateTime", "bad_datetime"),
    ]
    assert problems_of(result, "Warning") == []
    assert clinic_state(clinic) == before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            b'<?xml version="1.0"?>\n'
            b'<ImportResult ClientKey="9DDDE578-5179-4CC4-A2A0-F681618ED9EA">'
            b"<Resources/></ImportResult>",
            "wrong_root",
        ),
        (document("<Resources/>").replace(b"MediExchange", b"Medi"), "wrong_root"),
    ],
    ids=["another-root", "misspelled-root"],
)
def test_it_rejects_a_wrong_root_element(clinic, imported, post_xml, data, code):
    before = clinic_state(clinic)

    response, result = post_xml(data)

    assert response.status_code == 400
    assert result.get("status") == "error"
    [error] = result.iter("Error")
    assert error.text == "the root element must be MediExchange"
    assert (error.get("line"), error.get("code")) == ("2", code)
    assert error.get("element") == data.split(b"<")[2].split()[0].decode()  # as spelled
    assert clinic_state(clinic) == before


def test_it_journals_a_rejected_document_with_its_errors(clinic, imported, post_xml):
    body = appointment(duration="-15", at="31.02.2010 10:00")

    post_xml(document(WIPE + body))

    record = ImportRecord.objects.filter(clinic=clinic).latest("received_at")
    assert record.outcome == ImportRecord.Outcome.REJECTED
    assert record.counts == {"errors": 2}
    assert record.errors == [
        {
            "line": 6,
            "element": "a",
            "attribute": "ReceptionDateTime",
            "message": "not a date-time DD.MM.YYYY HH:MM:SS: '31.02.2010 10:00'",
        },
        {
            "line": 6,
            "element": "a",
            "attribute": "Duration",
            "message": "not a positive number of minutes up to 44640: '-15'",
        },
    ]


# --- The window of dates ----------------------------------------------------------------


def test_it_reads_no_date_before_the_configured_earliest(settings, clinic, post_xml):
    settings.IMPORT_EARLIEST_DATE = date(2010, 7, 2)
    make_resource(clinic, mis_id=393)
    body = "<Schedules>\n" + "\n".join(
        f'<s id="{day}" date="0{day}.07.2010" resource_id="393">{WORK}</s>' for day in (1, 2)
    )

    response, result = post_xml(document(body + "\n</Schedules>"))

    assert response.status_code == 200
    assert problems_of(result, "Warning") == [("4", "s", "date", "out_of_range")]
    assert "02.07.2010 to " in result.find("Warning").text
    assert Schedule.objects.get(clinic=clinic).date == date(2010, 7, 2)


@pytest.mark.parametrize(
    ("today", "years", "last"),
    [
        (date(2026, 11, 25), 5, date(2031, 11, 25)),
        (date(2028, 2, 29), 5, date(2033, 2, 28)),
        (date(2028, 2, 29), 4, date(2032, 2, 29)),
        (date(2026, 11, 25), 0, date(2026, 11, 25)),
        (date(2026, 11, 25), 500, date(2099, 12, 31)),
    ],
)
def test_it_reads_dates_up_to_years_ahead_of_the_clinics_today(
    settings, clinic, monkeypatch, today, years, last
):
    settings.IMPORT_YEARS_AHEAD = years
    asked = []
    monkeypatch.setattr(
        "exchange.views.timezone.localdate", lambda timezone: asked.append(timezone) or today
    )

    assert import_dates(clinic) == (date(2000, 1, 1), last)
    assert asked == [clinic.tzinfo]


# --- Waiting for the importer: what it does with what the parser could not read ---------


def test_it_lists_an_unreadable_order_change_as_a_conflict_and_applies_the_rest(
    clinic, imported, post_xml
):
    other = make_order(imported.resource, starts_at=imported.ends_at)
    body = (
        f'<Orders>\n<o id="{imported.pk}" status="4"/>\n<o id="{other.pk}" status="1"/>\n</Orders>'
    )

    response, result = post_xml(document(body))

    assert response.status_code == 200
    assert problems_of(result, "Conflict") == [("4", "o", "status", "bad_status")]
    assert result.find("Conflict").get("id") == str(imported.pk)
    imported.refresh_from_db()
    other.refresh_from_db()
    assert (imported.status, other.status) == (Order.Status.RECEIVED, Order.Status.ACCEPTED)


def test_it_keeps_a_resource_it_cannot_read_as_it_was(clinic, imported, sample_xml, post_xml):
    before = Resource.objects.get(clinic=clinic, mis_id=393)
    broken = sample_xml.replace('<r id="393" name="Баева"'.encode(), b'<r id="393" name=""')
    assert broken != sample_xml

    response, result = post_xml(broken)

    assert response.status_code == 200
    assert ("17", "r", "name", "required") in problems_of(result, "Warning")
    after = Resource.objects.get(clinic=clinic, mis_id=393)
    assert (after.pk, after.name, after.is_retired) == (before.pk, before.name, False)
    assert result.find("Resources").get("retired") == "0"


def test_it_keeps_a_group_it_cannot_read_as_it_was(clinic, imported, sample_xml, post_xml):
    broken = sample_xml.replace(
        '<rg id="7" name="Врач-гастроэнтеролог"'.encode(), b'<rg id="7" name=""'
    )
    assert broken != sample_xml

    response, result = post_xml(broken)

    assert response.status_code == 200
    assert ("10", "rg", "name", "required") in problems_of(result, "Warning")
    group = ResourceGroup.objects.get(clinic=clinic, mis_id=7)
    assert Resource.objects.get(clinic=clinic, mis_id=391).group == group
