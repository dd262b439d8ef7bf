"""The accounts app's background jobs (see portal.jobs)."""

from __future__ import annotations

from django.core.mail import EmailMessage
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app


@app.task(queue="emails", retry=RetryStrategy(max_attempts=10, exponential_wait=2))
def send_email(subject: str, body: str, to: list[str]) -> None:
    """One rendered email: sent by the queue, so that a page answers alike whether or not an
    account exists, and a slow mail server never slows it."""
    EmailMessage(subject, body, to=to).send()
