"""Reads one element's attributes as typed values, collecting located problems.

The problems are collected, not reported: what an unreadable record means (refused, skipped,
a conflict) depends on its kind, and the parser decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from lxml import etree

from exchange.protocol.records import EARLIEST_DATE, ID_RANGE, LATEST_DATE

# ASCII digits only: int() would read other scripts' digits ("١٢" is 12) as numbers.
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
# The most digits a 64-bit integer has: longer strings are out of range without int().
_MAX_DIGITS = 19
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)
# Plausible, not strict: MIS data holds addresses like "счастье@ru", which must pass.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
MIDNIGHT = timedelta(hours=24)
DateWindow = tuple[date, date]
# A value read: (the value, None), or (None, (the message, the code)) when it cannot be.
Read = tuple[Any, tuple[str, str] | None]


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Why one attribute could not be read; the parser locates and reports it."""

    attribute: str | None
    message: str
    code: str


def local_name(name: str) -> str:
    return etree.QName(name).localname.lower() if name.startswith("{") else name.lower()


def spelled_name(name: str) -> str:
    return etree.QName(name).localname if name.startswith("{") else name


def read_integer(value: str, bounds: range = ID_RANGE) -> tuple[int | None, str | None]:
    """(the number, None) or (None, the problem's code); the length is checked before int()."""
    if not _INTEGER.fullmatch(value):
        return None, "bad_integer"
    if len(value.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
        return None, "out_of_range"
    number = int(value)
    if number not in bounds:
        return None, "out_of_range"
    return number, None


def format_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


class Attributes:
    """One element's attributes, matched case-insensitively; blank values count as absent."""

    def __init__(
        self,
        element: etree._Element,
        name: str,
        *,
        line: int | None,
        dates: DateWindow | None = None,
    ) -> None:
        self.line = line
        self.element = name
        self.dates = dates or (EARLIEST_DATE, LATEST_DATE)
        # Stripped values by lower-case name; blank ones are left out.
        self.values: dict[str, str] = {}
        # Problems name an attribute as the document spells it (`w_endTime`, `LastChangedOn`).
        self.spelling: dict[str, str] = {}
        self.problems: list[Unreadable] = []
        self.integers: dict[str, int | None] = {}  # read quietly, by peek_integer
        # One attribute spelled twice with different values (`id="1" ID="2"`).
        self.contradictions: list[Unreadable] = []
        for raw_name, raw_value in element.items():
            spelled = spelled_name(raw_name)
            key, value = spelled.lower(), raw_value.strip()
            self.spelling.setdefault(key, spelled)
            if not value:
                continue
            earlier = self.values.setdefault(key, value)
            if earlier != value:
                self._contradiction(f"{self.spelling[key]}, {spelled}")

    @property
    def ok(self) -> bool:
        return not self.problems

    def fingerprint(self) -> tuple[tuple[str, str], ...]:
        """What the element says, whatever the spelling and order of its attributes."""
        return tuple(sorted(self.values.items()))

    def problem(self, name: str | None, message: str, code: str) -> None:
        self.problems.append(Unreadable(self.spelling.get(name, name), message, code))

    def _contradiction(self, spellings: str) -> None:
        message = f"one attribute given twice with different values: {spellings}"
        self.contradictions.append(Unreadable(spellings, message, "conflicting_spellings"))

    def raw(self, *names: str) -> tuple[str, str | None]:
        """The first of `names` (spellings of one attribute) that is given, and its value."""
        if len(names) == 1:
            return names[0], self.values.get(names[0])
        given = [(name, self.values[name]) for name in names if name in self.values]
        if len({value for _, value in given}) > 1:
            self._contradiction(", ".join(self.spelling[name] for name, _ in given))
        return given[0] if given else (names[0], None)

    def _required(self, name: str, required: bool) -> None:
        if required:
            self.problem(name, "required", "required")

    def text(self, name: str, *, max_length: int, required: bool = True) -> str:
        _, value = self.raw(name)
        if value is None:
            self._required(name, required)
            return ""
        if len(value) > max_length:
            self.problem(name, f"longer than {max_length} characters", "too_long")
        return value

    def peek_integer(self, name: str) -> int | None:
        """The attribute as a 64-bit integer if it is one; reports nothing."""
        if name not in self.integers:
            value = self.values.get(name)
            self.integers[name] = None if value is None else read_integer(value)[0]
        return self.integers[name]

    def integer(self, name: str, *, required: bool = True, bounds: range = ID_RANGE) -> int | None:
        _, value = self.raw(name)
        if value is None:
            self._required(name, required)
            return None
        number, code = read_integer(value, bounds)
        if code == "bad_integer":
            self.problem(name, f"not an integer: {shown(value)}", code)
        elif code is not None:
            self.problem(name, f"out of range: {shown(value)}", code)
        return number

    def minutes(self, name: str, *, maximum: int, required: bool = True) -> int | None:
        _, value = self.raw(name)
        if value is None:
            self._required(name, required)
            return None
        number, _ = read_integer(value, range(1, maximum + 1))
        if number is None:
            message = f"not a positive number of minutes up to {maximum}: {shown(value)}"
            self.problem(name, message, "bad_minutes")
        return number

    def date(self, name: str) -> date | None:
        _, value = self.raw(name)
        if value is None:
            self._required(name, True)
            return None
        return self._reported(name, read_date(value, self.dates))

    def clock(
        self, *names: str, required: bool = False, allow_midnight_end: bool = False
    ) -> tuple[str, timedelta | None]:
        name, value = self.raw(*names)
        if value is None:
            self._required(name, required)
            return name, None
        parsed = _parse_clock(value, allow_midnight_end)
        if parsed is None:
            self.problem(name, f"not a time HH:MM: {shown(value)}", "bad_time")
        return name, parsed

    def datetime(self, name: str, *, required: bool = True) -> datetime | None:
        _, value = self.raw(name)
        if value is None:
            self._required(name, required)
            return None
        return self._reported(name, read_datetime(value, self.dates))

    def email(self, name: str, *, max_length: int) -> str:
        value = self.text(name, max_length=max_length, required=False)
        if value and len(value) <= max_length and not _EMAIL.fullmatch(value):
            self.problem(name, f"not an email address: {shown(value)}", "bad_email")
        return value

    def _reported(self, name: str, read: Read) -> Any:
        value, problem = read
        if problem is not None:
            self.problem(name, *problem)
        return value


def shown(value: str) -> str:
    """A value as a problem quotes it: a hostile megabyte is cut short."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


def read_date(value: str, dates: DateWindow) -> Read:
    """(the date, None) or (None, (message, code))."""
    parsed = _parse_date(value)
    if parsed is None:
        return None, (f"not a date DD.MM.YYYY: {shown(value)}", "bad_date")
    return _in_window(parsed, parsed, value, dates)


def read_datetime(value: str, dates: DateWindow) -> Read:
    """(the wall-clock date-time, None) or (None, (message, code))."""
    day, _, clock = value.partition(" ")
    parsed_day = _parse_date(day)
    parsed_clock = _parse_clock(clock.strip(), allow_midnight_end=False)
    if parsed_day is None or parsed_clock is None:
        return None, (f"not a date-time DD.MM.YYYY HH:MM:SS: {shown(value)}", "bad_datetime")
    # A clock below 24:00 on a day inside the window: no overflow is possible.
    return _in_window(
        datetime.combine(parsed_day, time.min) + parsed_clock, parsed_day, value, dates
    )


def _in_window(result: Any, day: date, value: str, dates: DateWindow) -> Read:
    first, last = dates
    if first <= day <= last:
        return result, None
    window = f"{format_date(first)} to {format_date(last)}"
    return None, (f"outside the accepted dates {window}: {shown(value)}", "out_of_range")


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
    if hours == 24 and (offset != MIDNIGHT or not allow_midnight_end):
        return None
    return offset
