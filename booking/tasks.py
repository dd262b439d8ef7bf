"""The booking app's background jobs (see portal.jobs)."""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from booking.notifications import send_pending_notices


class NoticesNotSent(Exception):
    """Some messages could not go out; the job is retried and sends only those."""


# A mail server that is down for minutes, or an hour, is retried: 2, 4, 8 ... 1024 s.
MAIL_RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)


@app.task(queue="emails", retry=MAIL_RETRY)
def send_order_notices(event_ids: list[int]) -> None:
    unsent = send_pending_notices(event_ids)
    if unsent:
        raise NoticesNotSent(f"events {unsent}")
