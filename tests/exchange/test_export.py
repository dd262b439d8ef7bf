"""The export: a clinic's orders changed in [start, end], oldest first, streamed, in full."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import StreamingHttpResponse
from django.utils import timezone
from lxml import etree

from exchange.exporting import Window, export_window
from exchange.keys import clinic_issue_key
from exchange.models import Clinic, Order, Resource
from tests.conftest import OTHER_KEY, SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL, IMPORT_URL, document
from tests.factories import local, make_order, make_resource

ATTRIBUTES = [
    "id", "status", "user_id", "user_name", "order_date", "mw_resource_id", "resource_name",
    "resource_id", "reception_datetime", "duration", "type", "name1", "name2", "name3", "aim",
    "phone", "city", "address", "email", "comment", "LastChangedOn",
]  # fmt: skip
SAMPLE_ATTRIBUTES = [
    "ID", "Status", "user_id", "user_name", "order_date", "MW_Resource_ID", "Resource_Name",
    "Resource_ID", "Reception_Datetime", "Duration", "Type", "Name1", "Name2", "Name3", "Aim",
    "Phone", "City", "Address", "Email", "Comment", "LastChangedOn",
]  # fmt: skip
START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def unix(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def export(client, method: str = "get", **params) -> tuple[StreamingHttpResponse, etree._Element]:
    response = getattr(client, method)(EXPORT_URL, {"client_key": SAMPLE_KEY, **params})
    assert response.status_code == 200, response.getvalue().decode()
    return response, etree.fromstring(b"".join(response.streaming_content))


def exported_ids(root: etree._Element) -> list[int]:
    return [int(o.get("id")) for o in root.find("Orders")]


def changed_at(resource: Resource, moment: datetime) -> Order:
    # Each order gets its own slot: a resource never holds two at once.
    slot = START + timedelta(hours=resource.orders.count())
    return make_order(resource, starts_at=slot, last_changed_at=moment)


def test_it_exports_the_window_with_both_ends_inclusive(client, clinic):
    resource = make_resource(clinic)
    end = START + timedelta(hours=1)
    offsets = {
        "before-start": (START - timedelta(seconds=1), False),
        "half-second-before-start": (START - timedelta(milliseconds=500), False),
        "at-start": (START, True),
        "inside": (START + timedelta(minutes=30), True),
        "at-end": (end, True),
        "half-second-after-end": (end + timedelta(milliseconds=500), True),
        "last-microsecond-of-end": (end + timedelta(microseconds=999_999), True),
        "a-second-after-end": (end + timedelta(seconds=1), False),
    }
    names = list(offsets)
    random.Random(7).shuffle(names)  # ids must not happen to follow the times
    orders = {name: changed_at(resource, offsets[name][0]) for name in names}

    _, root = export(client, start=unix(START), end=unix(end))

    wanted = sorted((name for name in names if offsets[name][1]), key=lambda n: offsets[n][0])
    assert exported_ids(root) == [orders[name].pk for name in wanted]


def test_it_exports_a_single_second_when_start_equals_end(client, clinic):
    resource = make_resource(clinic)
    inside = changed_at(resource, START + timedelta(milliseconds=250))
    changed_at(resource, START + timedelta(seconds=1))

    _, root = export(client, start=unix(START), end=unix(START))

    assert exported_ids(root) == [inside.pk]


def test_it_exports_up_to_now_without_an_end(client, clinic):
    resource = make_resource(clinic)
    changed_at(resource, START - timedelta(seconds=1))
    old = changed_at(resource, START)
    recent = make_order(resource, starts_at=local(clinic, "01.07.2030 10:00"))

    _, root = export(client, start=unix(START))

    assert exported_ids(root) == [old.pk, recent.pk]
    assert recent.last_changed_at > timezone.now() - timedelta(minutes=1)


def test_it_orders_equal_changes_by_id(client, clinic):
    resource = make_resource(clinic)
    later = changed_at(resource, START + timedelta(seconds=5))
    # The lower id has everything else against it: the later visit, the later order date,
    # the later name, and (changed last) the later place in the table.
    lower = make_order(resource, starts_at=START + timedelta(days=2), name1="Яковлев")
    higher = make_order(resource, starts_at=START + timedelta(days=1), name1="Абрамов")
    assert lower.pk < higher.pk
    Order.objects.filter(pk=higher.pk).update(last_changed_at=START)
    Order.objects.filter(pk=lower.pk).update(
        last_changed_at=START, created_at=higher.created_at + timedelta(days=1)
    )
    # The export's index would hand ties over in id order anyway. Without it (dropped until the
    # test's transaction rolls back) PostgreSQL reads the table as stored, where the row
    # updated last, the lower id, comes last. (SQLite always reads in id order.)
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX order_export_idx")

    _, root = export(client, start=unix(START))

    assert exported_ids(root) == [lower.pk, higher.pk, later.pk]


@pytest.mark.parametrize(
    ("zone", "order_date", "reception", "last_changed"),
    [
        ("Europe/Moscow", "29.02.2024", "01.03.2024 09:00:00", "29.02.2024 23:30:15"),
        ("Asia/Yekaterinburg", "01.03.2024", "01.03.2024 11:00:00", "01.03.2024 01:30:15"),
    ],
)
def test_it_exports_every_attribute_in_order_in_the_clinic_zone(
    client, clinic, zone, order_date, reception, last_changed
):
    clinic.timezone = zone
    clinic.save()
    patient = get_user_model().objects.create_user(email="ivanov@example.ru")
    resource = make_resource(clinic, mis_id=369, name="Нестеров О. П.")
    order = make_order(
        resource,
        starts_at=datetime(2024, 3, 1, 6, 0, tzinfo=UTC),
        minutes=45,
        status=Order.Status.ACCEPTED,
        patient=patient,
        last_changed_at=datetime(2024, 2, 29, 20, 30, 15, 700_000, tzinfo=UTC),
    )
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2024, 2, 29, 20, 30, tzinfo=UTC))

    _, root = export(client, start="0")

    assert (root.tag, root.attrib) == ("MediExchange", {"ClientKey": SAMPLE_KEY})
    assert [child.tag for child in root] == ["Orders"]
    (exported,) = root.find("Orders")
    assert exported.tag == "o"
    assert list(exported.attrib) == ATTRIBUTES
    assert dict(exported.attrib) == {
        "id": str(order.pk),
        "status": "1",
        "user_id": str(patient.pk),
        "user_name": "ivanov",
        "order_date": order_date,
        "mw_resource_id": "369",
        "resource_name": "Нестеров О. П.",
        "resource_id": str(resource.pk),
        "reception_datetime": reception,
        "duration": "45",
        "type": "3",
        "name1": "Иванов",
        "name2": "Иван",
        "name3": "Иванович",
        "aim": "консультация",
        "phone": "+7 900 000-00-00",
        "city": "Москва",
        "address": "ул. Ленина, 1",
        "email": "ivanov@example.ru",
        "comment": "",
        "LastChangedOn": last_changed,
    }


def test_it_writes_times_to_the_second_below_and_minutes_rounded_down(client, clinic):
    # A fraction of a second is cut off, never rounded: 23:59:59.9996 is still that day.
    order = make_order(
        make_resource(clinic),
        starts_at=datetime(2024, 2, 29, 20, 59, 59, 999_600, tzinfo=UTC),
        minutes=30,
        last_changed_at=datetime(2024, 2, 29, 20, 59, 59, 999_999, tzinfo=UTC),
    )
    Order.objects.filter(pk=order.pk).update(
        created_at=datetime(2024, 2, 29, 20, 59, 59, 999_999, tzinfo=UTC),
        # 29 minutes and 59.9995 seconds long: 29 whole minutes.
        ends_at=datetime(2024, 2, 29, 21, 29, 59, 999_100, tzinfo=UTC),
    )

    _, root = export(client, start="0")

    exported = root.find("Orders/o")
    assert exported.get("order_date") == "29.02.2024"
    assert exported.get("reception_datetime") == "29.02.2024 23:59:59"
    assert exported.get("duration") == "29"
    assert exported.get("LastChangedOn") == "29.02.2024 23:59:59"


def test_it_exports_empty_strings_where_there_is_no_value(client, clinic):
    resource = make_resource(clinic, mis_id=None, name="Кабинет, созданный на портале")
    fields = dict.fromkeys(("name3", "aim", "city", "address", "email", "comment"), "")
    make_order(resource, **fields)

    _, root = export(client, start="0")

    (exported,) = root.find("Orders")
    assert list(exported.attrib) == ATTRIBUTES
    empty = [name for name, value in exported.attrib.items() if value == ""]
    assert empty == ["user_id", "mw_resource_id", "name3", "aim", "city", "address", "email",
                     "comment"]  # fmt: skip
    assert exported.get("resource_id") == str(resource.pk)


def test_it_round_trips_cyrillic_and_special_characters(client, clinic):
    fields = {
        "name1": 'Д\'Артаньян "Ёж" <b>&amp;',
        "name2": "Ёлка-Йод",
        "name3": "Ü ß 😀",
        "aim": "<script>alert('x')</script>",
        "city": "Санкт-Петербург",
        "address": "ул. «Ленина», д. 1 & кв. 2 ]]>",
        "comment": "строка 1\nстрока 2\tтаб\r\nконец",
        "phone": "+7 (900) 000-00-00",
    }
    make_order(make_resource(clinic), **fields)

    _, root = export(client, start="0")

    exported = root.find("Orders/o")
    assert {name: exported.get(name) for name in fields} == fields


def test_it_drops_characters_xml_cannot_carry(client, clinic):
    make_order(make_resource(clinic), comment="звонить\x01 после\x1f 18:00")

    _, root = export(client, start="0")

    assert root.find("Orders/o").get("comment") == "звонить после 18:00"


def test_it_streams_the_response_in_chunks(client, clinic):
    resource = make_resource(clinic)
    moment = START
    Order.objects.bulk_create(
        Order(
            clinic=clinic,
            resource=resource,
            starts_at=moment + timedelta(minutes=30 * n),
            ends_at=moment + timedelta(minutes=30 * n + 30),
            name1="Иванов",
            name2="Иван",
            phone="1",
            last_changed_at=moment + timedelta(seconds=n),
        )
        for n in range(1001)
    )

    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": "0"})

    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming is True
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    chunks = list(response.streaming_content)
    assert len(chunks) > 3
    root = etree.fromstring(b"".join(chunks))
    assert len(root.find("Orders")) == 1001


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_accepts_a_lower_case_key_with_spaces(client, clinic, method):
    order = make_order(make_resource(clinic))

    _, root = export(client, method, client_key=f"  {SAMPLE_KEY.lower()}\t ", start="0")

    assert exported_ids(root) == [order.pk]


def test_it_accepts_an_urlencoded_post(client, clinic):
    order = make_order(make_resource(clinic))
    body = f"client_key={SAMPLE_KEY}&start=0&end={unix(timezone.now() + timedelta(hours=1))}"

    response = client.post(EXPORT_URL, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    root = etree.fromstring(b"".join(response.streaming_content))
    assert exported_ids(root) == [order.pk]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "start is required"),
        ({"start": ""}, "start is required"),
        ({"start": "  "}, "start is required"),
        ({"start": "yesterday"}, "start must be a UNIX time"),
        ({"start": "-1"}, "start must be a UNIX time"),
        ({"start": "1709283600.5"}, "start must be a UNIX time"),
        ({"start": "1e9"}, "start must be a UNIX time"),
        ({"start": "0x10"}, "start must be a UNIX time"),
        ({"start": "170928360000000"}, "start must be a UNIX time"),
        ({"start": "01.03.2024"}, "start must be a UNIX time"),
        ({"start": "\uff11\uff17\uff10\uff19"}, "start must be a UNIX time"),  # fullwidth digits
        ({"start": "0", "end": "\u0661\u0662"}, "end must be a UNIX time"),  # Arabic-Indic digits
        ({"start": "0", "end": "now"}, "end must be a UNIX time"),
        ({"start": "1709283600", "end": "1709283599"}, "end is before start"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_answers_400_export_error_for_a_bad_window(client, clinic, method, params, message):
    make_order(make_resource(clinic))

    response = getattr(client, method)(EXPORT_URL, {"client_key": SAMPLE_KEY, **params})

    assert response.status_code == 400
    assert not response.streaming
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = etree.fromstring(response.content)
    assert (root.tag, root.get("status")) == ("ExportError", "400")
    assert root.text.startswith(message)
    assert b"<o " not in response.content


def test_it_says_what_is_missing(client, clinic):
    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY})

    assert etree.fromstring(response.content).text == "start is required: a UNIX time in seconds"


def test_it_reads_the_window_as_utc_instants():
    # Whatever the server's own zone: a naive time would be read in it.
    window = export_window("1709283600", "1709287200")

    assert window == Window(START, START + timedelta(hours=1))
    assert window.start.utcoffset() == window.end.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("cancelled_status", "exported"), [(Clinic.CancelledStatus.CANCELLED, "2"), (3, "3")]
)
def test_it_exports_a_patients_cancellation_in_the_clinics_word(
    client, clinic, cancelled_status, exported
):
    Clinic.objects.filter(pk=clinic.pk).update(cancelled_status=cancelled_status)
    resource = make_resource(clinic)
    statuses = [Order.Status.CANCELLED, Order.Status.RECEIVED, Order.Status.ACCEPTED, 3]
    orders = [make_order(resource, starts_at=START + timedelta(hours=n), status=status)
              for n, status in enumerate(statuses)]  # fmt: skip

    _, root = export(client, start="0")

    by_id = {o.get("id"): o.get("status") for o in root.find("Orders")}
    assert [by_id[str(order.pk)] for order in orders] == [exported, "0", "1", "3"]


def test_it_accepts_a_start_far_in_the_future(client, clinic):
    make_order(make_resource(clinic))

    _, root = export(client, start="99999999999", end="99999999999")

    assert exported_ids(root) == []


def test_it_exports_orders_of_a_retired_resource(client, clinic, sample_xml):
    client.post(IMPORT_URL, sample_xml, content_type="application/xml")
    resource = Resource.objects.get(clinic=clinic, mis_id=369)
    order = make_order(resource, starts_at=local(clinic, "01.07.2030 10:00"))
    only_393 = document('<Resources><r id="393" name="Баева" time_step="30"/></Resources>')
    client.post(IMPORT_URL, only_393, content_type="application/xml")
    resource.refresh_from_db()
    assert resource.is_retired

    _, root = export(client, start="0")

    (exported,) = root.find("Orders")
    assert exported.get("id") == str(order.pk)
    assert exported.get("resource_id") == str(resource.pk)
    assert exported.get("mw_resource_id") == "369"
    assert exported.get("resource_name") == "Нестеров О. П."
    assert exported.get("reception_datetime") == "01.07.2030 10:00:00"


@pytest.mark.parametrize(
    ("dialect", "names"),
    [(None, SAMPLE_ATTRIBUTES), ("sample", SAMPLE_ATTRIBUTES), ("table", ATTRIBUTES)],
    ids=["default", "sample", "table"],
)
def test_it_spells_the_export_in_the_clinics_dialect(client, db, dialect, names):
    # A clinic made as the admin makes it: the sample spelling unless told otherwise.
    clinic = Clinic.objects.create(name="Клиника на Мира")
    clinic_issue_key(clinic=clinic, key=OTHER_KEY)
    if dialect is not None:
        Clinic.objects.filter(pk=clinic.pk).update(dialect=dialect)
    order = make_order(make_resource(clinic), comment="после 18:00")

    response = client.get(EXPORT_URL, {"client_key": OTHER_KEY, "start": "0"})

    [exported] = etree.fromstring(b"".join(response.streaming_content)).find("Orders")
    assert list(exported.attrib) == names
    values = list(exported.attrib.values())
    assert (values[0], values[-2]) == (str(order.pk), "после 18:00")


def test_it_answers_head_like_get_without_a_body(client, clinic):
    make_order(make_resource(clinic))
    params = {"client_key": SAMPLE_KEY, "start": "0"}

    get, head = client.get(EXPORT_URL, params), client.head(EXPORT_URL, params)

    assert (head.status_code, get.status_code) == (200, 200)
    assert head["Content-Type"] == get["Content-Type"] == "application/xml; charset=utf-8"
    assert b"".join(head.streaming_content) == b""
    assert b"<o " in b"".join(get.streaming_content)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"client_key": "0F0F0F0F-0000-4000-8000-000000000000", "start": "0"}, 403, "bad_key"),
        ({"client_key": SAMPLE_KEY, "start": "yesterday"}, 400, "bad_request"),
    ],
    ids=["unknown-key", "bad-start"],
)
def test_it_answers_head_errors_like_get(client, clinic, params, status, code):
    get, head = client.get(EXPORT_URL, params), client.head(EXPORT_URL, params)

    assert head.status_code == get.status_code == status
    assert head["Content-Type"] == get["Content-Type"]
    assert head.content == b""
    assert etree.fromstring(get.content).get("code") == code
