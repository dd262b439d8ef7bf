"""Start-up checks that keep a production deployment from running with a guessable secret."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# Django's own deploy check (security.W009) asks the same of a key.
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5


def check_secret_key(key: str) -> None:
    """Refuses a key that could be guessed: short, or a few characters repeated."""
    if not key:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a local development run).")
    if (
        len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS
        or key.startswith("django-insecure-")
    ):
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random characters, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".'
        )
