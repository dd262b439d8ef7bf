"""An MIS written against the original portal pulls orders, decides, and posts the batch
back: in either dialect, an unchanged batch changes nothing and one changed status changes
exactly that order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree

from exchange.models import Clinic, Order, OrderEvent
from tests.conftest import SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL, IMPORT_URL
from tests.factories import make_order, make_resource

pytestmark = pytest.mark.django_db


def export(client) -> etree._Element:
    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": 0})
    assert response.status_code == 200
    return etree.fromstring(b"".join(response.streaming_content))


def post_back(client, orders: list[etree._Element]) -> etree._Element:
    """The exported elements as they are, in a MediExchange with the key, as an MIS sends."""
    root = etree.Element("MediExchange", ClientKey=SAMPLE_KEY)
    section = etree.SubElement(root, "Orders")
    section.extend(orders)
    response = client.post(IMPORT_URL, etree.tostring(root), content_type="application/xml")
    assert response.status_code == 200, response.content
    return etree.fromstring(response.content)


@pytest.fixture(params=["sample", "table"])
def dialect_clinic(request, clinic) -> Clinic:
    Clinic.objects.filter(pk=clinic.pk).update(dialect=request.param, cancelled_status=2)
    clinic.refresh_from_db()
    return clinic


@pytest.fixture
def orders(dialect_clinic) -> list[Order]:
    resource = make_resource(dialect_clinic)
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    made = [
        make_order(resource, starts_at=start + timedelta(hours=n), status=status)
        for n, status in enumerate((0, 1, 2, 3))
    ]
    # As the export last showed them, a while ago.
    Order.objects.update(last_changed_at=timezone.now() - timedelta(hours=1))
    return made


def status_attribute(dialect: str) -> str:
    return "Status" if dialect == "sample" else "status"


def test_an_unchanged_batch_posted_back_changes_nothing(client, dialect_clinic, orders):
    before = list(Order.objects.order_by("pk").values())
    exported = export(client).find("Orders")

    result = post_back(client, list(exported))

    assert result.find("Orders").attrib == {"updated": "0", "conflicts": "0"}
    assert result.findall("Warning") == [] and result.findall("Conflict") == []
    assert list(Order.objects.order_by("pk").values()) == before
    assert not OrderEvent.objects.exists()


def test_one_changed_status_changes_exactly_that_order(client, dialect_clinic, orders):
    received = orders[0]
    before = {order.pk: order for order in Order.objects.all()}
    exported = list(export(client).find("Orders"))
    name = status_attribute(dialect_clinic.dialect)
    for element in exported:
        if element.get("ID" if dialect_clinic.dialect == "sample" else "id") == str(received.pk):
            element.set(name, "1")

    result = post_back(client, exported)

    assert result.find("Orders").attrib == {"updated": "1", "conflicts": "0"}
    after = {order.pk: order for order in Order.objects.all()}
    assert after[received.pk].status == Order.Status.ACCEPTED
    assert after[received.pk].last_changed_at > before[received.pk].last_changed_at
    for pk, order in after.items():
        if pk != received.pk:
            assert (order.status, order.last_changed_at) == (
                before[pk].status,
                before[pk].last_changed_at,
            )


def test_the_sample_dialect_is_spelled_as_the_sample(client, clinic, orders):
    Clinic.objects.filter(pk=clinic.pk).update(dialect="sample")

    [first, *_] = export(client).find("Orders")

    assert list(first.attrib)[:3] == ["ID", "Status", "user_id"]
    assert "MW_Resource_ID" in first.attrib and "LastChangedOn" in first.attrib


def test_a_clinic_exporting_cancellations_as_3_gets_its_echo_back_as_a_no_op(
    client, clinic, orders
):
    Clinic.objects.filter(pk=clinic.pk).update(cancelled_status=3)
    exported = list(export(client).find("Orders"))
    cancelled = orders[2]
    [element] = [e for e in exported if e.get("id", e.get("ID")) == str(cancelled.pk)]
    assert element.get("status", element.get("Status")) == "3"

    result = post_back(client, [element])

    assert result.find("Orders").attrib == {"updated": "0", "conflicts": "0"}
    assert Order.objects.get(pk=cancelled.pk).status == Order.Status.CANCELLED
