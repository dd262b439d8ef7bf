"""Client keys: issued to a clinic once, stored only as a digest, looked up per request."""

from __future__ import annotations

import hashlib
import uuid

from django.db import transaction

from exchange.models import Clinic


class KeyInUse(ValueError):
    """The key being registered already belongs to a clinic."""


def normalize_key(key: str) -> str:
    # Keys compare case-insensitively and MIS configs often carry stray whitespace.
    return key.strip().upper()


def key_digest(key: str) -> str:
    # A key carries 122 random bits, so a fast unsalted digest is safe and keeps the lookup
    # an index probe; what matters is that a database leak does not leak working keys.
    return hashlib.sha256(normalize_key(key).encode()).hexdigest()


def generate_key() -> str:
    return str(uuid.uuid4()).upper()  # uuid4 draws from os.urandom, a CSPRNG


@transaction.atomic
def clinic_issue_key(*, clinic: Clinic, key: str | None = None) -> str:
    """Gives the clinic a new key (or registers its existing one) and returns it, once.

    Any previous key of the clinic stops working: this is also how a key is rotated.
    """
    key = normalize_key(key) if key else generate_key()
    if not key:
        raise ValueError("an empty key")
    digest = key_digest(key)
    if Clinic.objects.filter(key_digest=digest).exclude(pk=clinic.pk).exists():
        raise KeyInUse("this key already belongs to another clinic")
    clinic.key_digest = digest
    clinic.save(update_fields=["key_digest"])
    return key


def clinic_revoke_key(*, clinic: Clinic) -> None:
    clinic.key_digest = None
    clinic.save(update_fields=["key_digest"])


def clinic_for_key(key: str | None) -> Clinic | None:
    """The active clinic that holds `key`; None for a missing, unknown or revoked key alike."""
    if not key or not key.strip():
        return None
    return Clinic.objects.filter(key_digest=key_digest(key), is_active=True).first()
