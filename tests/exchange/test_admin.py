"""The portal admin issues, replaces and revokes a clinic's key from the clinic's page."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from lxml import html

from exchange.keys import clinic_for_key, key_digest
from exchange.models import Clinic
from tests.conftest import OTHER_KEY, SAMPLE_KEY

KEY = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")


@pytest.fixture
def staff(client, django_user_model):
    """A staff user who may change clinics, and nothing more."""
    user = django_user_model.objects.create_user(
        email="operator@example.ru", password="pw-operator-1", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_clinic", "change_clinic"])
    )
    client.force_login(user)
    return client


def page_url(clinic: Clinic, action: str = "") -> str:
    return f"/admin/exchange/clinic/{clinic.pk}/" + (f"key/{action}/" if action else "change/")


def shown_key(response) -> str:
    """The key on the page that issued it: in the read-only field, whole and selectable."""
    [field] = html.fromstring(response.content.decode()).xpath("//input[@id='client-key']")
    assert field.get("readonly") is not None
    return field.get("value")


def buttons(response) -> list[str]:
    tree = html.fromstring(response.content.decode())
    controls = tree.xpath("//*[@class='module client-key']//*[self::a or self::button]")
    return [" ".join(control.text_content().split()) for control in controls]


def test_it_issues_a_key_to_a_clinic_without_one_and_shows_it_once(staff, db):
    clinic = Clinic.objects.create(name="Клиника на Садовой")
    assert buttons(staff.get(page_url(clinic))) == ["Выдать ключ"]

    response = staff.post(page_url(clinic, "issue"))

    key = shown_key(response)
    assert KEY.fullmatch(key)
    assert clinic_for_key(key) == clinic
    assert "no-store" in response.headers["Cache-Control"]
    assert b"exchange/copy.js" in response.content
    assert key not in staff.get(page_url(clinic)).content.decode()
    assert staff.get(f"/services/export.php?client_key={key}&start=0").status_code == 200


def test_it_replaces_a_key_after_asking_and_the_old_one_stops(staff, clinic):
    assert buttons(staff.get(page_url(clinic))) == ["Заменить ключ", "Отозвать ключ"]
    question = staff.get(page_url(clinic, "issue"))
    assert "Заменить ключ клиники «Клиника на Ленина»?" in question.content.decode()
    assert clinic_for_key(SAMPLE_KEY) == clinic  # asking changes nothing

    response = staff.post(page_url(clinic, "issue"))

    key = shown_key(response)
    assert key != SAMPLE_KEY
    assert clinic_for_key(SAMPLE_KEY) is None
    assert Clinic.objects.get(pk=clinic.pk).key_digest == key_digest(key)
    assert staff.get(f"/services/export.php?client_key={key}&start=0").status_code == 200
    assert staff.get(f"/services/export.php?client_key={SAMPLE_KEY}&start=0").status_code == 403
    assert LogEntry.objects.get().get_change_message() == "Ключ клиента заменён."
    history = staff.get(f"/admin/exchange/clinic/{clinic.pk}/history/").content.decode()
    columns = html.fromstring(history).xpath("//div[@id='change-history']//thead//th/text()")
    assert columns[0] == "Дата и время (UTC)"


def test_it_revokes_a_key_after_asking(staff, clinic, other_clinic):
    question = staff.get(page_url(clinic, "revoke"))
    assert "Отозвать ключ клиники «Клиника на Ленина»?" in question.content.decode()
    assert clinic_for_key(SAMPLE_KEY) == clinic

    response = staff.post(page_url(clinic, "revoke"), follow=True)

    assert clinic_for_key(SAMPLE_KEY) is None
    assert clinic_for_key(OTHER_KEY) == other_clinic
    assert "Ключ клиники «Клиника на Ленина» отозван." in response.content.decode()
    assert buttons(response) == ["Выдать ключ"]
    assert staff.get(f"/services/export.php?client_key={SAMPLE_KEY}&start=0").status_code == 403


def test_it_needs_the_right_to_change_the_clinic(client, clinic, django_user_model):
    viewer = django_user_model.objects.create_user(
        email="viewer@example.ru", password="pw-viewer-1", is_staff=True
    )
    viewer.user_permissions.set(Permission.objects.filter(codename="view_clinic"))
    client.force_login(viewer)

    assert buttons(client.get(page_url(clinic))) == []
    assert client.post(page_url(clinic, "issue")).status_code == 403
    assert client.post(page_url(clinic, "revoke")).status_code == 403
    assert clinic_for_key(SAMPLE_KEY) == clinic


def test_it_refuses_a_key_change_without_csrf(clinic, django_user_model):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(django_user_model.objects.create_superuser("boss@example.ru", "pw-boss-1"))

    assert browser.post(page_url(clinic, "issue")).status_code == 403
    assert clinic_for_key(SAMPLE_KEY) == clinic


def test_it_revokes_the_keys_of_selected_clinics(admin_client, clinic, other_clinic):
    form = {"action": "revoke_keys", "_selected_action": [clinic.pk]}

    admin_client.post("/admin/exchange/clinic/", form)

    assert clinic_for_key(SAMPLE_KEY) is None
    assert clinic_for_key(OTHER_KEY) == other_clinic
