"""The privacy page that the booking form's consent links to (152-ФЗ)."""

from __future__ import annotations


def test_it_names_the_operator_and_its_contacts_from_the_settings(client, settings):
    settings.PRIVACY_OPERATOR_NAME = "ООО «Клиники Поволжья»"
    settings.PRIVACY_OPERATOR_CONTACTS = "pd@povolzhye.example, +7 843 000-00-00"

    response = client.get("/privacy/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Оператор персональных данных — ООО «Клиники Поволжья»." in page
    assert "pd@povolzhye.example, +7 843 000-00-00" in page
    assert "152-ФЗ" in page


def test_it_is_linked_from_every_page(client, db):
    assert 'href="/privacy/"' in client.get("/").content.decode()
