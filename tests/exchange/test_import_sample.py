"""The source document's own sample imports exactly, and importing it again changes nothing."""

from exchange.models import Appointment, ImportRecord, Resource, ResourceGroup, Schedule
from tests.exchange.snapshots import clinic_state


def test_it_imports_the_sample_with_exact_counts_and_warnings(clinic, sample_xml, post_xml):
    response, result = post_xml(sample_xml)

    assert response.status_code == 200
    assert result.get("status") == "ok"
    assert result.find("ResourceGroups").attrib == {"total": "11"}
    assert result.find("Resources").attrib == {
        "total": "70", "created": "70", "updated": "0", "retired": "0"
    }  # fmt: skip
    assert result.find("Schedules").attrib == {"total": "27"}
    assert result.find("Appointments").attrib == {
        "mode": "full", "created": "1", "updated": "0", "deleted": "0"
    }  # fmt: skip
    assert result.find("Orders").attrib == {"updated": "0", "conflicts": "0"}
    warnings = result.iter("Warning")
    assert [(w.get("line"), w.get("element"), w.get("id"), w.text) for w in warnings] == [
        ("204", "o", "1", "unknown order"),
        ("210", "o", "2", "unknown order"),
    ]
    assert ResourceGroup.objects.filter(clinic=clinic).count() == 11
    assert Resource.objects.filter(clinic=clinic, is_retired=False).count() == 70
    assert Schedule.objects.filter(clinic=clinic).count() == 27
    assert Appointment.objects.get(clinic=clinic).title == "Печеркина М.И. - повторный прием"


def test_it_keeps_the_sample_details(clinic, sample_xml, post_xml):
    post_xml(sample_xml)

    pool = Resource.objects.get(clinic=clinic, mis_id=-2013)
    assert (pool.name, pool.group.mis_id, pool.group.name, pool.pos) == (
        "Бассейн", -99999, "Кабинеты", 1
    )  # fmt: skip
    assert Resource.objects.get(clinic=clinic, mis_id=393).group is None
    first = Schedule.objects.get(clinic=clinic, resource__mis_id=393, date="2010-07-01")
    local = clinic.tzinfo
    assert first.starts_at.astimezone(local).strftime("%H:%M") == "07:00"
    assert first.ends_at.astimezone(local).strftime("%H:%M") == "18:00"
    assert first.break_starts_at.astimezone(local).strftime("%H:%M") == "13:00"
    assert first.break_ends_at.astimezone(local).strftime("%H:%M") == "14:00"
    no_break = Schedule.objects.get(clinic=clinic, resource__mis_id=422, date="2010-07-02")
    assert no_break.break_starts_at is None


def test_it_changes_nothing_when_the_sample_comes_again(clinic, sample_xml, post_xml):
    post_xml(sample_xml)
    before = clinic_state(clinic)

    response, result = post_xml(sample_xml)

    assert response.status_code == 200
    assert result.find("Resources").attrib == {
        "total": "70", "created": "0", "updated": "0", "retired": "0"
    }  # fmt: skip
    assert result.find("Appointments").attrib == {
        "mode": "full", "created": "0", "updated": "0", "deleted": "0"
    }  # fmt: skip
    assert clinic_state(clinic) == before


def test_it_journals_each_import(clinic, sample_xml, post_xml):
    post_xml(sample_xml)

    record = ImportRecord.objects.get(clinic=clinic)
    assert record.outcome == ImportRecord.Outcome.APPLIED
    assert record.size == len(sample_xml)
    assert record.counts["resources"]["created"] == 70
    assert record.counts["warnings"] == 2
