"""Reads one element's attributes as typed values, collecting located errors."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from lxml import etree

from exchange.protocol.records import ID_RANGE

if TYPE_CHECKING:
    from exchange.protocol.reading import _Parser

# ASCII digits only: int() would read other scripts' digits ("١٢" is 12) as numbers.
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)


def local_name(name: str) -> str:
    return etree.QName(name).localname.lower() if name.startswith("{") else name.lower()


class Attributes:
    """Reads one element's attributes case-insensitively, collecting located errors."""

    def __init__(self, parser: _Parser, element: etree._Element, name: str) -> None:
        self.parser = parser
        self.line = element.sourceline
        self.element = name
        self.values = {}
        # Problems name an attribute as the document spells it (`w_endTime`, `LastChangedOn`).
        self.spelling = {}
        for name, value in element.attrib.items():
            key = local_name(name)
            self.values[key] = value
            self.spelling[key] = etree.QName(name).localname
        self.ok = True

    def error(self, attribute: str | None, message: str) -> None:
        self.ok = False
        document = self.parser.document
        attribute = self.spelling.get(attribute, attribute)
        self.parser.error(document.problem(self.line, self.element, message, attribute=attribute))

    def raw(self, *names: str) -> tuple[str, str | None]:
        """The first of `names` that is present and not blank, with the value stripped."""
        for name in names:
            value = self.values.get(name)
            if value is not None and value.strip():
                return name, value.strip()
        return names[0], None

    def text(self, name: str, *, max_length: int, required: bool = True) -> str:
        _, value = self.raw(name)
        if value is None:
            if required:
                self.error(name, "required")
            return ""
        if len(value) > max_length:
            self.error(name, f"longer than {max_length} characters")
        return value

    def integer(self, name: str, *, required: bool = True, bounds: range = ID_RANGE) -> int | None:
        _, value = self.raw(name)
        if value is None:
            if required:
                self.error(name, "required")
            return None
        if not _INTEGER.fullmatch(value):
            self.error(name, f"not an integer: {value!r}")
            return None
        number = int(value)
        if number not in bounds:
            self.error(name, f"out of range: {value}")
            return None
        return number

    def minutes(self, name: str, *, maximum: int, required: bool = True) -> int | None:
        _, value = self.raw(name)
        if value is None:
            if required:
                self.error(name, "required")
            return None
        if not _INTEGER.fullmatch(value) or not 0 < int(value) <= maximum:
            self.error(name, f"not a positive number of minutes up to {maximum}: {value!r}")
            return None
        return int(value)

    def date(self, name: str) -> date | None:
        _, value = self.raw(name)
        if value is None:
            self.error(name, "required")
            return None
        parsed = _parse_date(value)
        if parsed is None:
            self.error(name, f"not a date DD.MM.YYYY: {value!r}")
        return parsed

    def clock(
        self, *names: str, required: bool = False, allow_midnight_end: bool = False
    ) -> tuple[str, timedelta | None]:
        name, value = self.raw(*names)
        if value is None:
            if required:
                self.error(name, "required")
            return name, None
        parsed = _parse_clock(value, allow_midnight_end)
        if parsed is None:
            self.error(name, f"not a time HH:MM: {value!r}")
        return name, parsed

    def datetime(self, name: str, *, required: bool = True) -> datetime | None:
        _, value = self.raw(name)
        if value is None:
            if required:
                self.error(name, "required")
            return None
        day, _, clock = value.partition(" ")
        parsed_day = _parse_date(day)
        parsed_clock = _parse_clock(clock.strip(), allow_midnight_end=False)
        if parsed_day is None or parsed_clock is None:
            self.error(name, f"not a date-time DD.MM.YYYY HH:MM:SS: {value!r}")
            return None
        return datetime.combine(parsed_day, datetime.min.time()) + parsed_clock


def _parse_date(value: str) -> date | None:
    match = _DATE.fullmatch(value)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse_clock(value: str, allow_midnight_end: bool) -> timedelta | None:
    match = _CLOCK.fullmatch(value)
    if not match:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    offset = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if minutes > 59 or seconds > 59 or hours > 24:
        return None
    if hours == 24 and (offset != timedelta(hours=24) or not allow_midnight_end):
        return None
    return offset
