"""The portal admin issues, rotates and revokes clinics' keys, and reads the import journal."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from exchange.keys import clinic_for_key, key_digest
from exchange.models import Clinic, ImportRecord
from tests.conftest import SAMPLE_KEY

CHANGELIST = "/admin/exchange/clinic/"
KEY = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")


@pytest.fixture
def admin(admin_client):
    return admin_client


def act(admin, action: str, *clinics: Clinic):
    form = {"action": action, "_selected_action": [clinic.pk for clinic in clinics]}
    return admin.post(CHANGELIST, form, follow=True)


def test_it_issues_a_new_key_shown_once_and_the_old_one_stops(admin, clinic):
    response = act(admin, "issue_key", clinic)

    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    new_key = KEY.search(message).group(0)
    assert clinic_for_key(new_key) == clinic
    assert clinic_for_key(SAMPLE_KEY) is None
    clinic.refresh_from_db()
    assert clinic.key_digest == key_digest(new_key)
    assert new_key not in admin.get(f"/admin/exchange/clinic/{clinic.pk}/change/").content.decode()


def test_it_revokes_keys(admin, clinic, other_clinic):
    act(admin, "revoke_key", clinic)

    assert clinic_for_key(SAMPLE_KEY) is None
    assert clinic_for_key("11111111-2222-4333-8444-555555555555") == other_clinic


def test_it_shows_the_import_journal_read_only(admin, clinic, sample_xml, client):
    client.post("/services/import.php", data=sample_xml, content_type="application/xml")
    record = ImportRecord.objects.get()

    listing = admin.get("/admin/exchange/importrecord/")
    detail = admin.get(f"/admin/exchange/importrecord/{record.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert admin.get("/admin/exchange/importrecord/add/").status_code == 403
