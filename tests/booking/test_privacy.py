"""Patient pages: a patient sees only their own orders, a clinic's URL shows only its
resources, nobody sees what the MIS writes in appointment titles, booking needs sign-in."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from exchange.models import Clinic, Order, Resource
from tests.booking.conftest import (
    DAY,
    FORM,
    at,
    book_url,
    make_appointment,
    make_schedule,
    week_url,
    when,
)
from tests.factories import make_order, make_resource

TITLE = "Сидоров Пётр Ильич, гастроскопия"
# What another patient wrote in their booking form.
STRANGERS = ("Кузнецов", "+7 911 555-44-33", "kuznetsov@example.ru", "боли в животе")


@pytest.fixture
def order(resource, patient):
    return make_order(resource, starts_at=when(resource.clinic, "11:00"), patient=patient)


@pytest.fixture
def strangers_order(resource, other_patient):
    return make_order(
        resource,
        starts_at=when(resource.clinic, "09:00"),
        patient=other_patient,
        user_name=other_patient.get_username(),
        name1="Кузнецов",
        phone="+7 911 555-44-33",
        email="kuznetsov@example.ru",
        comment="боли в животе",
    )


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/orders/{}/"), ("get", "/orders/{}/cancel/"), ("post", "/orders/{}/cancel/")],
)
def test_it_hides_another_patients_order(signed_in, strangers_order, method, path):
    response = getattr(signed_in, method)(path.format(strangers_order.pk))

    assert response.status_code == 404
    strangers_order.refresh_from_db()
    assert strangers_order.status == Order.Status.RECEIVED


def test_it_answers_404_for_an_unknown_order(signed_in):
    assert signed_in.get("/orders/999999/").status_code == 404
    assert signed_in.get("/orders/999999/cancel/").status_code == 404
    assert signed_in.post("/orders/999999/cancel/").status_code == 404


def test_it_cancels_the_patients_own_order(signed_in, order):
    response = signed_in.post(f"/orders/{order.pk}/cancel/")

    assert response.status_code == 302
    assert response["Location"] == "/orders/"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


@pytest.mark.parametrize("far", ["9999-12-31", "2999-01-01"])
def test_it_shows_at_most_a_year_ahead(client, resource, far):
    response = client.get(week_url(resource), {"from": far})

    assert response.status_code == 200
    assert response.context["days"][0][0] <= timezone.localdate() + timedelta(days=367)


@pytest.mark.parametrize("page", [week_url, book_url])
def test_it_finds_no_resource_through_another_clinics_url(signed_in, resource, other_clinic, page):
    response = signed_in.get(page(resource, other_clinic), {"at": at(resource, "10:00")})

    assert response.status_code == 404


def test_it_refuses_a_booking_through_another_clinics_url(signed_in, resource, other_clinic):
    response = signed_in.post(
        book_url(resource, other_clinic), {**FORM, "at": at(resource, "10:00")}
    )

    assert response.status_code == 404
    assert not Order.objects.exists()


def retire(resource) -> None:
    Resource.objects.filter(pk=resource.pk).update(is_retired=True)


def close_clinic(resource) -> None:
    Clinic.objects.filter(pk=resource.clinic.pk).update(is_active=False)


@pytest.mark.parametrize("page", [week_url, book_url])
@pytest.mark.parametrize("hide", [retire, close_clinic])
def test_it_finds_no_resource_that_is_not_bookable(signed_in, resource, page, hide):
    hide(resource)

    response = signed_in.get(page(resource), {"at": at(resource, "10:00")})

    assert response.status_code == 404


@pytest.mark.parametrize("value", ["", "tomorrow", "1.5", "99999999999999999999"])
def test_it_answers_404_to_a_booking_time_that_is_not_a_time(signed_in, resource, value):
    assert signed_in.get(book_url(resource), {"at": value}).status_code == 404


@pytest.mark.parametrize("path", ["/orders/", "/orders/{order}/", "/orders/{order}/cancel/"])
def test_it_asks_to_sign_in_for_orders(client, order, path):
    url = path.format(order=order.pk)

    response = client.get(url)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query)["next"] == [url]


def test_it_asks_to_sign_in_before_cancelling(client, order):
    response = client.post(f"/orders/{order.pk}/cancel/")

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/login/"
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED


@pytest.mark.parametrize("form", [None, FORM], ids=["get", "post"])
def test_it_asks_to_sign_in_before_booking_and_keeps_the_time(client, resource, form):
    time = at(resource, "10:00")
    url = f"{book_url(resource)}?at={time}"

    response = client.post(url, form) if form else client.get(url)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query)["next"] == [f"{book_url(resource)}?at={time}"]
    assert not Order.objects.exists()


def test_it_books_and_shows_the_order(signed_in, resource, patient):
    response = signed_in.post(book_url(resource), {**FORM, "at": at(resource, "10:00")})

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/"
    assert (order.patient, order.starts_at) == (patient, when(resource.clinic, "10:00"))


def test_it_answers_409_to_a_taken_time(signed_in, resource, strangers_order):
    response = signed_in.post(book_url(resource), {**FORM, "at": at(resource, "09:00")})

    assert response.status_code == 409
    assert Order.objects.get() == strangers_order
    assert_private_things_absent(response)


def assert_private_things_absent(response) -> None:
    text = response.content.decode()
    for private in (TITLE, "Сидоров Пётр", "гастроскопия", *STRANGERS):
        assert private not in text, private


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=Нестеров",
        "/clinics/{clinic}/",
        "/clinics/{clinic}/resources/{resource}/?from=" + DAY.isoformat(),
        "/clinics/{clinic}/resources/{resource}/book/?at={at}",
        "/orders/",
        "/orders/{order}/",
        "/orders/{order}/cancel/",
    ],
)
def test_it_never_shows_appointment_titles_or_other_patients(
    signed_in, resource, order, strangers_order, url
):
    make_appointment(resource, when(resource.clinic, "10:00"), title=TITLE)
    make_schedule(make_resource(resource.clinic, mis_id=370, name="Орлова А. А."))
    url = url.format(
        clinic=resource.clinic.pk, resource=resource.pk, order=order.pk, at=at(resource, "09:30")
    )

    response = signed_in.get(url)

    assert response.status_code == 200
    assert_private_things_absent(response)
