"""A document with a bad value is rejected whole: 400, every problem located, nothing written."""

from __future__ import annotations

import pytest
from lxml import etree

from exchange.models import ImportRecord, Order, Resource
from tests.exchange.conftest import document
from tests.exchange.snapshots import clinic_state
from tests.factories import make_order

# Valid sections that would wipe most of the sample's data if anything were applied.
WIPE = "<ResourceGroups/>\n<Schedules/>\n<Resources/>\n"
# The line of `document(WIPE + case)` that holds a one-line case.
CASE_LINE = "6"


def schedule(time_rules: str, date: str = "01.07.2010") -> str:
    return f'<Schedules><s id="1" date="{date}" resource_id="393">{time_rules}</s></Schedules>'


def appointment(resource_id: str = "393", duration: str = "30") -> str:
    return (
        f'<Appointments><a tablename="SchedEvent" id="9" resource_id="{resource_id}" '
        f'ReceptionDateTime="01.07.2010 10:00" Duration="{duration}"/></Appointments>'
    )


@pytest.fixture
def imported(clinic, sample_xml, post_xml) -> Order:
    """The sample imported, and an order on one of its resources: state to lose."""
    response, _ = post_xml(sample_xml)
    assert response.status_code == 200
    return make_order(Resource.objects.get(clinic=clinic, mis_id=369))


def errors_of(result) -> list[tuple[str | None, ...]]:
    return [(e.get("line"), e.get("element"), e.get("attribute")) for e in result.iter("Error")]


@pytest.mark.parametrize(
    ("case", "element", "attribute"),
    [
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00"/>', "31.02.2010"), "s", "date",
            id="no-such-day",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00"/>', "2010-07-01"), "s", "date",
            id="iso-date",
        ),
        pytest.param(
            schedule('<time_rules w_startTime="17:00" w_endTime="8:00"/>'),
            "time_rules", "w_endTime", id="end-before-start",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="8:00"/>'), "time_rules", "w_end",
            id="end-at-start",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00" b_start="13:00"/>'),
            "time_rules", "b_end", id="break-without-end",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00" b_end="14:00" b_start=""/>'),
            "time_rules", "b_start", id="break-without-start",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00" b_start="7:00" b_end="9:00"/>'),
            "time_rules", "b_start", id="break-before-work",
        ),
        pytest.param(
            schedule('<time_rules w_start="8:00" w_end="17:00" b_start="16:30" b_end="18:00"/>'),
            "time_rules", "b_start", id="break-after-work",
        ),
        pytest.param(
            '<ResourceGroups><rg id="abc" name="Врачи"/></ResourceGroups>', "rg", "id",
            id="group-id-abc",
        ),
        pytest.param(
            '<Resources><r id="1.5" name="Баева" time_step="30"/></Resources>', "r", "id",
            id="resource-id-1.5",
        ),
        pytest.param(appointment(resource_id="x"), "a", "resource_id", id="resource_id-x"),
        pytest.param(
            '<ResourceGroups><rg id="1" name="А"/><rg id="1" name="Б"/></ResourceGroups>',
            "rg", "id", id="duplicate-id-on-one-line",
        ),
        *(
            pytest.param(
                f'<Resources><r id="393" name="Баева" time_step="{step}"/></Resources>',
                "r", "time_step", id=f"time_step-{step}",
            )
            for step in ("0", "-30", "abc", "7.5")
        ),
        *(
            pytest.param(appointment(duration=duration), "a", "Duration", id=f"Duration-{duration}")
            for duration in ("0", "-15")
        ),
        pytest.param(
            '<Orders><o id="{order}" duration="0"/></Orders>', "o", "duration",
            id="order-duration-0",
        ),
        pytest.param(
            '<Appointments SyncMode="partial"/>', "Appointments", "SyncMode", id="SyncMode"
        ),
        pytest.param('<Orders><o id="{order}" status="5"/></Orders>', "o", "status", id="status-5"),
        pytest.param('<Orders><o id="{order}" status="2"/></Orders>', "o", "status", id="status-2"),
    ],
)  # fmt: skip
def test_it_rejects_a_bad_value_and_writes_nothing(
    clinic, imported, post_xml, case, element, attribute
):
    before = clinic_state(clinic)

    response, result = post_xml(document(WIPE + case.replace("{order}", str(imported.pk))))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/xml")
    assert result.tag == "ImportResult"
    assert result.get("status") == "error"
    assert errors_of(result) == [(CASE_LINE, element, attribute)]
    assert result.find("Error").text
    assert clinic_state(clinic) == before


def test_it_lists_every_error_with_its_line(clinic, imported, post_xml):
    before = clinic_state(clinic)
    body = f"""<ResourceGroups>
  <rg id="abc" name="Врачи"/>
</ResourceGroups>
<Resources>
  <r id="1" name="Баева"
     time_step="0"/>
  <r id="2" name="Баранов" time_step="30" group_id="x"/>
</Resources>
<Schedules>
  <s id="1" date="31.02.2010" resource_id="393">
    <time_rules w_startTime="17:00"
                w_endTime="8:00"/>
  </s>
</Schedules>
<Appointments SyncMode="partial">
</Appointments>
<Orders>
  <o id="{imported.pk}" status="2"/>
  <o id="{imported.pk + 1}" Status="1"
     LastChangedOn="yesterday"/>
</Orders>"""

    response, result = post_xml(document(body))

    assert response.status_code == 400
    assert errors_of(result) == [
        ("4", "rg", "id"),
        ("7", "r", "time_step"),
        ("9", "r", "group_id"),
        ("13", "time_rules", "w_endTime"),
        ("12", "s", "date"),
        ("17", "Appointments", "SyncMode"),
        ("20", "o", "status"),
        ("21", "o", "LastChangedOn"),
    ]
    assert clinic_state(clinic) == before


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?>\n<ImportResult ClientKey="9DDDE578-5179-4CC4-A2A0-F681618ED9EA">'
        b"<Resources/></ImportResult>",
        document("<Resources/>").replace(b"MediExchange", b"Medi"),
    ],
    ids=["another-root", "misspelled-root"],
)
def test_it_rejects_a_wrong_root_element(clinic, imported, post_xml, data):
    before = clinic_state(clinic)

    response, result = post_xml(data)

    assert response.status_code == 400
    assert result.get("status") == "error"
    [error] = result.iter("Error")
    assert error.text == "the root element must be MediExchange"
    assert error.get("element") == etree.fromstring(data).tag  # as the document spells it
    assert clinic_state(clinic) == before


def test_it_journals_a_rejected_document_with_its_errors(clinic, imported, post_xml):
    body = schedule('<time_rules w_start="17:00" w_end="8:00"/>', "31.02.2010")

    post_xml(document(WIPE + body))

    record = ImportRecord.objects.filter(clinic=clinic).latest("received_at")
    assert record.outcome == ImportRecord.Outcome.REJECTED
    assert record.counts == {"errors": 2}
    assert record.errors == [
        {
            "line": 6,
            "element": "time_rules",
            "attribute": "w_end",
            "message": "w_end must be after w_start",
        },
        {
            "line": 6,
            "element": "s",
            "attribute": "date",
            "message": "not a date DD.MM.YYYY: '31.02.2010'",
        },
    ]
