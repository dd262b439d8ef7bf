"""The hourly full sync of a clinic whose MIS changed nothing writes nothing, and is never
fooled into skipping what did change."""

from __future__ import annotations

import pytest

from exchange.models import Appointment
from tests.conftest import OTHER_KEY
from tests.exchange.conftest import document
from tests.factories import make_resource

pytestmark = pytest.mark.django_db

FULL = """<Appointments SyncMode="full">
  <a tablename="T" id="1" resource_id="369" ReceptionDateTime="01.07.2030 10:00" Duration="30"/>
  <a tablename="T" id="2" resource_id="369" ReceptionDateTime="01.07.2030 11:00" Duration="30"/>
</Appointments>"""
DIFF = """<Appointments SyncMode="diff">
  <a tablename="T" id="2" resource_id="369" ReceptionDateTime="02.07.2030 11:00" Duration="30"/>
</Appointments>"""


@pytest.fixture
def resource(clinic):
    return make_resource(clinic)


def counts(post_xml, body: str, key: str | None = None) -> dict[str, str]:
    response, root = post_xml(document(body) if key is None else document(body, key))
    assert response.status_code == 200, response.content
    return dict(root.find("Appointments").attrib)


def state() -> list[tuple]:
    return list(Appointment.objects.order_by("mis_id").values_list("mis_id", "starts_at"))


def test_the_same_full_section_again_compares_nothing_and_writes_nothing(
    resource, post_xml, monkeypatch
):
    counts(post_xml, FULL)
    before = state()

    def no_comparison(*args, **kwargs):
        raise AssertionError("the unchanged section was compared row by row")

    monkeypatch.setattr("exchange.importing.appointments.merge_by_key", no_comparison)
    monkeypatch.setattr("exchange.importing.appointments.diff_appointments", no_comparison)

    assert counts(post_xml, FULL) == {
        "mode": "full",
        "created": "0",
        "updated": "0",
        "deleted": "0",
    }
    assert state() == before


def test_a_full_sync_after_a_diff_restores_what_the_diff_changed(resource, post_xml):
    counts(post_xml, FULL)
    original = state()
    counts(post_xml, DIFF)
    assert state() != original

    assert counts(post_xml, FULL)["updated"] == "1"
    assert state() == original


def test_a_full_sync_of_just_what_a_diff_sent_still_removes_the_rest(resource, post_xml):
    counts(post_xml, FULL)
    counts(post_xml, DIFF)

    only_the_diffs = DIFF.replace('SyncMode="diff"', 'SyncMode="full"')

    assert counts(post_xml, only_the_diffs)["deleted"] == "1"
    assert [mis_id for mis_id, _ in state()] == [2]


def test_a_full_sync_brings_back_what_a_smaller_one_removed(resource, post_xml):
    counts(post_xml, FULL)
    original = state()
    smaller = FULL.replace(FULL.splitlines()[2] + "\n", "")
    assert counts(post_xml, smaller) == {
        "mode": "full",
        "created": "0",
        "updated": "0",
        "deleted": "1",
    }

    assert counts(post_xml, FULL)["created"] == "1"
    assert state() == original


def test_a_full_sync_reapplies_after_the_resources_change(clinic, resource, post_xml):
    counts(post_xml, FULL)
    # The MIS now sends the same appointments for a doctor the portal did not know.
    make_resource(clinic, mis_id=370)
    moved = FULL.replace('resource_id="369"', 'resource_id="370"')

    assert counts(post_xml, moved)["updated"] == "2"
    assert counts(post_xml, FULL)["updated"] == "2"


SCHEDULES = """<Schedules>
  <s date="01.07.2030" resource_id="369"><time_rules w_start="9:00" w_end="12:00"/></s>
</Schedules>"""


def test_the_same_schedules_again_are_recognized_and_others_still_replace_them(
    resource, post_xml, monkeypatch
):
    post_xml(document(SCHEDULES))
    later = SCHEDULES.replace("12:00", "13:00")

    def no_writes(*args, **kwargs):
        raise AssertionError("unchanged schedules were written")

    with monkeypatch.context() as patched:
        patched.setattr("exchange.importing.schedules.bulk_insert", no_writes)
        patched.setattr("exchange.importing.schedules.bulk_delete", no_writes)
        assert post_xml(document(SCHEDULES))[0].status_code == 200
    post_xml(document(later))

    [stored] = resource.schedules.all()
    assert stored.ends_at.astimezone(resource.clinic.tzinfo).hour == 13


EMPTY = '<Appointments SyncMode="full"></Appointments>'


def test_another_clinics_equal_section_is_not_taken_for_this_clinics(
    resource, other_clinic, post_xml
):
    counts(post_xml, FULL)
    counts(post_xml, EMPTY, key=OTHER_KEY)

    assert counts(post_xml, EMPTY)["deleted"] == "2"
    assert state() == []


def test_another_clinics_diff_does_not_make_this_clinic_compare_again(
    resource, other_clinic, post_xml, monkeypatch
):
    make_resource(other_clinic)
    counts(post_xml, FULL)
    counts(post_xml, FULL, key=OTHER_KEY)
    counts(post_xml, DIFF, key=OTHER_KEY)

    def no_comparison(*args, **kwargs):
        raise AssertionError("the unchanged section was compared row by row")

    monkeypatch.setattr("exchange.importing.appointments.merge_by_key", no_comparison)
    monkeypatch.setattr("exchange.importing.appointments.diff_appointments", no_comparison)

    assert counts(post_xml, FULL)["updated"] == "0"


def test_a_diff_of_appointments_leaves_the_schedules_recognized(resource, post_xml, monkeypatch):
    post_xml(document(SCHEDULES))
    counts(post_xml, FULL)
    assert counts(post_xml, DIFF)["updated"] == "1"

    def no_writes(*args, **kwargs):
        raise AssertionError("unchanged schedules were written")

    monkeypatch.setattr("exchange.importing.schedules.bulk_insert", no_writes)
    monkeypatch.setattr("exchange.importing.schedules.bulk_delete", no_writes)

    assert post_xml(document(SCHEDULES))[0].status_code == 200
