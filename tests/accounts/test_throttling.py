"""Failed sign-ins lock out an account from every address and an address for every account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import RequestFactory

from accounts.throttling import client_ip

PAGES = ["/accounts/login/", "/admin/login/"]
ANOTHER_ADDRESS = "203.0.113.9"


@pytest.fixture
def staff_patient(patient):
    # The admin's page signs in staff only; the patients' page signs in anyone.
    patient.is_staff = True
    patient.save()
    return patient


def sign_in(client, page, email, password, address="127.0.0.1"):
    return client.post(page, {"username": email, "password": password}, REMOTE_ADDR=address)


def fail(client, page, times, *, email="petrova@example.ru", address="127.0.0.1"):
    return [sign_in(client, page, email, "wrong", address).status_code for _ in range(times)]


def time_passes(minutes):
    """Moves the recorded failures back, as if the minutes had passed since."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_it_locks_out_after_the_limit_with_a_russian_page(client, staff_patient, page, settings):
    assert settings.AXES_FAILURE_LIMIT == 5

    statuses = fail(client, page, 5)

    assert statuses == [200, 200, 200, 200, 429]
    response = sign_in(client, page, staff_patient.email, "pw-petrova-1")
    text = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert "Слишком много попыток входа" in text
    assert "Попробуйте снова через 15 минут." in text
    assert 'href="/accounts/password_reset/"' in text
    assert not signed_in(client)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_it_lets_the_right_password_in_after_the_cool_off(client, staff_patient, page):
    fail(client, page, 5)
    time_passes(14)
    assert sign_in(client, page, staff_patient.email, "pw-petrova-1").status_code == 429

    time_passes(1)
    response = sign_in(client, page, staff_patient.email, "pw-petrova-1")

    assert response.status_code == 302 and signed_in(client)


@pytest.mark.django_db
def test_tries_during_the_lockout_neither_count_nor_extend_it(client, patient):
    fail(client, PAGES[0], 5)
    time_passes(10)
    fail(client, PAGES[0], 3)

    response = sign_in(client, PAGES[0], patient.email, "pw-petrova-1")
    assert "Попробуйте снова через 5 минут." in response.content.decode()
    time_passes(5)
    assert sign_in(client, PAGES[0], patient.email, "pw-petrova-1").status_code == 302


@pytest.mark.django_db
def test_it_says_the_minutes_left_in_russian(client, patient):
    fail(client, PAGES[0], 5)
    time_passes(13.5)

    response = sign_in(client, PAGES[0], patient.email, "pw-petrova-1")

    assert "Попробуйте снова через 2 минуты." in response.content.decode()


@pytest.mark.django_db
def test_the_account_is_one_whatever_the_case_of_the_email(client, patient):
    for email in ["PETROVA@example.ru", " Petrova@Example.RU", "petrova@EXAMPLE.ru"]:
        fail(client, PAGES[0], 1, email=email, address=ANOTHER_ADDRESS)
        fail(client, PAGES[1], 1, email=email, address="198.51.100.1")

    assert sign_in(client, PAGES[0], patient.email, "pw-petrova-1").status_code == 429


@pytest.mark.django_db
def test_it_locks_an_account_out_from_every_address(client, patient):
    for number in range(5):
        fail(client, PAGES[0], 1, address=f"198.51.100.{number}")

    response = sign_in(client, PAGES[0], patient.email, "pw-petrova-1", address=ANOTHER_ADDRESS)

    assert response.status_code == 429


@pytest.mark.django_db
def test_it_locks_an_address_out_for_every_account(client, patient, other_patient):
    for number in range(5):
        fail(client, PAGES[0], 1, email=f"guess{number}@example.ru")

    refused = sign_in(client, PAGES[0], patient.email, "pw-petrova-1")
    elsewhere = sign_in(client, PAGES[0], other_patient.email, "pw-kuznetsov-1", ANOTHER_ADDRESS)

    assert (refused.status_code, elsewhere.status_code) == (429, 302)


@pytest.mark.django_db
def test_signing_in_clears_the_accounts_failures(client, patient):
    fail(client, PAGES[0], 4)
    sign_in(client, PAGES[0], patient.email, "pw-petrova-1")
    client.logout()

    assert fail(client, PAGES[0], 4) == [200] * 4


@pytest.mark.django_db
def test_signing_in_keeps_the_addresss_failures_against_other_accounts(client, patient):
    for number in range(4):
        fail(client, PAGES[0], 1, email=f"guess{number}@example.ru")
    sign_in(client, PAGES[0], patient.email, "pw-petrova-1")
    client.logout()

    assert fail(client, PAGES[0], 1, email="guess4@example.ru") == [429]


@pytest.mark.django_db
def test_a_client_cannot_choose_its_address_by_a_header(client, patient):
    for number in range(5):
        forged = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{number}"}
        client.post(PAGES[0], {"username": f"guess{number}@example.ru", "password": "x"}, **forged)

    assert sign_in(client, PAGES[0], patient.email, "pw-petrova-1").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "198.51.100.1", "127.0.0.1"),  # no proxy: the header is the client's word
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # what the proxy saw, not the forgery
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, "", "127.0.0.1"),  # a proxy that did not say: its own address
        (1, "not-an-address", "127.0.0.1"),
        (2, "198.51.100.1", "127.0.0.1"),  # fewer hops than proxies: the header is not trusted
    ],
)
def test_it_counts_the_address_the_outermost_trusted_proxy_saw(
    settings, proxies, forwarded, address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")

    assert client_ip(request) == address
