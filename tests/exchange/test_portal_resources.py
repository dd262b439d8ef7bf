"""Resources made on the portal belong to the portal: MIS imports never touch them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from exchange.models import Resource, Schedule
from tests.exchange.conftest import document
from tests.factories import make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def hand_made(clinic) -> Resource:
    resource = make_resource(clinic, mis_id=None, name="Процедурный кабинет")
    Schedule.objects.create(
        clinic=clinic,
        resource=resource,
        date=date(2030, 7, 1),
        starts_at=datetime(2030, 7, 1, 6, tzinfo=UTC),
        ends_at=datetime(2030, 7, 1, 9, tzinfo=UTC),
    )
    return resource


FULL_SYNC = """
<Resources><r id="369" name="Нестеров О. П." time_step="30"/></Resources>
<Schedules>
  <s date="01.07.2030" resource_id="369"><time_rules w_start="9:00" w_end="12:00"/></s>
</Schedules>
<Appointments SyncMode="full"/>
"""


@pytest.mark.parametrize("schedules", [FULL_SYNC, "<Schedules/>"])
def test_a_portal_made_resource_keeps_its_schedule_through_an_mis_import(
    hand_made, post_xml, schedules
):
    response, _ = post_xml(document(schedules))

    assert response.status_code == 200, response.content
    kept = Schedule.objects.filter(resource=hand_made)
    assert list(kept.values_list("starts_at", "ends_at")) == [
        (datetime(2030, 7, 1, 6, tzinfo=UTC), datetime(2030, 7, 1, 9, tzinfo=UTC))
    ]
    hand_made.refresh_from_db()
    assert (hand_made.name, hand_made.is_retired) == ("Процедурный кабинет", False)


def test_an_empty_schedules_section_still_clears_the_mis_resources(clinic, hand_made, post_xml):
    post_xml(document(FULL_SYNC))
    mis_resource = Resource.objects.get(clinic=clinic, mis_id=369)
    assert Schedule.objects.filter(resource=mis_resource).exists()

    post_xml(document("<Schedules/>"))

    assert not Schedule.objects.filter(resource=mis_resource).exists()
    assert Schedule.objects.filter(resource=hand_made).count() == 1
