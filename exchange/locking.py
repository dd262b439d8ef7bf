"""The locks that keep imports, bookings and exports of one clinic in step.

Resources: a booking and an import's order change lock the resource rows they touch, always
before they touch an order on them, so a booking cannot slip between a check and a write and
the two never wait for each other in a cycle. Imports of one clinic queue on the clinic row
(FOR NO KEY UPDATE, which an order's foreign-key check does not wait for).

Change stamps: the export promises that an MIS polling with `start` = its previous `end`
misses nothing. A change stamped at T but committed later would be missed by an export that
read in between, so every writer of orders holds a shared lock from before it takes its
stamp until it commits, and the export takes the lock exclusively for a moment before it
reads. When the export reads, every change stamped earlier is committed; later ones carry
later stamps.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from exchange.models import Resource

# Namespace of the portal's advisory locks on PostgreSQL ("MH").
ORDER_CHANGES = 0x4D48


def lock_resources(*pks: int) -> None:
    """Locks resource rows in id order (one order for everyone: no deadlock between them)."""
    rows = Resource.objects.select_for_update(of=("self",)).filter(pk__in=set(pks))
    list(rows.order_by("pk").values_list("pk"))


def order_change_stamp(clinic_id: int) -> datetime:
    """In a writer's transaction: the time to stamp its order changes with.

    On SQLite the IMMEDIATE transaction already holds the database's single write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s, %s::int)", [ORDER_CHANGES, clinic_id]
            )
    return timezone.now()


def order_changes_settle(clinic_id: int) -> None:
    """Before an export reads: returns once every order change stamped so far is committed."""
    with transaction.atomic():
        # On SQLite entering the block is the wait: BEGIN IMMEDIATE queues behind writers.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s::int)", [ORDER_CHANGES, clinic_id]
                )
