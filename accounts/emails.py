"""The emails of sign-up and password reset: one function each, taking plain values only.

Each sends one plain-text Russian email, through the job queue. None of them repeats what
the person who filled in a form typed, apart from the address itself: the address may be
someone else's.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from portal.jobs import defer


def send_signup_confirmation(*, email: str, link: str) -> None:
    _send("accounts/email/signup_confirmation", to=email, context={"email": email, "link": link})


def send_signup_existing_account(*, email: str, sign_in_url: str, password_reset_url: str) -> None:
    context = {"email": email, "sign_in_url": sign_in_url, "password_reset_url": password_reset_url}
    _send("accounts/email/signup_existing_account", to=email, context=context)


def send_password_reset_no_account(*, email: str, signup_url: str) -> None:
    context = {"email": email, "signup_url": signup_url}
    _send("accounts/email/password_reset_no_account", to=email, context=context)


def send_rendered(*, subject: str, body: str, to: str) -> None:
    """Hands a rendered email to the job queue."""
    # Imported here: the tasks module needs the apps loaded.
    from accounts.tasks import send_email

    defer(send_email, subject=subject, body=body, to=[to])


def _send(template: str, *, to: str, context: dict[str, str]) -> None:
    with translation.override("ru"):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    send_rendered(subject=subject, body=body, to=to)
