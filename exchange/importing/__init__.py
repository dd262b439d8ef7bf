"""Applies a parsed import document to a clinic: all of it in one transaction, or nothing.

Sections apply in dependency order (groups, resources, schedules, appointments, orders)
whatever their order in the document; an absent section changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from exchange import protocol
from exchange.importing.appointments import sync_appointments
from exchange.importing.catalogue import replace_groups, replace_resources
from exchange.importing.order_changes import apply_order_changes
from exchange.importing.run import ImportRun, ImportSummary
from exchange.importing.schedules import replace_schedules
from exchange.models import Clinic
from exchange.orders import Actor

__all__ = ["ImportSummary", "import_document"]


def import_document(
    *,
    clinic: Clinic,
    document: protocol.Document,
    dry_run: bool = False,
    journal_entry_id: int | None = None,
) -> ImportSummary:
    """Applies a valid document (`document.errors` empty); a dry run computes and rolls back.

    Order changes name the import's journal entry as their actor.
    """
    if document.errors:
        raise ValueError("a document with errors is rejected, never applied")
    run = ImportRun(
        clinic=clinic,
        document=document,
        summary=ImportSummary(
            dry_run=dry_run,
            warnings=list(document.warnings),
            conflicts=list(document.conflicts),
        ),
        actor=Actor.mis(journal_entry_id),
    )
    with transaction.atomic(durable=True):
        # Imports of one clinic queue up here, so two never interleave. (SQLite serializes
        # all writers with IMMEDIATE transactions instead.)
        Clinic.objects.select_for_update(no_key=True).only("pk").get(pk=clinic.pk)
        for section, apply in SECTIONS:
            if getattr(document, section) is not None:
                apply(run)
        if dry_run:
            transaction.set_rollback(True)
    return run.summary


# Each present section of the document, applied in dependency order: groups before the
# resources that name them, resources before what refers to them.
SECTIONS = (
    ("groups", replace_groups),
    ("resources", replace_resources),
    ("schedules", replace_schedules),
    ("appointments", sync_appointments),
    ("orders", apply_order_changes),
)
