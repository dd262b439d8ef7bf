"""Reads the orders an MIS pulls: one clinic's, by time of last change, oldest first."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from exchange.errors import BadRequest
from exchange.models import Clinic, Order
from exchange.protocol import ExportedOrder
from portal.logging import log_event

logger = logging.getLogger(__name__)

# ASCII digits only: int() would also read other scripts' digits ("١٢" is 12).
_UNIX_TIME = re.compile(r"\d{1,11}", re.ASCII)
COLUMNS = (
    "pk", "status", "patient_id", "user_name", "created_at", "resource__mis_id",
    "resource__name", "resource_id", "starts_at", "ends_at", "name1", "name2", "name3", "aim",
    "phone", "city", "address", "email", "comment", "last_changed_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end] in whole seconds, both ends inclusive; no end means up to now."""

    start: datetime
    end: datetime | None


def _unix_time(name: str, value: str) -> datetime:
    if not _UNIX_TIME.fullmatch(value):
        raise BadRequest(f"{name} must be a UNIX time in whole seconds, got {value!r}")
    return datetime.fromtimestamp(int(value), tz=UTC)


def export_window(start: str | None, end: str | None) -> Window:
    if not (start or "").strip():
        raise BadRequest("start is required: a UNIX time in seconds")
    window = Window(_unix_time("start", start.strip()), None)
    if (end or "").strip():
        window = Window(window.start, _unix_time("end", end.strip()))
        if window.end < window.start:
            raise BadRequest("end is before start")
    return window


def exported_orders(*, clinic: Clinic, window: Window) -> Iterator[ExportedOrder]:
    """The clinic's orders changed in the window, read in chunks so memory stays flat.

    When the rows run out, or the reader stops early (a client that hung up), one `export`
    log line tells how many went out and how long it took.
    """
    started = time.monotonic()
    rows = 0
    complete = False
    try:
        for order in _orders(clinic=clinic, window=window):
            rows += 1
            yield order
        complete = True
    finally:
        log_event(
            logger,
            "export",
            clinic=clinic.pk,
            start=int(window.start.timestamp()),
            end=None if window.end is None else int(window.end.timestamp()),
            rows=rows,
            duration_ms=round((time.monotonic() - started) * 1000),
            complete=complete,
        )


def _orders(*, clinic: Clinic, window: Window) -> Iterator[ExportedOrder]:
    orders = Order.objects.filter(clinic=clinic, last_changed_at__gte=window.start)
    if window.end is not None:
        # The end second is inclusive: changes up to end + 0.999999 s count.
        orders = orders.filter(last_changed_at__lt=window.end + timedelta(seconds=1))
    rows = orders.order_by("last_changed_at", "pk").values_list(*COLUMNS)
    zone = clinic.tzinfo
    # An MIS that knows only 0, 1 and 3 sees the patient's cancellation as 3.
    statuses = {Order.Status.CANCELLED: clinic.cancelled_status}
    for row in rows.iterator(chunk_size=2000):
        (pk, status, patient_id, user_name, created_at, mis_resource_id, resource_name,
         resource_id, starts_at, ends_at, *patient_fields, last_changed_at) = row  # fmt: skip
        yield ExportedOrder(
            pk,
            statuses.get(status, status),
            patient_id,
            user_name,
            created_at.astimezone(zone).date(),
            mis_resource_id,
            resource_name,
            resource_id,
            starts_at.astimezone(zone),
            (ends_at - starts_at) // timedelta(minutes=1),
            *patient_fields,
            last_changed_at.astimezone(zone),
        )
