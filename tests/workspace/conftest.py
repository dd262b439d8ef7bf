"""Workspace fixtures: the clinic's manager and registrar, an outsider who manages the other
clinic, and a doctor of the clinic with a morning's schedule on DAY."""

from __future__ import annotations

from datetime import datetime

import pytest

from exchange.models import Resource
from tests.booking.conftest import (  # noqa: F401  (fixtures shared with booking's tests)
    DAY,
    make_clinic,
    make_schedule,
    post_xml,
    when,
)
from tests.factories import make_group, make_resource
from workspace.models import Membership


def member(django_user_model, clinic, email: str, role: str):
    user = django_user_model.objects.create_user(email=email, password=f"pw-{email}")
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def manager(django_user_model, clinic):
    return member(django_user_model, clinic, "manager@lenina.ru", Membership.Role.MANAGER)


@pytest.fixture
def registrar(django_user_model, clinic):
    return member(django_user_model, clinic, "registrar@lenina.ru", Membership.Role.REGISTRAR)


@pytest.fixture
def outsider(django_user_model, other_clinic):
    """The manager of the other clinic."""
    return member(django_user_model, other_clinic, "manager@other.ru", Membership.Role.MANAGER)


@pytest.fixture
def doctor(clinic) -> Resource:
    """A cardiologist working 09:00–12:00 on DAY, in 30-minute slots."""
    resource = make_resource(clinic, group=make_group(clinic), time_step=30)
    make_schedule(resource)
    return resource


@pytest.fixture
def now(clinic) -> datetime:
    """Three days before DAY."""
    return when(clinic, "12:00", DAY.replace(day=1))


def signed_in(client, user):
    client.force_login(user)
    return client
