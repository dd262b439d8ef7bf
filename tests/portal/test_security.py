"""Production is secure with nothing set but the three required variables; the environment
can relax a setting, and a weak SECRET_KEY stops the portal from starting."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.security import check_secret_key

ROOT = Path(__file__).resolve().parents[2]


def production(*command: str, **env: str) -> subprocess.CompletedProcess:
    """`command` in a fresh interpreter whose environment holds only what production sets."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")}
    required = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example",
        "DATABASE_URL": "postgres://portal@db.example:5432/portal",
    }
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=clean | required | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_deploy_check_passes_with_production_settings():
    result = production("manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "key", ["x", "short-but-random-Kq3v9ZpL", "ab" * 40, "django-insecure-" + "k3x9" * 12]
)
def test_a_weak_secret_key_is_refused(key):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is too weak"):
        check_secret_key(key)


def test_the_portal_does_not_start_in_production_with_a_weak_key():
    result = production("manage.py", "check", SECRET_KEY="changeme")

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


SHOW = (
    "import portal.settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
    " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
)


def test_production_is_strict_by_default_and_the_environment_can_relax_it():
    strict = production("-c", SHOW)
    relaxed = production("-c", SHOW, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")

    assert strict.stdout.split() == ["True", "31536000", "True", "True"], strict.stderr
    assert relaxed.stdout.split() == ["False", "0", "True", "True"], relaxed.stderr


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get("/", secure=True)

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_plain_http_is_redirected_unless_the_proxy_says_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    redirected = client.get("/clinics/1/")
    behind_proxy = client.get("/", headers={"X-Forwarded-Proto": "https"})

    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/clinics/1/"
    assert behind_proxy.status_code == 200


# Whatever runs on a page comes from a static file: the policy forbids inline code.
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)


def test_no_template_has_inline_script_or_style():
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if INLINE_CODE.search(path.read_text())
    ]

    assert offenders == []
