"""The admin's user pages: the email is the login, searched by email or name."""

from __future__ import annotations

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
NEW_PASSWORD = "Medsestra-2026-x"


def test_it_lists_users_and_finds_them_by_email_or_name(admin_client, patient, other_patient):
    patient.first_name = "Анна"
    patient.save()

    everyone = admin_client.get(USERS)
    by_email = admin_client.get(USERS, {"q": "PETROVA@"})
    by_name = admin_client.get(USERS, {"q": "Анна"})

    assert everyone.status_code == 200
    assert [list(r.context["cl"].result_list) for r in (by_email, by_name)] == [[patient]] * 2


def test_it_adds_a_user_by_email_and_password_twice(admin_client):
    page = admin_client.get(USERS + "add/").content.decode()
    assert 'name="email"' in page and 'name="password2"' in page
    assert 'name="username"' not in page

    form = {"email": "Nurse@Example.ru", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = admin_client.post(USERS + "add/", form)

    user = User.objects.get(email="nurse@example.ru")
    assert response.status_code == 302
    assert user.check_password(NEW_PASSWORD)


def test_it_refuses_to_add_an_email_taken_in_another_case(admin_client, patient):
    form = {"email": "PETROVA@example.ru", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}

    response = admin_client.post(USERS + "add/", form)

    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="petrova@example.ru").count() == 1


def test_it_shows_and_saves_a_users_page(admin_client, patient):
    url = f"{USERS}{patient.pk}/change/"
    assert patient.email in admin_client.get(url).content.decode()

    form = {"email": patient.email, "first_name": "Анна", "is_active": "on"}
    form |= {"date_joined_0": "2030-03-01", "date_joined_1": "09:00:00"}
    response = admin_client.post(url, form)

    patient.refresh_from_db()
    assert response.status_code == 302
    assert patient.first_name == "Анна"
