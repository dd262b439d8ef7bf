"""Password reset: the same answer for any address; an address without an account is told so."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import link_in

pytestmark = pytest.mark.django_db

RESET = "/accounts/password_reset/"
LOGIN = "/accounts/login/"
NEW_PASSWORD = "Novyi-parol-2026"


def set_new_password(client, message, password=NEW_PASSWORD):
    # Django hides the token behind a redirect.
    form_url = client.get(link_in(message, "/accounts/reset/"))["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_it_resets_a_forgotten_password_by_email(client, patient, mailoutbox):
    response = client.post(RESET, {"email": "Petrova@Example.ru"})
    assert response.status_code == 302

    [message] = mailoutbox
    assert message.to == [patient.email]
    assert message.subject == "Medihost: смена пароля"
    response = set_new_password(client, message)

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)


def test_it_answers_alike_whether_the_email_has_an_account(client, patient, mailoutbox):
    known = client.post(RESET, {"email": patient.email}, follow=True)
    unknown = client.post(RESET, {"email": "nobody@example.ru"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain == [(RESET + "done/", 302)]
    assert known.content == unknown.content
    assert [m.to for m in mailoutbox] == [[patient.email], ["nobody@example.ru"]]


def test_it_tells_an_email_without_an_account_how_to_sign_up(client, mailoutbox):
    client.post(RESET, {"email": "nobody@example.ru"})

    [message] = mailoutbox
    assert message.subject == "Medihost: смена пароля"
    assert "но учётной записи с этим адресом нет" in message.body
    assert link_in(message, "/accounts/signup/") == "/accounts/signup/"
    assert "/accounts/reset/" not in message.body


def test_a_new_password_ends_the_accounts_lockout(client, patient, mailoutbox, settings):
    guess = {"username": patient.email, "password": "wrong"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, guess, REMOTE_ADDR="203.0.113.9")
    right = {"username": patient.email, "password": NEW_PASSWORD}
    assert client.post(LOGIN, right).status_code == 429
    client.post(RESET, {"email": patient.email})
    set_new_password(client, mailoutbox[0])

    response = client.post(LOGIN, right)

    assert response.status_code == 302
