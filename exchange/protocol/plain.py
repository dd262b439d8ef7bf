"""The quick way through the records that fill big documents: appointments and schedules.

Almost every record of a real document is written plainly: each attribute spelled once, no
namespace, every value readable. For those, values are fetched by position (worked out once
per distinct list of attribute names) and converted through memos of the very readers that
`Attributes` uses (a clinic's 144 000 appointments share a few hundred distinct times). A
record that is not plain in any way (an attribute missing, blank, spelled twice, a value
that does not read) gets None here, and the parser reads it again with `Attributes`, which
says what is wrong. A record read here equals the one `Attributes` would give (a property
test holds the two to that).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from lxml import etree

from exchange.protocol.attributes import DateWindow, Read, read_date, read_datetime, read_integer
from exchange.protocol.records import (
    MAX_DURATION,
    MAX_TABLENAME_LENGTH,
    Appointment,
    WorkingHours,
)

# Fewer digits than this always fit in a 64-bit integer.
_SAFE_DIGITS = 19
_APPOINTMENT = ("tablename", "id", "resource_id", "receptiondatetime", "duration", "title")
_SCHEDULE = ("id", "date", "resource_id")
# Attributes an appointment may go without: its title.
_APPOINTMENT_REQUIRED = 5
_SCHEDULE_REQUIRED = slice(1, 3)
WorkingHoursValues = tuple[timedelta, timedelta, timedelta | None, timedelta | None]
# Where each wanted attribute stands, by an element's attribute names; None: not plain.
Positions = dict[tuple[str, ...], tuple[int | None, ...] | None]


def _positions(names: tuple[str, ...], wanted: tuple[str, ...]) -> tuple[int | None, ...] | None:
    """Where each wanted attribute stands among `names`; None if any name is not plain."""
    lowered = [name.lower() for name in names]
    if len(set(lowered)) != len(lowered) or any(name.startswith("{") for name in names):
        return None
    index = {name: position for position, name in enumerate(lowered)}
    return tuple(index.get(name) for name in wanted)


def _where(
    positions: Positions, element: etree._Element, wanted: tuple[str, ...]
) -> tuple[int | None, ...] | None:
    names = tuple(element.keys())
    try:
        return positions[names]
    except KeyError:
        found = positions[names] = _positions(names, wanted)
        return found


def _integer(value: str) -> int | None:
    if value.isdigit() and value.isascii() and len(value) < _SAFE_DIGITS:
        return int(value)  # what read_integer gives, found sooner
    return read_integer(value.strip())[0]


def _table(value: str) -> str | None:
    table = value.strip()
    return table if 0 < len(table) <= MAX_TABLENAME_LENGTH else None


def _minutes(maximum: int) -> Callable[[str], int | None]:
    def read(value: str) -> int | None:
        return read_integer(value.strip(), range(1, maximum + 1))[0]

    return read


class _Memo(dict):
    """Values by their text, each read once by `read`; None for a text that does not read."""

    def __init__(self, read: Callable[[str], Any]) -> None:
        super().__init__()
        self.read = read

    def __missing__(self, text: str) -> Any:
        value = self[text] = self.read(text)
        return value


def _quiet(read: Callable[[str, DateWindow], Read], dates: DateWindow) -> Callable[[str], Any]:
    def value(text: str) -> Any:
        return read(text.strip(), dates)[0]

    return value


class PlainReader:
    """Reads plain records of one document (its memos hold for that document's dates)."""

    def __init__(self, dates: DateWindow) -> None:
        self.appointment_positions: Positions = {}
        self.schedule_positions: Positions = {}
        # One string per table name, shared by all its appointments.
        self.tables = _Memo(_table)
        self.integers = _Memo(_integer)
        self.durations = _Memo(_minutes(MAX_DURATION))
        self.dates = _Memo(_quiet(read_date, dates))
        self.datetimes = _Memo(_quiet(read_datetime, dates))
        # The working hours of each readable `time_rules`, by what it says as written: a
        # clinic's schedules repeat a few intervals thousands of times.
        self.hours: dict[tuple[tuple[str, str], ...], WorkingHoursValues] = {}

    def known_hours(self, said: tuple[tuple[str, str], ...]) -> WorkingHoursValues | None:
        """The working hours of a `time_rules` that said exactly this before, if readable."""
        return self.hours.get(said)

    def remember_hours(self, said: tuple[tuple[str, str], ...], hours: WorkingHours) -> None:
        self.hours[said] = (hours.start, hours.end, hours.break_start, hours.break_end)

    def appointment(self, element: etree._Element, line: int | None) -> Appointment | None:
        where = _where(self.appointment_positions, element, _APPOINTMENT)
        if where is None or None in where[:_APPOINTMENT_REQUIRED]:
            return None
        values = element.values()
        table_at, id_at, resource_at, starts_at_at, duration_at, title_at = where
        table = self.tables[values[table_at]]
        mis_id = _integer(values[id_at])
        resource_id = self.integers[values[resource_at]]
        starts_at: datetime | None = self.datetimes[values[starts_at_at]]
        duration = self.durations[values[duration_at]]
        if (
            table is None
            or mis_id is None
            or resource_id is None
            or starts_at is None
            or duration is None
        ):
            return None
        title = "" if title_at is None else values[title_at].strip()
        return Appointment(line, table, mis_id, resource_id, starts_at, duration, title)

    def schedule_head(self, element: etree._Element) -> tuple[int | None, date, int] | None:
        """A schedule's (id, date, resource id); its working hours are read apart."""
        where = _where(self.schedule_positions, element, _SCHEDULE)
        if where is None or None in where[_SCHEDULE_REQUIRED]:
            return None
        values = element.values()
        id_at, date_at, resource_at = where
        mis_id = None
        if id_at is not None:
            mis_id = _integer(values[id_at])
            if mis_id is None:
                return None
        day: date | None = self.dates[values[date_at]]
        resource_id = self.integers[values[resource_at]]
        if day is None or resource_id is None:
            return None
        return mis_id, day, resource_id
