"""Sentry is optional: on with SENTRY_DSN, without personal data; off without it."""

from __future__ import annotations

from tests.portal.test_security import production

SHOW = (
    "import portal.settings, sentry_sdk; client = sentry_sdk.get_client();"
    "print(client.is_active(), client.options['send_default_pii'])"
)


def test_it_reports_to_sentry_only_when_a_dsn_is_set():
    # Nothing is sent: no error happens, and the address is this machine's.
    on = production("-c", SHOW, SENTRY_DSN="https://public@127.0.0.1:9/1")
    off = production("-c", SHOW)

    assert on.stdout.split() == ["True", "False"], on.stderr
    assert off.stdout.split()[0] == "False", off.stderr
