"""The import journal: one row per authenticated import request, whatever its outcome."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DatabaseError
from django.utils import timezone

from exchange.importing import ImportSummary
from exchange.models import Clinic, ImportRecord
from exchange.protocol import Problem

logger = logging.getLogger(__name__)

JOURNALED_ERRORS = 100


@dataclass
class JournalEntry:
    outcome: str = ImportRecord.Outcome.FAILED
    counts: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)

    def applied(self, summary: ImportSummary) -> None:
        dry_run = summary.dry_run
        self.outcome = ImportRecord.Outcome.DRY_RUN if dry_run else ImportRecord.Outcome.APPLIED
        self.counts = summary.counts()

    def rejected(self, problems: list[Problem]) -> None:
        self.outcome = ImportRecord.Outcome.REJECTED
        self.counts = {"errors": len(problems)}
        self.errors = [
            {"line": p.line, "element": p.element, "attribute": p.attribute, "message": p.message}
            for p in problems[:JOURNALED_ERRORS]
        ]


@contextmanager
def journal_import(*, clinic: Clinic, size: int) -> Iterator[JournalEntry]:
    """Records the import run inside the block; an exception leaves the outcome "failed"."""
    received_at = timezone.now()
    started = time.monotonic()
    entry = JournalEntry()
    try:
        yield entry
    finally:
        try:
            ImportRecord.objects.create(
                clinic=clinic,
                received_at=received_at,
                size=size,
                outcome=entry.outcome,
                counts=entry.counts,
                errors=entry.errors,
                duration_ms=round((time.monotonic() - started) * 1000),
            )
        except DatabaseError:
            # The journal must not turn an answer into a different failure.
            logger.exception("could not journal an import of clinic %s", clinic.pk)
