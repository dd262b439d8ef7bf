"""Signing in with the email in any case, and out."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_it_signs_in_with_the_email_in_any_case(client, patient):
    form = {"username": " PETROVA@example.ru ", "password": "pw-petrova-1"}

    response = client.post(LOGIN, form)

    assert response.status_code == 302
    assert client.get("/orders/").status_code == 200


def test_it_says_in_russian_what_a_failed_sign_in_needs(client, patient):
    response = client.post(LOGIN, {"username": patient.email, "password": "wrong"})

    assert "Введите email и пароль вашей учётной записи." in response.content.decode()


def test_it_signs_out_by_post(client, patient):
    client.force_login(patient)

    client.post("/accounts/logout/")

    assert client.get("/orders/").status_code == 302
