"""Reads the orders an MIS pulls: one clinic's, by time of last change, oldest first."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import chain

from django.db.models import BigIntegerField, DurationField, ExpressionWrapper, F, Func

from exchange.errors import BadRequest
from exchange.models import Clinic, Order, Resource
from exchange.protocol import ExportedOrder
from portal.logging import log_event

logger = logging.getLogger(__name__)

# ASCII digits only: int() would also read other scripts' digits ("١٢" is 12).
_UNIX_TIME = re.compile(r"\d{1,11}", re.ASCII)
_MINUTE = timedelta(minutes=1)


class _UnixSeconds(Func):
    """A moment as whole seconds since 1970, rounded down.

    The export writes times to the second, in the clinic's zone. The database hands over a
    plain integer, which Python turns into the clinic's wall clock with the same zoneinfo
    the import reads it with; a timestamp would cost the driver a parse per value instead,
    and the database's own tzdata may be older than Python's.
    """

    output_field = BigIntegerField()

    @staticmethod
    def convert_value(value, expression, connection):
        # Both databases answer an integer already: no int() of every value on its way out.
        return value

    def as_postgresql(self, compiler, connection, **extra):
        # Truncated first: before PostgreSQL 14, extract() answers a double, which can round
        # .999999 s up to the next second.
        template = "extract(epoch FROM date_trunc('second', %(expressions)s))::bigint"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; the fraction is cut off, as
        # SQLite reads it to the millisecond, rounding .9995 s and above up to the next second.
        # %%%% is one % once the template and then the query's placeholders are filled.
        template = "CAST(strftime('%%%%s', substr(%(expressions)s, 1, 19)) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


# An order's columns as the export reads them. Its resource's MIS id and name are not
# joined in: see _orders.
COLUMNS = (
    "pk", "status", "patient_id", "user_name", _UnixSeconds("created_at"), "resource_id",
    _UnixSeconds("starts_at"),
    # Exact to the microsecond, as the duration in whole minutes is rounded down from it.
    ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField()),
    "name1", "name2", "name3", "aim", "phone", "city", "address", "email", "comment",
    _UnixSeconds("last_changed_at"),
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
    rows = orders.order_by("last_changed_at", "pk").values_list(*COLUMNS).iterator(chunk_size=2000)
    first = next(rows, None)
    if first is None:
        return
    # The clinic's resources are read once, not joined to every order: with statistics that
    # lag behind a clinic's orders, PostgreSQL planned that join for the export's cursor as a
    # scan of every resource of every clinic per order. Read after the first row, so after the
    # cursor's snapshot: every resource its orders name exists by then (a resource with
    # orders is never deleted, and never changes clinic).
    resources = {
        pk: (mis_id, name)
        for pk, mis_id, name in Resource.objects.filter(clinic=clinic).values_list(
            "pk", "mis_id", "name"
        )
    }
    local = partial(datetime.fromtimestamp, tz=clinic.tzinfo)
    # An MIS that knows only 0, 1 and 3 sees the patient's cancellation as 3.
    statuses = {Order.Status.CANCELLED: clinic.cancelled_status}
    for row in chain([first], rows):
        (pk, status, patient_id, user_name, created_at, resource_id, starts_at, duration,
         *patient_fields, last_changed_at) = row  # fmt: skip
        mis_resource_id, resource_name = resources[resource_id]
        yield ExportedOrder(
            pk,
            statuses.get(status, status),
            patient_id,
            user_name,
            local(created_at).date(),
            mis_resource_id,
            resource_name,
            resource_id,
            local(starts_at),
            duration // _MINUTE,
            *patient_fields,
            local(last_changed_at),
        )
