"""Helpers for the account pages: sign up through the form, find a link in an email."""

from __future__ import annotations

import re

import pytest

PASSWORD = "Pacient-2026-x"


@pytest.fixture(autouse=True)
def emails_at_once(monkeypatch):
    """The account emails go through the job queue, whose own tests (tests/test_jobs.py) run
    it; here each job runs when deferred, so a test reads the email straight away."""
    monkeypatch.setattr("accounts.emails.defer", lambda task, **kwargs: task(**kwargs))


@pytest.fixture
def sign_up():
    def post(client, *, email="Anna@Example.ru", password=PASSWORD, again=None, **form):
        passwords = {"password1": password, "password2": again or password}
        return client.post(
            "/accounts/signup/", {"name": "Анна", "email": email, **passwords, **form}
        )

    return post


def link_in(message, path: str) -> str:
    """The site-relative address of the link to `path` in an email's body."""
    return re.search(rf"https?://testserver({re.escape(path)}\S*)", message.body).group(1)
