"""What the MIS owns and the import journal are read-only; resources made on the portal are not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import html

from exchange.models import Appointment, ImportRecord, Resource, Schedule
from tests.factories import make_group, make_resource

WHEN = datetime(2030, 7, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
def mis_data(clinic):
    group = make_group(clinic)
    resource = make_resource(clinic, group=group)
    schedule = Schedule.objects.create(
        clinic=clinic,
        resource=resource,
        date=date(2030, 7, 1),
        starts_at=WHEN,
        ends_at=WHEN + timedelta(hours=8),
    )
    appointment = Appointment.objects.create(
        clinic=clinic,
        resource=resource,
        table="visits",
        mis_id=7,
        starts_at=WHEN,
        ends_at=WHEN + timedelta(minutes=30),
    )
    return {
        "resourcegroup": group,
        "resource": resource,
        "schedule": schedule,
        "appointment": appointment,
    }


@pytest.fixture
def journal_entry(clinic) -> ImportRecord:
    return ImportRecord.objects.create(
        clinic=clinic,
        received_at=WHEN,
        size=2048,
        outcome=ImportRecord.Outcome.REJECTED,
        counts={"errors": 2},
        errors=[
            {"line": 12, "element": "s", "attribute": "date", "message": "not a date: '31.02'"},
            {"line": 40, "element": "a", "attribute": "Duration", "message": "not a duration"},
        ],
        duration_ms=7,
    )


def controls(page: str) -> set[str]:
    """The page's ways to change something: save buttons, add and delete links."""
    [main] = html.fromstring(page).xpath("//div[@id='content-main']")
    found = {e.get("name") for e in main.xpath(".//input[@type='submit']")}
    found |= {e.get("class") for e in main.xpath(".//a[@class='addlink' or @class='deletelink']")}
    found.discard(None)
    return found


@pytest.mark.parametrize("model", ["resourcegroup", "resource", "schedule", "appointment"])
def test_it_shows_what_the_mis_owns_and_allows_no_change(admin_client, mis_data, model):
    obj = mis_data[model]
    base = f"/admin/exchange/{model}/"
    page = admin_client.get(f"{base}{obj.pk}/change/")

    assert page.status_code == 200
    assert controls(page.content.decode()) == set()
    assert admin_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    type(obj).objects.get(pk=obj.pk)  # still there
    if model != "resource":  # resources made on the portal may be added
        assert admin_client.get(f"{base}add/").status_code == 403
        listing = html.fromstring(admin_client.get(base).content.decode())
        assert listing.xpath("//ul[@class='object-tools']//a[@class='addlink']") == []


def test_it_keeps_an_mis_resource_as_the_mis_sent_it(admin_client, mis_data):
    resource = mis_data["resource"]
    form = {"group": "", "name": "Переименован", "time_step": 15, "pos": 3}

    response = admin_client.post(f"/admin/exchange/resource/{resource.pk}/change/", form)

    assert response.status_code == 403
    assert Resource.objects.get(pk=resource.pk).name == "Нестеров О. П."


def test_it_adds_changes_and_deletes_a_resource_made_on_the_portal(admin_client, clinic):
    group = make_group(clinic)
    form = {"clinic": clinic.pk, "group": group.pk, "name": "Кабинет УЗИ", "time_step": 20}
    form |= {"pos": 0}

    added = admin_client.post("/admin/exchange/resource/add/", form)
    resource = Resource.objects.get(name="Кабинет УЗИ")
    page = admin_client.get(f"/admin/exchange/resource/{resource.pk}/change/").content.decode()
    changed = admin_client.post(
        f"/admin/exchange/resource/{resource.pk}/change/", form | {"time_step": 40}
    )

    assert added.status_code == changed.status_code == 302
    assert resource.mis_id is None
    assert {"_save", "deletelink"} <= controls(page)
    assert Resource.objects.get(pk=resource.pk).time_step == 40
    admin_client.post(f"/admin/exchange/resource/{resource.pk}/delete/", {"post": "yes"})
    assert not Resource.objects.filter(pk=resource.pk).exists()


def test_it_refuses_another_clinics_group_for_a_portal_resource(admin_client, clinic, other_clinic):
    foreign = make_group(other_clinic)
    form = {"clinic": clinic.pk, "group": foreign.pk, "name": "Кабинет УЗИ", "time_step": 20}

    response = admin_client.post("/admin/exchange/resource/add/", form | {"pos": 0})

    assert response.context["adminform"].form.errors["group"] == [
        "Эта группа принадлежит другой клинике."
    ]
    assert not Resource.objects.filter(name="Кабинет УЗИ").exists()


def test_it_refuses_to_delete_an_mis_resource_among_the_selected(admin_client, mis_data, clinic):
    portal_made = make_resource(clinic, mis_id=None, name="Кабинет УЗИ")
    selected = [portal_made.pk, mis_data["resource"].pk]
    form = {"action": "delete_selected", "_selected_action": selected, "post": "yes"}

    admin_client.post("/admin/exchange/resource/", form)

    assert Resource.objects.filter(pk__in=selected).count() == 2


def test_it_shows_the_journal_read_only_with_its_counts_and_errors(admin_client, journal_entry):
    response = admin_client.get(f"/admin/exchange/importrecord/{journal_entry.pk}/change/")
    page = html.fromstring(response.content.decode())

    assert response.status_code == 200
    assert controls(response.content.decode()) == set()
    rows = [
        [" ".join(cell.text_content().split()) for cell in row.xpath("td")]
        for row in page.xpath("//table[@class='exchange-table']//tr[td]")
    ]
    assert rows == [
        ["2"],
        ["12", "s", "date", "—", "not a date: '31.02'"],
        ["40", "a", "Duration", "—", "not a duration"],
    ]
    assert page.xpath("normalize-space(//table[@class='exchange-table']//th[@scope='row'])") == (
        "ошибки"
    )


def test_it_never_deletes_the_journal(admin_client, journal_entry):
    url = "/admin/exchange/importrecord/"
    listing = html.fromstring(admin_client.get(url).content.decode())

    assert listing.xpath("//select[@name='action']") == []
    assert admin_client.get(f"{url}{journal_entry.pk}/delete/").status_code == 403
    assert admin_client.post(f"{url}{journal_entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(f"{url}add/").status_code == 403
    form = {"action": "delete_selected", "_selected_action": [journal_entry.pk], "post": "yes"}
    admin_client.post(url, form)
    assert ImportRecord.objects.filter(pk=journal_entry.pk).exists()


def test_it_filters_the_journal_by_clinic_and_outcome(admin_client, journal_entry, other_clinic):
    ImportRecord.objects.create(
        clinic=other_clinic,
        received_at=WHEN,
        size=1,
        outcome=ImportRecord.Outcome.APPLIED,
        duration_ms=1,
    )
    url = "/admin/exchange/importrecord/"

    by_clinic = admin_client.get(url, {"clinic__id__exact": journal_entry.clinic_id})
    by_outcome = admin_client.get(url, {"outcome__exact": "rejected"})

    assert [list(r.context["cl"].result_list) for r in (by_clinic, by_outcome)] == [
        [journal_entry]
    ] * 2
