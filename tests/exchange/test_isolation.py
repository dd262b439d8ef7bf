"""Another clinic's key reads none of a clinic's data and changes none of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from lxml import etree

from exchange.models import Appointment, Order
from tests.conftest import OTHER_KEY, SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL, IMPORT_URL, document
from tests.exchange.snapshots import clinic_state
from tests.factories import local, make_order, make_resource


def post(client, data: bytes) -> etree._Element:
    response = client.post(IMPORT_URL, data, content_type="application/xml")
    assert response.status_code == 200, response.content.decode()
    return etree.fromstring(response.content)


def exported_ids(client, key: str) -> list[int]:
    response = client.get(EXPORT_URL, {"client_key": key, "start": "0"})
    assert response.status_code == 200
    root = etree.fromstring(b"".join(response.streaming_content))
    return [int(o.get("id")) for o in root.iter("o")]


def test_it_exports_only_the_key_holders_orders(client, clinic, other_clinic):
    mine = [make_order(make_resource(clinic), starts_at=local(clinic, "01.07.2030 10:00"))]
    mine.append(make_order(make_resource(clinic, mis_id=None), minutes=20))
    theirs = make_order(make_resource(other_clinic), starts_at=local(clinic, "01.07.2030 10:00"))

    assert sorted(exported_ids(client, SAMPLE_KEY)) == sorted(order.pk for order in mine)
    assert exported_ids(client, OTHER_KEY) == [theirs.pk]


def test_it_changes_nothing_of_a_clinic_when_another_imports_the_same_ids(
    client, clinic, other_clinic, sample_xml
):
    # Both clinics' MIS use the same ids: the other's "replace" must not reach this clinic.
    post(client, sample_xml)
    order = make_order(
        clinic.resources.get(mis_id=369), starts_at=local(clinic, "01.07.2030 10:00")
    )
    before = clinic_state(clinic)
    text = sample_xml.decode().replace(SAMPLE_KEY, OTHER_KEY)
    emptied = document(
        "<ResourceGroups/><Resources/><Schedules/><Appointments SyncMode='full'/>"
        f'<Orders><o id="{order.pk}" status="3"/></Orders>',
        key=OTHER_KEY,
    )

    post(client, text.encode())
    post(client, emptied)

    assert clinic_state(clinic) == before
    assert clinic_state(other_clinic)["resources"]  # the other clinic got its own copy


def order_result(client, order_id: int) -> list[tuple]:
    """The import result for a decision on `order_id` sent with the other clinic's key,
    with the echoed id taken out so that two answers can be compared."""
    data = document(
        f'<Orders>\n<o id="{order_id}" status="1" reception_datetime="02.07.2030 11:00"'
        ' duration="60" mw_resource_id="369"/>\n</Orders>',
        key=OTHER_KEY,
    )
    result = post(client, data)
    items = []
    for item in result:
        attributes = dict(item.attrib)
        if attributes.get("id") == str(order_id):
            attributes["id"] = "<the id sent>"
        items.append((item.tag, attributes, item.text))
    return [(result.tag, dict(result.attrib)), *items]


def test_it_answers_another_clinics_order_id_like_an_unknown_one(client, clinic, other_clinic):
    order = make_order(make_resource(clinic), starts_at=local(clinic, "01.07.2030 10:00"))
    unknown_id = Order.objects.order_by("pk").last().pk + 1000
    before = clinic_state(clinic)

    foreign = order_result(client, order.pk)
    unknown = order_result(client, unknown_id)

    assert foreign == unknown
    warning = {"line": "4", "element": "o", "id": "<the id sent>", "code": "unknown_order"}
    assert ("Warning", warning, "unknown order") in foreign
    assert ("Orders", {"updated": "0", "conflicts": "0"}, None) in foreign
    assert clinic_state(clinic) == before


def test_it_does_not_move_an_order_onto_another_clinics_resource(client, clinic, other_clinic):
    make_resource(clinic, mis_id=777, name="Чужой врач")
    own = make_order(make_resource(other_clinic, mis_id=369), minutes=30)
    before = clinic_state(clinic)

    result = post(
        client, document(f'<Orders><o id="{own.pk}" mw_resource_id="777"/></Orders>', OTHER_KEY)
    )

    own.refresh_from_db()
    assert own.resource.clinic == other_clinic
    assert result.find("Warning").text == "unknown resource 777: the order stays on its resource"
    assert clinic_state(clinic) == before


@pytest.mark.postgres
def test_the_database_refuses_busy_time_on_another_clinics_doctor(
    on_postgres, clinic, other_clinic
):
    """One composite foreign key holds an appointment to a resource of its own clinic."""
    theirs = make_resource(other_clinic)
    start = local(clinic, "01.07.2030 10:00")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checked now, not at commit

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            clinic=clinic, resource=theirs, table="SchedEvent", mis_id=1,
            starts_at=start, ends_at=start + timedelta(minutes=30),
        )  # fmt: skip

    Appointment.objects.create(
        clinic=other_clinic, resource=theirs, table="SchedEvent", mis_id=1,
        starts_at=start, ends_at=start + timedelta(minutes=30),
    )  # fmt: skip
