"""The booking form: prefilled for a returning patient, validated, limits explained."""

from __future__ import annotations

import pytest

from exchange.models import Order
from tests.booking.conftest import FORM, at, book_url, when
from tests.factories import make_order


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


def test_it_prefills_a_first_booking_from_the_account(signed_in, resource, patient):
    patient.first_name = "Анна"
    patient.save()

    response = signed_in.get(book_url(resource), {"at": at(resource, "10:00")})

    initial = response.context["form"].initial
    assert (initial["name2"], initial["email"]) == ("Анна", patient.email)


def test_it_prefills_from_the_last_booking(signed_in, resource, patient):
    make_order(resource, patient=patient, name1="Петрова", phone="+7 901 000-00-01", city="Тула")

    response = signed_in.get(book_url(resource), {"at": at(resource, "10:00")})

    initial = response.context["form"].initial
    assert (initial["name1"], initial["phone"], initial["city"]) == (
        "Петрова", "+7 901 000-00-01", "Тула"
    )  # fmt: skip


@pytest.mark.parametrize("phone", ["123", "позвоните мне", "+7 900 123-45-67-89-01-23"])
def test_it_refuses_a_phone_that_is_not_a_phone(signed_in, resource, phone):
    response = signed_in.post(
        book_url(resource), {**FORM, "phone": phone, "at": at(resource, "10:00")}
    )

    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert not Order.objects.exists()


@pytest.mark.parametrize("phone", ["+7 (900) 123-45-67", "89001234567"])
def test_it_takes_phones_as_people_write_them(signed_in, resource, phone):
    signed_in.post(book_url(resource), {**FORM, "phone": phone, "at": at(resource, "10:00")})

    assert Order.objects.get().phone == phone


def test_it_explains_the_limit_of_active_bookings(signed_in, resource, patient, settings):
    settings.BOOKING_MAX_ACTIVE_ORDERS = 1
    make_order(resource, patient=patient, starts_at=when(resource.clinic, "09:00"))

    response = signed_in.post(book_url(resource), {**FORM, "at": at(resource, "10:00")})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "В этой клинике у вас уже наибольшее допустимое число действующих записей: 1."
    ]
    assert Order.objects.count() == 1


def test_it_offers_the_next_free_times_when_the_time_was_just_taken(signed_in, resource):
    make_order(resource, starts_at=when(resource.clinic, "10:00"))

    response = signed_in.post(book_url(resource), {**FORM, "at": at(resource, "10:00")})

    assert response.status_code == 409
    offered = [slot.starts_at for slot in response.context["alternatives"]]
    assert offered == [when(resource.clinic, clock) for clock in ("10:30", "11:00", "11:30")]
    assert f"?at={at(resource, '10:30')}" in response.content.decode()


@pytest.mark.parametrize("moment", ["253402300799", "-62135596800", "99999999999999999999", "1e9"])
def test_it_answers_a_time_off_the_calendar_with_a_not_found_page(signed_in, resource, moment):
    response = signed_in.get(book_url(resource), {"at": moment})

    assert response.status_code == 404
