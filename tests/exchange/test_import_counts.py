"""The counts an import answers with, where a change is easy to miss or to count twice.

An MIS integrator reads these numbers to see what the portal did with the document.
"""

from __future__ import annotations

import pytest

from exchange.models import Resource, Schedule
from tests.exchange.conftest import imported


def resources(*records: str) -> str:
    return f"<Resources>{''.join(records)}</Resources>"


def doctor(mis_id: int, **changes) -> str:
    attributes = {"name": f"Врач {mis_id}", "time_step": "30", "pos": "0"} | changes
    rendered = " ".join(f'{key}="{value}"' for key, value in attributes.items())
    return f'<r id="{mis_id}" {rendered}/>'


GROUPS = '<ResourceGroups><rg id="1" name="Терапевты"/><rg id="2" name="Хирурги"/></ResourceGroups>'


def test_it_applies_a_new_position_of_a_group_alone(client, clinic, post_xml):
    imported(
        post_xml,
        '<ResourceGroups><rg id="1" name="Терапевты" pos="1"/><rg id="2" name="Хирурги" pos="2"/>'
        "</ResourceGroups>" + resources(doctor(1, group_id="1"), doctor(2, group_id="2")),
    )

    result = imported(
        post_xml,
        '<ResourceGroups><rg id="1" name="Терапевты" pos="3"/><rg id="2" name="Хирурги" pos="2"/>'
        "</ResourceGroups>",
    )

    assert result.find("ResourceGroups").attrib == {"total": "2"}
    page = client.get(f"/clinics/{clinic.pk}/")
    assert [group.name for group in page.context["groups"]] == ["Хирурги", "Терапевты"]


@pytest.mark.parametrize(
    ("changes", "updated"),
    [
        ({}, "0"),
        ({"pos": "5"}, "1"),
        ({"name": "Врач 1 (к. 5)"}, "1"),
        ({"time_step": "20"}, "1"),
        ({"group_id": "2"}, "1"),
    ],
    ids=["nothing", "pos", "name", "time_step", "group"],
)
def test_it_counts_a_resource_as_updated_when_any_one_thing_changes(
    clinic, post_xml, changes, updated
):
    imported(post_xml, GROUPS + resources(doctor(1, group_id="1"), doctor(2)))

    result = imported(post_xml, resources(doctor(1, **({"group_id": "1"} | changes)), doctor(2)))

    assert result.find("Resources").attrib == {
        "total": "2", "created": "0", "updated": updated, "retired": "0"
    }  # fmt: skip
    first = Resource.objects.select_related("group").get(clinic=clinic, mis_id=1)
    assert {
        "pos": str(first.pos),
        "name": first.name,
        "time_step": str(first.time_step),
        "group_id": str(first.group.mis_id),
    } == {"pos": "0", "name": "Врач 1", "time_step": "30", "group_id": "1"} | changes


def test_it_offers_resources_in_their_new_positions(client, clinic, post_xml):
    imported(post_xml, resources(doctor(1, pos="1"), doctor(2, pos="2")))

    imported(post_xml, resources(doctor(1, pos="3"), doctor(2, pos="2")))

    listed = client.get(f"/api/v1/clinics/{clinic.pk}/resources").json()["resources"]
    assert [resource["name"] for resource in listed] == ["Врач 2", "Врач 1"]


def test_it_counts_each_resource_retired_once(clinic, post_xml):
    imported(post_xml, resources(doctor(1), doctor(2), doctor(3)))

    counts = [
        dict(imported(post_xml, body).find("Resources").attrib)
        for body in (resources(doctor(1)), resources(doctor(1)), resources(doctor(1), doctor(2)))
    ]

    assert counts == [
        {"total": "1", "created": "0", "updated": "0", "retired": "2"},
        # Already retired: not retired again.
        {"total": "1", "created": "0", "updated": "0", "retired": "0"},
        # Back from retirement: updated, under its portal id.
        {"total": "2", "created": "0", "updated": "1", "retired": "0"},
    ]
    assert sorted(Resource.objects.filter(clinic=clinic).values_list("mis_id", "is_retired")) == [
        (1, False),
        (2, False),
        (3, True),
    ]


def test_it_counts_schedules_not_their_working_intervals(clinic, post_xml):
    split = (
        '<s date="01.07.2030" resource_id="1">'
        '<time_rules w_start="08:00" w_end="10:00"/>'
        '<time_rules w_start="11:00" w_end="13:00"/>'
        '<time_rules w_start="14:00" w_end="16:00"/>'
        "</s>"
    )
    whole = '<s date="02.07.2030" resource_id="1"><time_rules w_start="08:00" w_end="16:00"/></s>'

    result = imported(post_xml, resources(doctor(1)) + f"<Schedules>{split}{whole}</Schedules>")

    # As Resources counts `r`: the document's `s` elements, each a resource's day.
    assert result.find("Schedules").attrib == {"total": "2"}
    assert Schedule.objects.filter(clinic=clinic).count() == 4
