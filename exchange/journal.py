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
from portal.logging import log_event

logger = logging.getLogger(__name__)

JOURNALED_ERRORS = 100


@dataclass
class JournalEntry:
    # The journal row, written when the import begins so that order changes can name it.
    record_id: int | None = None
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
    started = time.monotonic()
    record = ImportRecord.objects.create(
        clinic=clinic,
        received_at=timezone.now(),
        size=size,
        outcome=ImportRecord.Outcome.FAILED,
        duration_ms=0,
    )
    entry = JournalEntry(record_id=record.pk)
    try:
        yield entry
    finally:
        duration_ms = round((time.monotonic() - started) * 1000)
        try:
            ImportRecord.objects.filter(pk=record.pk).update(
                outcome=entry.outcome,
                counts=entry.counts,
                errors=entry.errors,
                duration_ms=duration_ms,
            )
        except DatabaseError:
            # The journal must not turn an answer into a different failure.
            logger.exception("could not journal an import of clinic %s", clinic.pk)
        log_event(
            logger,
            "import",
            clinic=clinic.pk,
            record=record.pk,
            bytes=size,
            duration_ms=duration_ms,
            outcome=entry.outcome,
            counts=entry.counts,
        )
