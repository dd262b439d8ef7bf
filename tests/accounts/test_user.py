"""The user model: the email is the login, stored lower-cased and unique whatever its case."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_it_stores_the_email_lower_cased_as_the_login():
    user = User.objects.create_user(email=" Anna.Petrova@Example.RU ", password="pw-anna-1")

    user.refresh_from_db()
    assert user.email == user.get_username() == "anna.petrova@example.ru"
    assert not user.is_staff and not user.is_superuser


def test_it_refuses_a_second_account_for_the_email_in_another_case():
    User.objects.create_user(email="anna@example.ru")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="ANNA@example.ru")
    assert User.objects.count() == 1


def test_the_database_refuses_an_email_that_is_not_lower_case():
    # Past the manager, the constraint still keeps "Anna@" and "anna@" from being two logins.
    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="Anna@example.ru").save()


def test_it_authenticates_by_the_email_in_any_case(patient):
    assert authenticate(username=" PETROVA@Example.ru", password="pw-petrova-1") == patient
    assert authenticate(username="petrova@example.ru", password="wrong") is None


def test_it_creates_a_superuser_by_email():
    user = User.objects.create_superuser(email="Boss@Example.ru", password="Boss-2026-x")

    assert (user.email, user.is_staff, user.is_superuser) == ("boss@example.ru", True, True)
    assert authenticate(username="boss@example.ru", password="Boss-2026-x") == user


def test_createsuperuser_asks_for_the_email_and_refuses_it_twice(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Boss-2026-x")

    call_command("createsuperuser", interactive=False, email="Boss@Example.ru", stdout=StringIO())

    user = User.objects.get()
    assert (user.email, user.is_superuser) == ("boss@example.ru", True)
    assert user.check_password("Boss-2026-x")
    with pytest.raises(CommandError):
        call_command("createsuperuser", interactive=False, email="BOSS@example.ru")
