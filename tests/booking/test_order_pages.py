"""The patient's order pages: statuses in the patient's words, cancelling after a question."""

from __future__ import annotations

import pytest

from exchange.models import Order
from tests.booking.conftest import when
from tests.factories import make_order


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


@pytest.fixture
def order(resource, patient):
    return make_order(resource, starts_at=when(resource.clinic, "11:00"), patient=patient)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Order.Status.RECEIVED, "Ожидает подтверждения клиники"),
        (Order.Status.ACCEPTED, "Подтверждена"),
        (Order.Status.CANCELLED, "Отменена вами"),
        (Order.Status.REJECTED, "Отклонена клиникой"),
    ],
)
@pytest.mark.parametrize("page", ["/orders/", "/orders/{}/"])
def test_it_names_the_status_in_the_patients_words(signed_in, order, status, words, page):
    Order.objects.filter(pk=order.pk).update(status=status)

    text = signed_in.get(page.format(order.pk)).content.decode()

    assert f'<span class="status status--{status}">{words}</span>' in text
    assert f">{Order.Status(status).label}<" not in text


def test_it_asks_before_cancelling(signed_in, order):
    response = signed_in.get(f"/orders/{order.pk}/cancel/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Отменить запись на 4 марта в 11:00?" in page
    assert f'<form method="post" action="/orders/{order.pk}/cancel/">' in page
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED


def test_it_cancels_when_the_question_is_answered(signed_in, order):
    response = signed_in.post(f"/orders/{order.pk}/cancel/", follow=True)

    assert response.redirect_chain == [("/orders/", 302)]
    assert "Запись отменена." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_it_offers_no_cancelling_of_an_order_that_holds_nothing(signed_in, order):
    Order.objects.filter(pk=order.pk).update(status=Order.Status.REJECTED)

    page = signed_in.get(f"/orders/{order.pk}/cancel/").content.decode()

    assert "Эту запись уже нельзя отменить." in page
    assert '<form method="post" action="/orders/' not in page


@pytest.mark.parametrize("page", ["/orders/", "/orders/{}/"])
def test_the_order_pages_link_to_the_question_and_post_nothing(signed_in, order, page):
    text = signed_in.get(page.format(order.pk)).content.decode()

    assert f'href="/orders/{order.pk}/cancel/"' in text
    assert 'method="post" action="/orders/' not in text
