"""A manager invites colleagues by a signed link; following it, a new person sets a
password and an existing one signs in, and either becomes a member."""

from __future__ import annotations

import re
import time

import pytest

from workspace.models import Invitation, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(client, manager, clinic, mailoutbox, django_capture_on_commit_callbacks):
    """Invites an address as the manager; returns the link in the email."""

    def send(email: str, role: str = "registrar") -> str:
        client.force_login(manager)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/clinic/{clinic.pk}/staff/", {"email": email, "role": role})
        assert response.status_code == 302
        client.logout()
        message = mailoutbox[-1]
        assert message.to == [email.lower()]
        return re.search(r"http://testserver(/clinic/join/\S+/)", message.body).group(1)

    return send


def test_the_email_is_in_russian_and_names_the_clinic(invite, clinic, mailoutbox):
    invite("Sidorova@Example.ru")

    [message] = mailoutbox
    assert clinic.name in message.subject
    assert "регистратор" in message.body and "7 дней" in message.body


def test_a_new_person_sets_a_password_and_joins(client, invite, clinic, django_user_model):
    link = invite("sidorova@example.ru")

    assert "Задайте пароль" in client.get(link).content.decode()
    response = client.post(
        link, {"name": "Мария", "password1": "Registr-2026-x", "password2": "Registr-2026-x"}
    )

    assert response.status_code == 302 and response["Location"] == f"/clinic/{clinic.pk}/"
    user = django_user_model.objects.get(email="sidorova@example.ru")
    assert user.check_password("Registr-2026-x")
    assert Membership.objects.get(user=user).role == "registrar"
    assert client.get(f"/clinic/{clinic.pk}/orders/").status_code == 200


def test_an_existing_user_signs_in_and_joins(client, invite, clinic, patient):
    link = invite(patient.email, role="manager")

    page = client.get(link).content.decode()
    assert "/accounts/login/?next=" in page

    client.force_login(patient)
    client.post(link)

    assert Membership.objects.get(user=patient, clinic=clinic).role == "manager"


def test_a_link_works_once(client, invite, patient):
    link = invite(patient.email)
    client.force_login(patient)
    client.post(link)

    assert client.post(link).status_code == 400
    assert Membership.objects.filter(user=patient).count() == 1


def test_someone_signed_in_to_another_account_cannot_use_it(client, invite, other_patient):
    link = invite("sidorova@example.ru")
    client.force_login(other_patient)

    assert client.post(link).status_code == 403
    assert not Membership.objects.filter(user=other_patient).exists()


def test_a_tampered_or_revoked_link_does_not_work(client, invite, manager, clinic):
    link = invite("sidorova@example.ru")
    assert client.get(link[:-3] + "xx/").status_code == 400

    client.force_login(manager)
    invitation = Invitation.objects.get()
    client.post(f"/clinic/{clinic.pk}/invitations/{invitation.pk}/revoke/")
    client.logout()

    assert client.get(link).status_code == 400


def test_inviting_again_retires_the_earlier_link(client, invite):
    first = invite("sidorova@example.ru")
    second = invite("sidorova@example.ru")

    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200
    assert Invitation.objects.count() == 1


def test_an_expired_link_does_not_work(client, invite, monkeypatch):
    link = invite("sidorova@example.ru")
    eight_days_later = time.time() + 8 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: eight_days_later)

    assert client.get(link).status_code == 400


def test_a_registrar_cannot_invite(client, registrar, clinic, mailoutbox):
    client.force_login(registrar)

    response = client.post(
        f"/clinic/{clinic.pk}/staff/", {"email": "x@example.ru", "role": "manager"}
    )

    assert response.status_code == 403
    assert mailoutbox == [] and not Invitation.objects.exists()


def test_a_manager_removes_a_member_but_not_themselves(client, manager, registrar, clinic):
    client.force_login(manager)
    own = Membership.objects.get(user=manager)
    other = Membership.objects.get(user=registrar)

    client.post(f"/clinic/{clinic.pk}/staff/{own.pk}/remove/")
    client.post(f"/clinic/{clinic.pk}/staff/{other.pk}/remove/")

    assert list(Membership.objects.values_list("user__email", flat=True)) == [manager.email]


def test_a_manager_cannot_remove_another_clinics_member(client, manager, outsider, clinic):
    client.force_login(manager)
    theirs = Membership.objects.get(user=outsider)

    assert client.post(f"/clinic/{clinic.pk}/staff/{theirs.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_the_membership_is_unique_per_user_and_clinic(manager, clinic):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=manager, clinic=clinic, role="registrar")
