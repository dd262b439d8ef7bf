"""Sign-up: the same answer for any address, one email to its owner, a link that confirms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from accounts.models import SignUpRequest
from accounts.tokens import SignUpTokenGenerator, signup_token_generator
from tests.accounts.conftest import PASSWORD, link_in

pytestmark = pytest.mark.django_db

CONFIRM = "/accounts/signup/confirm/"
SLOT = "/clinics/1/resources/2/book/?at=1900000000"


def without_csrf(page: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.decode())


def test_it_answers_a_new_and_a_taken_email_alike(client, sign_up, patient, mailoutbox):
    new = sign_up(client, email="new@example.ru")
    taken = sign_up(client, email="PETROVA@example.ru")

    assert new.status_code == taken.status_code == 200
    assert without_csrf(new.content).replace("new@", "petrova@") == without_csrf(taken.content)
    assert (
        "Мы отправили письмо на new@example.ru. Перейдите по ссылке в нём, чтобы завершить "
        "регистрацию." in new.content.decode()
    )
    assert [m.to for m in mailoutbox] == [["new@example.ru"], ["petrova@example.ru"]]


def test_it_sends_a_new_email_a_link_and_creates_no_account_yet(client, sign_up, mailoutbox):
    sign_up(client, email=" Anna@Example.RU ", name="Посетите evil.example.com")

    [message] = mailoutbox
    assert message.to == ["anna@example.ru"]
    assert message.subject == "Medihost: завершите регистрацию"
    assert "зарегистрировался на портале Medihost с адресом anna@example.ru" in message.body
    assert link_in(message, CONFIRM)
    # Whoever fills in the form must not get to write to someone else's mailbox.
    assert "evil" not in message.body
    assert not get_user_model().objects.exists()


def test_it_tells_the_owner_of_a_taken_email_and_changes_nothing(
    client, sign_up, patient, mailoutbox
):
    sign_up(client, email="PETROVA@example.ru", name="Взломщик", password="Drugoi-parol-2026")

    [message] = mailoutbox
    assert message.subject == "Medihost: у вас уже есть учётная запись"
    assert "Учётная запись с этим адресом уже есть" in message.body
    assert link_in(message, "/accounts/login/") == "/accounts/login/"
    assert link_in(message, "/accounts/password_reset/") == "/accounts/password_reset/"
    patient.refresh_from_db()
    assert patient.check_password("pw-petrova-1") and patient.first_name == ""
    assert not SignUpRequest.objects.exists()


def test_the_link_creates_the_account_and_signs_in(client, sign_up, mailoutbox):
    sign_up(client, email="Anna@Example.ru")
    link = link_in(mailoutbox[0], CONFIRM)

    page = client.get(link)
    assert "Завершить регистрацию" in page.content.decode()
    assert not get_user_model().objects.exists()  # opening the link is not enough
    response = client.post(link)

    user = get_user_model().objects.get()
    assert (user.email, user.first_name) == ("anna@example.ru", "Анна")
    assert user.check_password(PASSWORD) and user.is_active
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/orders/").status_code == 200  # signed in
    assert not SignUpRequest.objects.exists()


def test_it_returns_to_the_chosen_slot_after_confirming(client, sign_up, mailoutbox):
    sign_up(client, next=SLOT)

    response = client.post(link_in(mailoutbox[0], CONFIRM))

    assert response["Location"] == SLOT


@pytest.mark.parametrize("where", ["form", "link"])
def test_it_never_sends_a_new_patient_to_another_site(client, sign_up, mailoutbox, where):
    sign_up(client, next="https://evil.example.com/" if where == "form" else SLOT)
    link = link_in(mailoutbox[0], CONFIRM)
    if where == "link":
        link = link.split("?")[0] + "?next=https://evil.example.com/"

    response = client.post(link)

    assert response["Location"] == "/"


def test_it_refuses_a_tampered_link_politely(client, sign_up, mailoutbox):
    sign_up(client)
    link = link_in(mailoutbox[0], CONFIRM)

    tampered = link[:-2] + ("1" if link[-2] == "0" else "0") + "/"

    responses = [client.get(tampered), client.post(tampered), client.get(CONFIRM + "bm9wZQ/1-a/")]

    for response in responses:
        assert response.status_code == 400
        assert "Ссылка не действует" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_it_refuses_an_expired_link(client, sign_up, mailoutbox, monkeypatch, settings):
    sign_up(client)
    later = signup_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(SignUpTokenGenerator, "_now", lambda self: later)

    response = client.post(link_in(mailoutbox[0], CONFIRM))

    assert response.status_code == 400
    assert not get_user_model().objects.exists()


def test_a_link_works_once(client, sign_up, mailoutbox):
    sign_up(client)
    link = link_in(mailoutbox[0], CONFIRM)
    client.post(link)

    response = client.get(link)

    assert response.status_code == 400
    assert "Если вы уже завершили регистрацию, войдите." in response.content.decode()


def test_signing_up_again_replaces_the_password_and_the_link(client, sign_up, mailoutbox):
    sign_up(client, password="Pervyi-parol-2026")
    sign_up(client, name="Анна Петрова", password="Vtoroi-parol-2026")
    first, second = (link_in(message, CONFIRM) for message in mailoutbox)

    assert client.post(first).status_code == 400
    assert client.post(second).status_code == 302
    user = get_user_model().objects.get()
    assert user.check_password("Vtoroi-parol-2026") and user.first_name == "Анна Петрова"


def test_a_link_to_an_email_that_got_an_account_meanwhile_is_refused(
    client, sign_up, mailoutbox, django_user_model
):
    sign_up(client, email="anna@example.ru")
    django_user_model.objects.create_user(email="anna@example.ru", password="Admin-made-2026")

    response = client.post(link_in(mailoutbox[0], CONFIRM))

    assert response.status_code == 400
    assert django_user_model.objects.get().check_password("Admin-made-2026")
    assert not SignUpRequest.objects.exists()


def test_it_forgets_sign_ups_whose_links_have_expired(client, sign_up, settings):
    sign_up(client, email="old@example.ru")
    expired = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    SignUpRequest.objects.update(requested_at=SignUpRequest.objects.get().requested_at - expired)

    sign_up(client, email="new@example.ru")

    assert list(SignUpRequest.objects.values_list("email", flat=True)) == ["new@example.ru"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"again": "Another-2026-x"}, "password2"),
        ({"password": "12345678"}, "password1"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_it_refuses_a_bad_sign_up_with_the_reason(client, sign_up, mailoutbox, changes, field):
    response = sign_up(client, **changes)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not mailoutbox and not SignUpRequest.objects.exists()
