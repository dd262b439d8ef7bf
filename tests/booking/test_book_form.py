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


def test_it_says_the_limit_is_reached_instead_of_showing_the_form(
    signed_in, resource, patient, settings
):
    settings.BOOKING_MAX_ACTIVE_ORDERS = 1
    make_order(resource, patient=patient, starts_at=when(resource.clinic, "09:00"))

    response = signed_in.get(book_url(resource), {"at": at(resource, "10:00")})

    assert response.status_code == 200
    assert "form" not in response.context
    assert "name1" not in response.content.decode()
    assert (
        "В этой клинике у вас уже наибольшее допустимое число действующих записей: 1."
        in response.content.decode()
    )
    assert 'href="/orders/"' in response.content.decode()


def test_it_refuses_a_booking_over_the_limit(signed_in, resource, patient, settings):
    settings.BOOKING_MAX_ACTIVE_ORDERS = 1
    make_order(resource, patient=patient, starts_at=when(resource.clinic, "09:00"))

    response = signed_in.post(book_url(resource), {**FORM, "at": at(resource, "10:00")})

    assert response.status_code == 409
    assert Order.objects.count() == 1


@pytest.mark.parametrize("consent", [None, "", "false"])
def test_it_books_nothing_without_the_consent(signed_in, resource, consent):
    form = {**FORM, "at": at(resource, "10:00")}
    if consent is None:
        del form["consent"]
    else:
        form["consent"] = consent

    response = signed_in.post(book_url(resource), form)

    assert response.status_code == 200
    assert response.context["form"].errors["consent"] == [
        "Без согласия на обработку персональных данных клиника не сможет записать вас на приём."
    ]
    assert not Order.objects.exists()


def test_it_asks_for_the_consent_with_a_link_to_the_privacy_page(signed_in, resource):
    response = signed_in.get(book_url(resource), {"at": at(resource, "10:00")})

    page = response.content.decode()
    assert 'type="checkbox" name="consent"' in page
    assert "required" in page[page.index('name="consent"') :].split(">")[0]
    assert 'href="/privacy/"' in page
    assert "Я даю согласие на обработку моих персональных данных" in page


@pytest.mark.parametrize(
    ("clock", "offered"),
    [
        ("10:10", ["10:30", "11:00", "11:30"]),  # off the grid
        ("12:30", []),  # after work
        ("09:30", ["10:00", "10:30", "11:00", "11:30"]),  # taken
    ],
)
def test_it_shows_the_nearest_free_times_instead_of_a_form_for_a_time_not_free(
    signed_in, resource, clock, offered
):
    make_order(resource, starts_at=when(resource.clinic, "09:30"))
    make_order(resource, starts_at=when(resource.clinic, "09:00"))

    response = signed_in.get(book_url(resource), {"at": at(resource, clock)})

    assert response.status_code == 200
    assert "form" not in response.context
    assert 'name="name1"' not in response.content.decode()
    alternatives = [slot.starts_at for slot in response.context["alternatives"]]
    assert alternatives == [when(resource.clinic, time) for time in offered]


def test_it_shows_no_form_for_a_time_too_soon(signed_in, resource, settings):
    settings.BOOKING_LEAD_MINUTES = 60 * 24 * 365 * 10

    response = signed_in.get(book_url(resource), {"at": at(resource, "10:00")})

    assert "form" not in response.context
    assert response.context["alternatives"] == []


def test_it_refuses_a_posted_time_off_the_grid(signed_in, resource):
    response = signed_in.post(book_url(resource), {**FORM, "at": at(resource, "10:10")})

    assert response.status_code == 409
    assert not Order.objects.exists()


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
