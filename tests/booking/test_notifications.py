"""The patient hears the clinic's decision by email when an import accepts or rejects."""

from __future__ import annotations

import re
import smtplib
from datetime import timedelta
from email import message_from_bytes

import pytest
from django.core.mail import EmailMessage

from booking.calendar import order_event
from exchange.models import Clinic, Order
from exchange.orders import Actor, order_correct, order_move
from tests.booking.conftest import FORM, at, book_url, when
from tests.exchange.conftest import document
from tests.factories import make_order

# Latin words an email in Russian may still carry: the sender's name and the attachment's.
LATIN_ALLOWED = {"Medihost", "visit", "ics"}
STEP = timedelta(minutes=30)


@pytest.fixture
def order(resource):
    return make_order(
        resource, starts_at=when(resource.clinic, "10:30"), email="petrova@example.ru"
    )


def decide(order: Order, status: int) -> bytes:
    return document(f'<Orders><o id="{order.pk}" status="{status}"/></Orders>')


def import_and_commit(post_xml, django_capture_on_commit_callbacks, data: bytes, query=""):
    with django_capture_on_commit_callbacks(execute=True):
        response, root = post_xml(data, query)
    assert response.status_code == 200, response.content
    return root


def assert_in_russian(text: str, *known: str) -> None:
    for value in known:
        text = text.replace(value, "")
    assert re.search("[а-яА-ЯёЁ]", text), text
    assert set(re.findall("[A-Za-z]{3,}", text)) <= LATIN_ALLOWED, text


def known_values(order: Order) -> tuple[str, ...]:
    """What an email may quote as it is: names, and the links (longest first)."""
    base = f"http://127.0.0.1:8000/orders/{order.pk}/"
    return (order.clinic.name, order.resource.name, order.name2, base + "cancel/", base)


def calendar_parts(message: EmailMessage) -> list:
    mime = message_from_bytes(message.message().as_bytes())
    return [part for part in mime.walk() if part.get_content_type() == "text/calendar"]


def test_it_emails_the_acceptance_in_russian_with_the_clinics_time(
    order, post_xml, mailoutbox, django_capture_on_commit_callbacks
):
    import_and_commit(post_xml, django_capture_on_commit_callbacks, decide(order, 1))

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["petrova@example.ru"]
    known = known_values(order)
    assert_in_russian(message.subject, *known)
    assert_in_russian(message.body, *known)
    # 10:30 in Moscow, not the 07:30 the database holds.
    assert "04.03.2030 10:30" in message.body


def test_it_attaches_the_visit_as_an_icalendar_event_in_utc(
    order, post_xml, mailoutbox, django_capture_on_commit_callbacks
):
    import_and_commit(post_xml, django_capture_on_commit_callbacks, decide(order, 1))

    [part] = calendar_parts(mailoutbox[0])
    assert part.get_filename().endswith(".ics")
    assert part.get_param("method") == "PUBLISH"
    assert part.get_content_charset() == "utf-8"
    assert part.get_all("Content-Type")[0].count("charset") == 1
    lines = part.get_payload(decode=True).decode().splitlines()
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "DTSTART:20300304T073000Z" in lines
    assert "DTEND:20300304T080000Z" in lines
    assert f"UID:order-{order.pk}@medihost.ru" in lines


def test_it_emails_a_rejection_without_an_event(
    order, post_xml, mailoutbox, django_capture_on_commit_callbacks
):
    import_and_commit(post_xml, django_capture_on_commit_callbacks, decide(order, 3))

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["petrova@example.ru"]
    assert message.attachments == []
    assert calendar_parts(message) == []
    known = known_values(order)
    assert_in_russian(message.subject, *known)
    assert_in_russian(message.body, *known)


def test_it_sends_nothing_on_a_dry_run(
    order, post_xml, mailoutbox, django_capture_on_commit_callbacks
):
    root = import_and_commit(
        post_xml, django_capture_on_commit_callbacks, decide(order, 1), "?dry_run=1"
    )

    assert root.get("dry_run") == "1"
    assert mailoutbox == []
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED


@pytest.mark.parametrize(
    ("status_before", "status"),
    [
        (Order.Status.RECEIVED, 0),  # unchanged: nothing decided
        (Order.Status.ACCEPTED, 1),  # an echo of what the portal has
        (Order.Status.ACCEPTED, 0),  # back to received is no decision for the patient
    ],
)
def test_it_sends_nothing_without_a_decision(
    order, post_xml, mailoutbox, django_capture_on_commit_callbacks, status_before, status
):
    Order.objects.filter(pk=order.pk).update(status=status_before)

    import_and_commit(post_xml, django_capture_on_commit_callbacks, decide(order, status))

    assert mailoutbox == []


def test_it_sends_nothing_to_an_order_without_an_email(
    order, post_xml, mailoutbox, django_capture_on_commit_callbacks
):
    Order.objects.filter(pk=order.pk).update(email="")

    import_and_commit(post_xml, django_capture_on_commit_callbacks, decide(order, 1))

    assert mailoutbox == []
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED


def test_it_sends_nothing_before_the_import_commits(order, post_xml, mailoutbox):
    # Without a commit (the test's transaction stays open) nobody is told anything yet.
    response, _ = post_xml(decide(order, 1))

    assert response.status_code == 200
    assert mailoutbox == []


def refuse_smtp(*args, **kwargs):
    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "target", ["booking.notifications.send_order_email", "django.core.mail.EmailMessage.send"]
)
def test_it_applies_the_import_when_the_mail_server_fails(
    order, post_xml, mailoutbox, monkeypatch, caplog, target
):
    # A real commit: the callbacks run inside the request, as in production.
    monkeypatch.setattr(target, refuse_smtp)

    response, root = post_xml(decide(order, 1))

    assert response.status_code == 200
    assert root.get("status") == "ok"
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED
    assert mailoutbox == []
    assert f"order {order.pk}" in caplog.text


def test_it_folds_long_event_lines_between_characters():
    clinic = Clinic(
        name="Городская клиническая больница № 1 имени Н. И. Пирогова; корпус 2, вход с торца",
        timezone="Europe/Moscow",
    )
    starts_at = when(clinic, "10:30")
    order = Order(pk=7, clinic=clinic, starts_at=starts_at, ends_at=starts_at + STEP)

    event = order_event(order, summary="Запись подтверждена", stamp=starts_at)

    assert event.endswith("\r\n")
    assert all(len(line) <= 75 for line in event.encode().split(b"\r\n"))
    unfolded = event.replace("\r\n ", "").split("\r\n")
    assert (
        "LOCATION:Городская клиническая больница № 1 имени Н. И. Пирогова\\; корпус 2\\, "
        "вход с торца"
    ) in unfolded
    assert "SUMMARY:Запись подтверждена" in unfolded


def test_it_links_the_decision_to_the_order_and_its_cancelling(
    order, post_xml, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_URL = "https://zapis.medihost.ru/"

    import_and_commit(post_xml, django_capture_on_commit_callbacks, decide(order, 1))

    body = mailoutbox[0].body
    assert f"Ваша запись на портале: https://zapis.medihost.ru/orders/{order.pk}/\n" in body
    assert f"Отменить запись: https://zapis.medihost.ru/orders/{order.pk}/cancel/\n" in body


def test_it_offers_no_cancelling_of_a_rejected_order(
    order, post_xml, mailoutbox, django_capture_on_commit_callbacks
):
    import_and_commit(post_xml, django_capture_on_commit_callbacks, decide(order, 3))

    body = mailoutbox[0].body
    assert f"/orders/{order.pk}/\n" in body
    assert "/cancel/" not in body


def move(order: Order) -> None:
    starts_at = when(order.clinic, "11:30")
    order_move(
        actor=Actor.mis(), order=order, resource=order.resource,
        starts_at=starts_at, ends_at=starts_at + STEP,
    )  # fmt: skip


def correct(order: Order) -> None:
    order_correct(actor=Actor.admin(order.patient), order=order, details={"phone": "+7 900 765"})


@pytest.mark.parametrize(
    ("change", "subject"),
    [
        (move, "Ваша запись перенесена: Клиника на Ленина, 04.03.2030 11:30"),
        (correct, "Данные вашей записи исправлены: Клиника на Ленина"),
    ],
    ids=["moved", "corrected"],
)
def test_it_tells_of_a_move_or_a_correction_by_the_clinic_with_the_link(
    order, patient, mailoutbox, django_capture_on_commit_callbacks, change, subject
):
    Order.objects.filter(pk=order.pk).update(patient=patient)
    order.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        change(order)

    [message] = mailoutbox
    assert message.subject == subject
    assert f"Ваша запись на портале: http://127.0.0.1:8000/orders/{order.pk}/" in message.body
    assert_in_russian(message.body, *known_values(order))


def test_it_emails_the_booking_itself_with_what_where_when_and_links(
    client, patient, resource, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(patient)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(book_url(resource), {**FORM, "at": at(resource, "10:00")})
    order = Order.objects.get()
    assert response.status_code == 302

    [message] = mailoutbox
    assert message.to == [FORM["email"]]
    assert message.subject == "Вы записались на приём: Клиника на Ленина, 04.03.2030 10:00"
    assert message.body.startswith("Здравствуйте, Анна!\n")
    for line in (
        f"Номер записи: {order.pk}",
        "Врач: Нестеров О. П.",
        "Время: 04.03.2030 10:00, московское время (МСК)",
        "Клиника: Клиника на Ленина",
        f"Ваша запись на портале: http://127.0.0.1:8000/orders/{order.pk}/",
        f"Отменить запись: http://127.0.0.1:8000/orders/{order.pk}/cancel/",
    ):
        assert line in message.body.splitlines()
    assert_in_russian(message.body, *known_values(order))
    assert message.attachments == []


def test_it_sends_no_booking_email_when_the_booking_fails(
    client, patient, resource, mailoutbox, django_capture_on_commit_callbacks
):
    make_order(resource, starts_at=when(resource.clinic, "10:00"))
    client.force_login(patient)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(book_url(resource), {**FORM, "at": at(resource, "10:00")})

    assert mailoutbox == []
