"""The booking app's background jobs (see portal.jobs)."""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from booking.notifications import send_own_change_email, send_pending_notices
from booking.reminders import reminders_send_due


class NoticesNotSent(Exception):
    """Some messages could not go out; the job is retried and sends only those."""


# A mail server that is down for minutes, or an hour, is retried: 2, 4, 8 ... 1024 s.
MAIL_RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)


@app.task(queue="emails", retry=MAIL_RETRY)
def send_order_notices(event_ids: list[int]) -> None:
    unsent = send_pending_notices(event_ids)
    if unsent:
        raise NoticesNotSent(f"events {unsent}")


@app.task(queue="emails", retry=MAIL_RETRY)
def send_own_change(order_id: int, change: str) -> None:
    """The email that confirms the patient's own booking ("received") or move ("rescheduled")."""
    send_own_change_email(order_id, change)


# Deferred for each instant that reminders are planned for (booking.reminders), and run every
# five minutes besides, for anything a job missed; `timestamp` is the instant it was meant for.
@app.periodic(cron="*/5 * * * *")
@app.task(queue="emails", retry=MAIL_RETRY)
def send_due_reminders(timestamp: int) -> None:
    reminders_send_due()
