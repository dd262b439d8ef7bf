"""The database itself refuses times outside the portal's bounds, whatever the code path."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from exchange.models import Appointment, Order, Schedule
from tests.factories import make_order, make_resource

pytestmark = pytest.mark.django_db

YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)
YEAR_9999 = datetime(9999, 12, 31, tzinfo=UTC)


@pytest.fixture
def resource(clinic):
    return make_resource(clinic)


@pytest.mark.parametrize("moment", [YEAR_ONE, datetime(1999, 12, 30, tzinfo=UTC), YEAR_9999])
def test_it_refuses_an_order_out_of_bounds(resource, moment):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_order(resource, starts_at=moment)


def test_it_refuses_an_order_changed_out_of_bounds(resource):
    order = make_order(resource)

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(last_changed_at=YEAR_ONE)


@pytest.mark.parametrize("moment", [YEAR_ONE, YEAR_9999])
def test_it_refuses_an_appointment_out_of_bounds(resource, moment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            clinic=resource.clinic,
            resource=resource,
            table="T",
            mis_id=1,
            starts_at=moment,
            ends_at=moment + timedelta(minutes=30) if moment < YEAR_9999 else moment,
        )


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1999, 12, 31), date(2100, 1, 1)])
def test_it_refuses_a_schedule_out_of_bounds(resource, day):
    starts_at = datetime(2030, 1, 1, 9, tzinfo=UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.create(
            clinic=resource.clinic,
            resource=resource,
            date=day,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
        )


def test_it_accepts_the_bounds_themselves(resource):
    make_order(resource, starts_at=datetime(2000, 1, 1, tzinfo=UTC))
    make_order(resource, starts_at=datetime(2099, 12, 31, 21, tzinfo=UTC))

    assert Order.objects.count() == 2
