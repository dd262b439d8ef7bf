"""load_demo: the README's run command gives a newcomer a clinic to book at once."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from booking.demo import DEMO_ADMIN, DEMO_KEY, DEMO_PATIENT
from booking.selectors import resource_slots
from exchange.keys import clinic_for_key
from exchange.models import Resource, ResourceGroup, Schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_it_loads_the_sample_clinic_with_four_weeks_of_free_time(debug, capsys):
    call_command("load_demo")

    clinic = clinic_for_key(DEMO_KEY)
    assert ResourceGroup.objects.filter(clinic=clinic).count() == 11
    assert Resource.objects.filter(clinic=clinic, is_retired=False).count() == 70
    today = timezone.localdate(timezone=clinic.tzinfo)
    dates = set(Schedule.objects.filter(clinic=clinic).values_list("date", flat=True))
    assert min(dates) >= today and (max(dates) - today).days < 28
    doctor = Resource.objects.get(clinic=clinic, mis_id=380)
    week = resource_slots(resource=doctor, first_day=today, days=7, now=timezone.now())
    assert sum(len(slots) for slots in week.values()) > 50
    assert authenticate(username=DEMO_PATIENT[0], password=DEMO_PATIENT[1]) is not None
    assert authenticate(username=DEMO_ADMIN[0], password=DEMO_ADMIN[1]).is_superuser
    assert DEMO_KEY in capsys.readouterr().out


def test_it_refreshes_rather_than_duplicates(debug):
    call_command("load_demo")
    counts = (Resource.objects.count(), Schedule.objects.count())

    call_command("load_demo")

    assert (Resource.objects.count(), Schedule.objects.count()) == counts


def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not Resource.objects.exists()
