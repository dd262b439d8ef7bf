"""Reminders of accepted visits: planned on the clinic's clock, re-planned when the visit
moves, dropped when it no longer holds, sent once by email and text message."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.utils import timezone

from booking.models import Reminder
from booking.reminders import RemindersNotSent, reminder_send, reminders_send_due
from exchange.models import Order
from exchange.orders import Actor, order_cancel, order_decide, order_move
from tests.booking.conftest import when
from tests.booking.test_notifications import assert_in_russian
from tests.factories import local, make_order, make_resource
from tests.threads import at_once

MIS = Actor.mis()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def berlin(make_clinic):
    """A clinic that changes to summer time on 31 March 2030 and back on 27 October."""
    return make_clinic("Europe/Berlin")


@pytest.fixture
def visit(resource, patient):
    """An order of the patient for 10:30 on DAY, not accepted yet."""
    return make_order(
        resource,
        starts_at=when(resource.clinic, "10:30"),
        patient=patient,
        email="petrova@example.ru",
        phone="+7 900 123-45-67",
        name2="Анна",
    )


def accept(order: Order) -> Order:
    return order_decide(actor=MIS, order=order, status=Order.Status.ACCEPTED)


def planned(order: Order) -> dict[str, tuple[datetime, datetime | None]]:
    return {r.kind: (r.due_at, r.sent_at) for r in Reminder.objects.filter(order=order)}


@pytest.mark.parametrize(
    ("visit_at", "day_before", "hours_before"),
    [
        # Spring forward: the day before at 10:00 is 23 hours earlier.
        ("31.03.2030 10:00", "2030-03-30 09:00", "2030-03-31 06:00"),
        # Fall back: 25 hours earlier.
        ("27.10.2030 10:00", "2030-10-26 08:00", "2030-10-27 07:00"),
        # Two hours before 03:30 summer time is 00:30 winter time: two real hours.
        ("31.03.2030 03:30", "2030-03-30 02:30", "2030-03-30 23:30"),
        # A summer day: 24 hours.
        ("15.07.2030 10:00", "2030-07-14 08:00", "2030-07-15 06:00"),
    ],
)
def test_it_plans_reminders_on_the_clinics_clock_across_summer_time(
    berlin, visit_at, day_before, hours_before
):
    order = make_order(make_resource(berlin), starts_at=local(berlin, visit_at))

    accept(order)

    assert planned(order) == {
        "day": (utc(day_before), None),
        "hours": (utc(hours_before), None),
    }


def test_it_plans_nothing_before_the_clinic_accepts(visit):
    assert planned(visit) == {}


def test_it_plans_only_the_reminders_still_ahead(resource):
    in_three_hours = timezone.now().replace(microsecond=0) + timedelta(hours=3)
    soon = make_order(resource, starts_at=in_three_hours)

    accept(soon)

    assert list(planned(soon)) == ["hours"]


def test_it_plans_again_when_the_clinic_moves_the_visit(visit, resource):
    accept(visit)
    Reminder.objects.filter(order=visit, kind="day").update(sent_at=timezone.now())

    order_move(
        actor=MIS,
        order=visit,
        resource=resource,
        starts_at=when(resource.clinic, "11:30"),
        ends_at=when(resource.clinic, "12:00"),
    )

    # The reminder already sent for 10:30 is due again, for 11:30.
    assert planned(visit) == {
        "day": (when(resource.clinic, "11:30") - timedelta(days=1), None),
        "hours": (when(resource.clinic, "09:30"), None),
    }


def test_it_keeps_the_reminders_when_the_details_change(visit):
    accept(visit)
    before = planned(visit)

    order_decide(actor=MIS, order=visit, status=Order.Status.ACCEPTED)  # an echo
    visit.refresh_from_db()

    assert planned(visit) == before


@pytest.mark.parametrize(
    "drop",
    [
        lambda order, patient: order_cancel(
            actor=Actor.patient(patient), order=order, now=order.starts_at - timedelta(days=2)
        ),
        lambda order, patient: order_decide(actor=MIS, order=order, status=3),
        lambda order, patient: order_decide(actor=MIS, order=order, status=0),
    ],
    ids=["cancelled", "rejected", "back-to-received"],
)
def test_it_drops_the_unsent_reminders_of_a_visit_that_is_no_longer_accepted(visit, patient, drop):
    accept(visit)
    Reminder.objects.filter(order=visit, kind="day").update(sent_at=timezone.now())

    drop(visit, patient)

    assert list(planned(visit)) == ["day"]  # the sent one stays, as what happened


def test_it_sends_a_due_reminder_by_email_and_text_message(visit, mailoutbox, sms_outbox):
    accept(visit)

    sent = reminders_send_due(now=when(visit.clinic, "10:30") - timedelta(days=1))

    assert sent == 1
    [message] = mailoutbox
    assert message.to == ["petrova@example.ru"]
    assert message.subject == "Напоминание о приёме 4 марта в 10:30: Клиника на Ленина"
    assert "Напоминаем: 4 марта в 10:30 у вас приём. Клиника: Клиника на Ленина." in message.body
    assert f"http://127.0.0.1:8000/orders/{visit.pk}/" in message.body
    assert_in_russian(
        message.body,
        "Клиника на Ленина",
        "Нестеров О. П.",
        f"http://127.0.0.1:8000/orders/{visit.pk}/cancel/",
        f"http://127.0.0.1:8000/orders/{visit.pk}/",
    )
    assert sms_outbox == [
        (
            "+7 900 123-45-67",
            "Напоминаем о приёме 04.03 в 10:30: Нестеров О. П., Клиника на Ленина. "
            f"http://127.0.0.1:8000/orders/{visit.pk}/",
        )
    ]
    assert planned(visit)["day"][1] is not None
    assert planned(visit)["hours"][1] is None


def test_it_sends_a_reminder_only_once(visit, mailoutbox, sms_outbox):
    accept(visit)
    due = when(visit.clinic, "08:30")
    [reminder] = Reminder.objects.filter(order=visit, kind="hours")

    first = reminder_send(reminder_id=reminder.pk, now=due)
    again = [reminder_send(reminder_id=reminder.pk, now=due), reminders_send_due(now=due)]

    assert (first, again) == (True, [False, 0])
    assert len(mailoutbox) == 1 and len(sms_outbox) == 1
    assert reminders_send_due(now=due + timedelta(minutes=5)) == 0


def test_it_drops_a_day_before_reminder_overtaken_by_the_two_hours_one(visit, mailoutbox):
    accept(visit)

    sent = reminders_send_due(now=when(visit.clinic, "08:30"))

    assert sent == 1
    assert [message.subject for message in mailoutbox] == [
        "Напоминание о приёме 4 марта в 10:30: Клиника на Ленина"
    ]
    assert list(planned(visit)) == ["hours"]


def test_it_sends_nothing_before_the_time_or_after_the_visit_began(visit, mailoutbox):
    accept(visit)

    early = reminders_send_due(now=when(visit.clinic, "10:29") - timedelta(days=1))
    late = reminders_send_due(now=when(visit.clinic, "10:30"))

    assert (early, late, mailoutbox) == (0, 0, [])


def test_it_keeps_a_reminder_due_when_the_mail_server_fails(
    visit, mailoutbox, sms_outbox, monkeypatch
):
    accept(visit)
    real_send = EmailMessage.send

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    due = when(visit.clinic, "10:30") - timedelta(days=1)
    with pytest.raises(RemindersNotSent):
        reminders_send_due(now=due)
    assert (mailoutbox, sms_outbox) == ([], [])
    assert planned(visit)["day"] == (due, None)

    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert reminders_send_due(now=due) == 1
    assert len(mailoutbox) == 1


def test_a_failing_sms_gateway_does_not_stop_the_email(visit, mailoutbox, settings):
    settings.SMS_BACKEND = "tests.booking.test_reminders.BrokenSmsBackend"
    accept(visit)

    assert reminders_send_due(now=when(visit.clinic, "08:30")) == 1

    assert len(mailoutbox) == 1


class BrokenSmsBackend:
    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("the gateway is down")


@pytest.fixture
def travel(monkeypatch):
    """Sets the clock that everything reads, to a given instant."""

    def to(moment: datetime) -> None:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return to


def test_the_command_sends_what_is_due(visit, mailoutbox, travel):
    accept(visit)
    travel(when(visit.clinic, "08:30"))

    call_command("send_due_reminders")

    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(on_postgres, visit, mailoutbox):
    accept(visit)
    mailoutbox.clear()  # the acceptance's own email, sent once it committed
    due = when(visit.clinic, "08:30")

    results = at_once(*[lambda: reminders_send_due(now=due) for _ in range(4)])

    assert sum(results) == 1, results
    assert len(mailoutbox) == 1
