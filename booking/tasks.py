"""The booking app's background jobs (see portal.jobs), and the service's housekeeping.

The periodic ones run in a Procrastinate worker (its periodic deferrer starts them); without
PostgreSQL there is no worker, and `manage.py anonymize_orders` can run from cron instead.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from procrastinate import RetryStrategy, builtin_tasks
from procrastinate.contrib.django import app
from procrastinate.job_context import JobContext

from booking.notifications import send_own_change_email, send_pending_notices
from booking.reminders import reminders_send_due
from exchange.orders import orders_anonymize
from portal.logging import log_event

logger = logging.getLogger(__name__)


class NoticesNotSent(Exception):
    """Some messages could not go out; the job is retried and sends only those."""


# A mail server that is down for minutes, or an hour, is retried: 2, 4, 8 ... 1024 s.
MAIL_RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)


@app.task(queue="emails", retry=MAIL_RETRY)
def send_order_notices(event_ids: list[int]) -> None:
    unsent = send_pending_notices(event_ids)
    if unsent:
        raise NoticesNotSent(f"events {unsent}")


@app.periodic(cron="30 3 * * *")
@app.task(queue="housekeeping")
def anonymize_old_orders(timestamp: int) -> None:
    """Nightly data retention: see exchange.orders.orders_anonymize."""
    days = settings.ANONYMIZE_ORDERS_AFTER_DAYS
    if days <= 0:
        return
    # The scheduled time, not the clock: a late run blanks what the planned one would have.
    cutoff = datetime.fromtimestamp(timestamp, tz=UTC) - timedelta(days=days)
    count = orders_anonymize(older_than=cutoff)
    log_event(logger, "anonymize_orders", days=days, cutoff=cutoff.isoformat(), orders=count)


@app.periodic(cron="0 4 * * *")
@app.task(queue="housekeeping", pass_context=True)
async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Finished jobs stay a week for a look in the admin; failed ones a month."""
    await builtin_tasks.remove_old_jobs(
        context, max_hours=7 * 24, remove_cancelled=True, remove_aborted=True
    )
    await builtin_tasks.remove_old_jobs(context, max_hours=30 * 24, remove_failed=True)


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
