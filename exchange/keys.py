"""Client keys: issued to a clinic once, stored only as a digest, looked up per request."""

from __future__ import annotations

import hashlib
import re
import uuid

from django.db import transaction

from exchange.models import Clinic

# The protocol's keys: 9DDDE578-5179-4CC4-A2A0-F681618ED9EA.
UUID_SHAPE = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
# An old portal's key of another shape is accepted only deliberately, and not a short one.
LEGACY_KEY_MIN_LENGTH = 16


class KeyInUse(ValueError):
    """The key being registered already belongs to a clinic."""


class BadKey(ValueError):
    """The key being registered is not one the portal accepts."""


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
def clinic_issue_key(*, clinic: Clinic, key: str | None = None, legacy: bool = False) -> str:
    """Gives the clinic a new key (or registers its existing one) and returns it, once.

    An existing key must look like the protocol's (a UUID) unless `legacy` says it comes from
    an old portal that issued others; even then it must not be short. Any previous key of
    the clinic stops working: this is also how a key is rotated.
    """
    key = generate_key() if key is None else normalize_key(key)
    if not key:
        raise BadKey("an empty key")
    if legacy and (len(key) < LEGACY_KEY_MIN_LENGTH or re.search(r"\s", key)):
        raise BadKey(
            f"a legacy key needs at least {LEGACY_KEY_MIN_LENGTH} characters and no spaces"
        )
    if not legacy and not UUID_SHAPE.fullmatch(key):
        raise BadKey("not a UUID-shaped key (8-4-4-4-12 hex digits)")
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
