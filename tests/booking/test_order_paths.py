"""Every path that changes an order goes through one door: each change leaves one history
row, moves LastChangedOn and reaches the MIS in the next export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exchange.models import Order, OrderEvent
from tests.booking.conftest import FORM, at, book_url, exported, when
from tests.exchange.conftest import document
from tests.factories import make_order


def book_on_the_page(client, patient, resource) -> Order:
    client.force_login(patient)
    response = client.post(book_url(resource), {**FORM, "at": at(resource, "10:00")})
    assert response.status_code == 302, response.content.decode()
    return Order.objects.get()


def cancel_on_the_page(client, patient, order) -> None:
    client.force_login(patient)
    response = client.post(f"/orders/{order.pk}/cancel/")
    assert response.status_code == 302


def decide_by_import(client, order, status: int = 1) -> None:
    body = document(f'<Orders><o id="{order.pk}" status="{status}"/></Orders>')
    response = client.post("/services/import.php", body, content_type="application/xml")
    assert response.status_code == 200, response.content.decode()


def admin_form(order: Order, **changes) -> dict:
    # The admin shows and reads an order's time in its clinic's zone.
    starts_at = changes.pop("starts_at", order.starts_at).astimezone(order.clinic.tzinfo)
    form = {
        "status": order.status,
        "resource": order.resource_id,
        "starts_at_0": f"{starts_at:%Y-%m-%d}",
        "starts_at_1": f"{starts_at:%H:%M:%S}",
        "duration": order.duration,
        **{name: getattr(order, name) for name in ("name1", "name2", "name3", "phone")},
        **{name: getattr(order, name) for name in ("email", "city", "address", "aim", "comment")},
    }
    return form | changes


def change_in_the_admin(admin_client, order, **changes):
    url = f"/admin/exchange/order/{order.pk}/change/"
    return admin_client.post(url, admin_form(order, **changes))


@pytest.fixture
def booked(resource, patient):
    return make_order(
        resource,
        patient=patient,
        starts_at=when(resource.clinic, "10:00"),
        last_changed_at=timezone.now() - timedelta(days=1),
    )


PATHS = {
    "a patient books": lambda c, admin, patient, resource, order: book_on_the_page(
        c, patient, resource
    ),
    "a patient cancels": lambda c, admin, patient, resource, order: cancel_on_the_page(
        c, patient, order
    ),
    "the MIS decides": lambda c, admin, patient, resource, order: decide_by_import(c, order),
    "the admin decides": lambda c, admin, patient, resource, order: change_in_the_admin(
        admin, order, status=1
    ),
    "the admin moves": lambda c, admin, patient, resource, order: change_in_the_admin(
        admin, order, starts_at=order.starts_at + timedelta(hours=1)
    ),
    "the admin corrects": lambda c, admin, patient, resource, order: change_in_the_admin(
        admin, order, phone="+7 912 555-44-33"
    ),
}


@pytest.mark.parametrize("path", PATHS)
def test_every_change_leaves_one_history_row_a_new_stamp_and_an_export(
    client, admin_client, patient, resource, booked, path
):
    if path == "a patient books":
        booked.delete()
    since = timezone.now().replace(microsecond=0)

    PATHS[path](client, admin_client, patient, resource, booked)

    order = Order.objects.get()
    assert order.last_changed_at >= since
    [event] = OrderEvent.objects.filter(order=order)
    assert event.at == order.last_changed_at
    assert list(exported(client, since)) == [str(order.pk)]


def test_it_answers_who_changed_the_order_and_when(client, admin_client, patient, resource):
    order = book_on_the_page(client, patient, resource)
    decide_by_import(client, order, status=1)
    cancel_on_the_page(client, patient, order)

    events = OrderEvent.objects.filter(order=order).order_by("at", "pk")
    assert [(e.actor_kind, e.action) for e in events] == [
        ("patient", "created"),
        ("mis", "accepted"),
        ("patient", "cancelled"),
    ]
    assert events[0].actor_label == events[2].actor_label == patient.email
    assert events[1].actor_label.startswith("import #")
    history = admin_client.get(f"/admin/exchange/order/{order.pk}/change/").content.decode()
    assert "import #" in history and patient.email in history


def test_the_admins_decision_is_exported_and_told_to_the_patient(
    client, admin_client, booked, mailoutbox, django_capture_on_commit_callbacks
):
    since = timezone.now().replace(microsecond=0)

    with django_capture_on_commit_callbacks(execute=True):
        response = change_in_the_admin(admin_client, booked, status=Order.Status.ACCEPTED)

    assert response.status_code == 302
    assert exported(client, since)[str(booked.pk)].get("Status", "1") == "1"
    assert Order.objects.get().status == Order.Status.ACCEPTED
    [message] = mailoutbox
    assert message.to == [booked.email]
    assert OrderEvent.objects.get().notified_at is not None


def test_the_admin_cannot_move_an_order_onto_held_time(admin_client, resource, booked):
    holder = make_order(resource, starts_at=when(resource.clinic, "11:00"))

    response = change_in_the_admin(admin_client, booked, starts_at=holder.starts_at)

    assert response.status_code == 200
    assert "Это время занято другой заявкой" in response.content.decode()
    booked.refresh_from_db()
    assert booked.starts_at == when(resource.clinic, "10:00")
    assert not OrderEvent.objects.exists()


def test_the_admin_cannot_add_or_delete_orders(admin_client, booked):
    assert admin_client.get("/admin/exchange/order/add/").status_code == 403
    delete = admin_client.post(f"/admin/exchange/order/{booked.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert Order.objects.filter(pk=booked.pk).exists()


def queries_to_decide(client, resource, count: int, capture) -> int:
    orders = [
        make_order(resource, starts_at=when(resource.clinic, "09:00") + timedelta(days=n))
        for n in range(count)
    ]
    body = "".join(f'<o id="{order.pk}" status="1"/>' for order in orders)
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = client.post(
            "/services/import.php",
            document(f"<Orders>{body}</Orders>"),
            content_type="application/xml",
        )
    assert response.status_code == 200
    assert Order.objects.filter(status=1).count() == count
    Order.objects.all().delete()
    return len(queries)


def test_an_import_deciding_many_orders_costs_as_many_queries_as_one(
    client, resource, mailoutbox, django_capture_on_commit_callbacks
):
    one = queries_to_decide(client, resource, 1, django_capture_on_commit_callbacks)
    fifty = queries_to_decide(client, resource, 50, django_capture_on_commit_callbacks)

    assert one == fifty
    assert len(mailoutbox) == 51
