"""Patient accounts: sign up with an email, sign in with it, reset a forgotten password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
PASSWORD = "Pacient-2026-x"


def sign_up(client, *, email="Anna@Example.ru", password=PASSWORD, again=None, next_url=""):
    form = {"name": "Анна", "email": email, "password1": password, "password2": again or password}
    return client.post(SIGNUP, {**form, "next": next_url})


def test_it_signs_up_with_the_email_as_the_login_and_signs_in(client):
    response = sign_up(client)

    user = get_user_model().objects.get()
    assert (user.get_username(), user.email, user.first_name) == (
        "anna@example.ru", "anna@example.ru", "Анна"
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/orders/").status_code == 200  # signed in


def test_it_returns_to_the_chosen_slot_after_signing_up(client):
    response = sign_up(client, next_url="/clinics/1/resources/2/book/?at=1900000000")

    assert response["Location"] == "/clinics/1/resources/2/book/?at=1900000000"


def test_it_never_sends_a_new_patient_to_another_site(client):
    response = sign_up(client, next_url="https://evil.example.com/")

    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"again": "Another-2026-x"}, "password2"),
        ({"password": "12345678"}, "password1"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_it_refuses_a_bad_sign_up_with_the_reason(client, changes, field):
    response = sign_up(client, **changes)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not get_user_model().objects.exists()


def test_it_refuses_a_second_account_for_one_email(client, patient):
    response = sign_up(client, email=patient.email.upper())

    assert "email" in response.context["form"].errors
    assert get_user_model().objects.count() == 1


def test_it_signs_in_with_the_email_in_any_case(client, patient):
    form = {"username": " PETROVA@example.ru ", "password": "pw-petrova-1"}

    response = client.post(LOGIN, form)

    assert response.status_code == 302
    assert client.get("/orders/").status_code == 200


def test_it_says_in_russian_what_a_failed_sign_in_needs(client, patient):
    response = client.post(LOGIN, {"username": patient.email, "password": "wrong"})

    assert "Введите email и пароль вашей учётной записи." in response.content.decode()


def test_it_resets_a_forgotten_password_by_email(client, patient, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": patient.email})
    assert response.status_code == 302

    [message] = mailoutbox
    assert message.to == [patient.email]
    assert message.subject == "Medihost: смена пароля"
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    form_url = client.get(link)["Location"]  # Django hides the token behind a redirect
    response = client.post(
        form_url, {"new_password1": "Novyi-parol-2026", "new_password2": "Novyi-parol-2026"}
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password("Novyi-parol-2026")


def test_it_signs_out_by_post(client, patient):
    client.force_login(patient)

    client.post("/accounts/logout/")

    assert client.get("/orders/").status_code == 302
