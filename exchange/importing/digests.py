"""Digests of the rows a clinic's last full sync of a section left, to recognize it again."""

from __future__ import annotations

import hashlib
import pickle

from exchange.importing.run import ImportRun
from exchange.models import SectionDigest


def digest(rows: object) -> str:
    """Equal digests mean equal rows (pickle reads back what it wrote).

    The pickle is hashed as it is written, never held whole (a big clinic's rows pickle to
    megabytes)."""
    hasher = hashlib.blake2b(digest_size=32)
    pickle.Pickler(_Sink(hasher.update), protocol=5).dump(rows)
    return hasher.hexdigest()


class _Sink:
    """A file to pickle into: whatever is written goes to `write`."""

    def __init__(self, write) -> None:
        self.write = write


def unchanged(run: ImportRun, section: str, value: str | None) -> bool:
    """Whether the clinic's last full sync of `section` left rows of digest `value`."""
    digests = SectionDigest.objects.filter(clinic=run.clinic, section=section)
    return value is not None and digests.filter(digest=value).exists()


def remember(run: ImportRun, section: str, value: str | None) -> None:
    """Records what the section left; None: rows no full section's digest describes."""
    if value is None:
        SectionDigest.objects.filter(clinic=run.clinic, section=section).delete()
    else:
        SectionDigest.objects.update_or_create(
            clinic=run.clinic, section=section, defaults={"digest": value}
        )
