"""The MediExchange XML protocol: bytes in, typed records out; results and orders in, XML out.

This module imports no model and touches no database, so it can be tested and fuzzed alone.
All dates and times it yields are the clinic's wall-clock values (naive); the importer puts
them in the clinic's time zone.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import ClassVar

from lxml import etree

MAX_REPORTED_PROBLEMS = 1000
MAX_NAME_LENGTH = 255
MAX_TABLENAME_LENGTH = 64
MAX_TIME_STEP = 24 * 60
# An MIS may block a resource for a vacation; a month is the longest such block accepted.
MAX_DURATION = 31 * 24 * 60
ID_RANGE = range(-(2**63), 2**63)
POS_RANGE = range(-(2**31), 2**31)
SYNC_MODES = ("full", "diff")
MIS_ORDER_STATUSES = (0, 1, 3)
PATIENT_CANCELLED = 2

# ASCII digits only: int() would read other scripts' digits ("١٢" is 12) as numbers.
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


@dataclass(frozen=True, slots=True)
class Problem:
    """A located error, warning or conflict, as the import response lists it."""

    line: int | None
    element: str
    message: str
    attribute: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    line: int
    mis_id: int
    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Resource:
    line: int
    mis_id: int
    group_id: int | None
    name: str
    time_step: int
    pos: int


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """One `time_rules` element: offsets from the schedule date's midnight (24:00 allowed)."""

    line: int
    start: timedelta
    end: timedelta
    break_start: timedelta | None
    break_end: timedelta | None


@dataclass(frozen=True, slots=True)
class Schedule:
    line: int
    mis_id: int | None
    date: date
    resource_id: int
    hours: tuple[WorkingHours, ...]


@dataclass(frozen=True, slots=True)
class Appointment:
    line: int
    table: str
    mis_id: int
    resource_id: int
    starts_at: datetime
    duration: int
    title: str


@dataclass(slots=True)
class Appointments:
    mode: str
    items: list[Appointment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OrderChange:
    """The MIS's decision on one order; None means "not said"."""

    line: int
    order_id: int
    status: int | None
    starts_at: datetime | None
    duration: int | None
    mis_resource_id: int | None
    last_changed_on: datetime | None


@dataclass(slots=True)
class Document:
    """A parsed import document. A section is None when absent, a list when present."""

    client_key: str | None = None
    groups: list[Group] | None = None
    resources: list[Resource] | None = None
    schedules: list[Schedule] | None = None
    appointments: Appointments | None = None
    orders: list[OrderChange] | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    source: SourceLines | None = field(default=None, repr=False)

    def problem(
        self,
        line: int | None,
        element: str,
        message: str,
        *,
        attribute: str | None = None,
        id: object = None,
    ) -> Problem:
        """A problem located at the line where `element` begins."""
        if self.source is not None:
            line = self.source.start_line(line, element)
        return Problem(line, element, message, attribute, None if id is None else str(id))


class _TooManyProblems(Exception):
    pass


class SourceLines:
    """Finds the line where an element's start tag begins.

    libxml2 reports the line where a start tag *ends*; MIS documents wrap long tags, and an
    integrator looks for the line where the element begins. The line index is built only when
    a problem is reported, so clean documents pay nothing.
    """

    LOOK_BACK = 50

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.starts: list[int] | None = None
        self.cache: dict[tuple[int, str], int] = {}

    def start_line(self, line: int | None, element: str) -> int | None:
        if line is None:
            return None
        key = (line, element)
        if key not in self.cache:
            self.cache[key] = self._search(line, element)
        return self.cache[key]

    def _search(self, line: int, element: str) -> int:
        if self.starts is None:
            self.starts = [0, *(match.end() for match in re.finditer(b"\n", self.data))]
        tag = re.compile(rb"<(?:[\w.-]+:)?" + re.escape(element.encode()) + rb"[\s/>]", re.I)
        for candidate in range(min(line, len(self.starts)), max(line - self.LOOK_BACK, 0), -1):
            end = self.starts[candidate] if candidate < len(self.starts) else len(self.data)
            if tag.search(self.data, self.starts[candidate - 1], end):
                return candidate
        return line


def _local_name(name: str) -> str:
    return etree.QName(name).localname.lower() if name.startswith("{") else name.lower()


class _Attributes:
    """Reads one element's attributes case-insensitively, collecting located errors."""

    def __init__(self, parser: _Parser, element: etree._Element, name: str) -> None:
        self.parser = parser
        self.line = element.sourceline
        self.element = name
        self.values = {}
        # Problems name an attribute as the document spells it (`w_endTime`, `LastChangedOn`).
        self.spelling = {}
        for name, value in element.attrib.items():
            key = _local_name(name)
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


class _Parser:
    """Walks the document once with iterparse, clearing each record once it is read."""

    SECTIONS: ClassVar[dict[str, str]] = {
        "resourcegroups": "rg",
        "resources": "r",
        "schedules": "s",
        "appointments": "a",
        "orders": "o",
    }

    def __init__(self, data: bytes) -> None:
        self.document = Document(source=SourceLines(data))
        self.first_line: dict[tuple[str, object], int] = {}
        self.pending_hours: list[WorkingHours] = []

    def error(self, problem: Problem) -> None:
        self.document.errors.append(problem)
        if len(self.document.errors) >= MAX_REPORTED_PROBLEMS:
            raise _TooManyProblems

    def warn(self, problem: Problem) -> None:
        if len(self.document.warnings) < MAX_REPORTED_PROBLEMS:
            self.document.warnings.append(problem)

    def parse(self, data: bytes, encoding: str | None) -> Document:
        """Reads the whole document; problems land in `document.errors` and `.warnings`."""
        events = etree.iterparse(
            io.BytesIO(data),
            events=("start", "end"),
            encoding=encoding,
            # Stated explicitly: no DTD, no entity expansion, no network, lxml's size caps on.
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        path: list[str] = []
        try:
            for event, element in events:
                if event == "start":
                    path.append(_local_name(element.tag))
                    if len(path) == 1 and not self.root(element, path[0]):
                        break
                    if len(path) == 2:
                        self.section(element, path[1])
                else:
                    self.end(element, path)
                    path.pop()
        except etree.XMLSyntaxError as exc:
            self.document.errors.append(
                Problem(exc.lineno, path[-1] if path else "", f"not well-formed XML: {exc.msg}")
            )
        except _TooManyProblems:
            pass
        return self.document

    def unknown_element(self, element: etree._Element) -> Problem:
        name = etree.QName(element).localname
        return self.document.problem(element.sourceline, name, "unknown element, ignored")

    def root(self, element: etree._Element, name: str) -> bool:
        docinfo = element.getroottree().docinfo
        spelled = etree.QName(element).localname
        if docinfo.doctype or docinfo.internalDTD is not None:
            message = "a DOCTYPE is not allowed"
            self.error(self.document.problem(element.sourceline, spelled, message))
            return False
        if name != "mediexchange":
            message = "the root element must be MediExchange"
            self.error(self.document.problem(element.sourceline, spelled, message))
            return False
        attributes = _Attributes(self, element, "MediExchange")
        self.document.client_key = attributes.raw("clientkey")[1]
        return True

    def section(self, element: etree._Element, name: str) -> None:
        document = self.document
        if name == "resourcegroups" and document.groups is None:
            document.groups = []
        elif name == "resources" and document.resources is None:
            document.resources = []
        elif name == "schedules" and document.schedules is None:
            document.schedules = []
        elif name == "orders" and document.orders is None:
            document.orders = []
        elif name == "appointments":
            attributes = _Attributes(self, element, "Appointments")
            mode = (attributes.raw("syncmode")[1] or "diff").lower()
            if mode not in SYNC_MODES:
                attributes.error("syncmode", f"unknown SyncMode {mode!r}: use full or diff")
            elif document.appointments is None:
                document.appointments = Appointments(mode)
            elif document.appointments.mode != mode:
                attributes.error("syncmode", "two Appointments sections with different SyncMode")
        elif name not in self.SECTIONS:
            self.warn(self.unknown_element(element))

    def end(self, element: etree._Element, path: list[str]) -> None:
        depth = len(path)
        if depth == 3:
            section, name = path[1], path[2]
            if name == self.SECTIONS.get(section):
                self.record(element, section)
            elif section in self.SECTIONS:
                self.warn(self.unknown_element(element))
            self.pending_hours.clear()
        elif depth == 4 and path[1:] == ["schedules", "s", "time_rules"]:
            hours = self.working_hours(_Attributes(self, element, "time_rules"))
            if hours is not None:
                self.pending_hours.append(hours)
        elif depth == 4 and path[1] in self.SECTIONS:
            self.warn(self.unknown_element(element))
        if depth <= 3:
            # Keep memory flat: drop what has been read.
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]

    def record(self, element: etree._Element, section: str) -> None:
        attributes = _Attributes(self, element, self.SECTIONS[section])
        document = self.document
        if section == "resourcegroups":
            group = self.group(attributes)
            if group and self.unique(attributes, "id", group.mis_id):
                document.groups.append(group)
        elif section == "resources":
            resource = self.resource(attributes)
            if resource and self.unique(attributes, "id", resource.mis_id):
                document.resources.append(resource)
        elif section == "schedules":
            schedule = self.schedule(attributes)
            if schedule:
                document.schedules.append(schedule)
        elif section == "appointments":
            appointment = self.appointment(attributes)
            if appointment and document.appointments is not None:
                key = (appointment.table, appointment.mis_id)
                if self.unique(attributes, "id", key):
                    document.appointments.items.append(appointment)
        else:
            change = self.order_change(attributes)
            if change and self.unique(attributes, "id", change.order_id):
                document.orders.append(change)

    def unique(self, attributes: _Attributes, attribute: str, key: object) -> bool:
        # Told apart by key alone, not by line: a document may well be written on one line.
        first = self.first_line.get((attributes.element, key))
        if first is not None:
            line = self.document.source.start_line(first, attributes.element)
            attributes.error(attribute, f"duplicate id, first given on line {line}")
            return False
        self.first_line[(attributes.element, key)] = attributes.line
        return True

    def group(self, a: _Attributes) -> Group | None:
        mis_id = a.integer("id")
        name = a.text("name", max_length=MAX_NAME_LENGTH)
        pos = a.integer("pos", required=False, bounds=POS_RANGE) or 0
        return Group(a.line, mis_id, name, pos) if a.ok else None

    def resource(self, a: _Attributes) -> Resource | None:
        mis_id = a.integer("id")
        group_id = a.integer("group_id", required=False)
        name = a.text("name", max_length=MAX_NAME_LENGTH)
        time_step = a.minutes("time_step", maximum=MAX_TIME_STEP)
        pos = a.integer("pos", required=False, bounds=POS_RANGE) or 0
        return Resource(a.line, mis_id, group_id, name, time_step, pos) if a.ok else None

    def schedule(self, a: _Attributes) -> Schedule | None:
        mis_id = a.integer("id", required=False)
        day = a.date("date")
        resource_id = a.integer("resource_id")
        if not a.ok:
            return None
        if not self.pending_hours:
            message = "no time_rules: no working hours that day"
            self.warn(self.document.problem(a.line, "s", message, id=mis_id))
        return Schedule(a.line, mis_id, day, resource_id, tuple(self.pending_hours))

    def working_hours(self, a: _Attributes) -> WorkingHours | None:
        _, start = a.clock("w_start", "w_starttime", required=True)
        end_name, end = a.clock("w_end", "w_endtime", required=True, allow_midnight_end=True)
        break_start_name, break_start = a.clock("b_start", "b_starttime")
        break_end_name, break_end = a.clock("b_end", "b_endtime", allow_midnight_end=True)
        if not a.ok:
            return None
        if end <= start:
            a.error(end_name, "w_end must be after w_start")
        if (break_start is None) != (break_end is None):
            missing = break_end_name if break_end is None else break_start_name
            a.error(missing, "a break needs both b_start and b_end")
        elif break_start is not None:
            if break_end <= break_start:
                a.error(break_end_name, "b_end must be after b_start")
            elif break_start < start or break_end > end:
                a.error(break_start_name, "the break lies outside the working hours")
        return WorkingHours(a.line, start, end, break_start, break_end) if a.ok else None

    def appointment(self, a: _Attributes) -> Appointment | None:
        table = a.text("tablename", max_length=MAX_TABLENAME_LENGTH)
        mis_id = a.integer("id")
        resource_id = a.integer("resource_id")
        starts_at = a.datetime("receptiondatetime")
        duration = a.minutes("duration", maximum=MAX_DURATION)
        title = a.raw("title")[1] or ""
        if not a.ok:
            return None
        return Appointment(a.line, table, mis_id, resource_id, starts_at, duration, title)

    def order_change(self, a: _Attributes) -> OrderChange | None:
        order_id = a.integer("id")
        status = a.integer("status", required=False)
        if status == PATIENT_CANCELLED:
            a.error("status", "status 2 (cancelled by the patient) is set only on the portal")
        elif status is not None and status not in MIS_ORDER_STATUSES:
            a.error("status", f"unknown status {status}: use 0, 1 or 3")
        starts_at = a.datetime("reception_datetime", required=False)
        duration = a.minutes("duration", maximum=MAX_DURATION, required=False)
        mis_resource_id = a.integer("mw_resource_id", required=False)
        last_changed_on = a.datetime("lastchangedon", required=False)
        if not a.ok:
            return None
        return OrderChange(
            a.line, order_id, status, starts_at, duration, mis_resource_id, last_changed_on
        )


def parse_document(data: bytes, *, encoding: str | None = None) -> Document:
    """Reads an import document. `encoding` overrides the XML declaration (see transport)."""
    return _Parser(data).parse(data, encoding)


# --- Output ---------------------------------------------------------------------------


@dataclass(slots=True)
class ImportSummary:
    """What an import did (or, on a dry run, would do), section by section."""

    dry_run: bool = False
    groups_total: int | None = None
    resources: dict[str, int] | None = None
    schedules_total: int | None = None
    appointments: dict[str, int | str] | None = None
    orders: dict[str, int] | None = None
    warnings: list[Problem] = field(default_factory=list)
    conflicts: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, object]:
        """The numbers alone, for the import journal."""
        sections = {
            "groups": None if self.groups_total is None else {"total": self.groups_total},
            "resources": self.resources,
            "schedules": None if self.schedules_total is None else {"total": self.schedules_total},
            "appointments": self.appointments,
            "orders": self.orders,
        }
        counts = {name: value for name, value in sections.items() if value is not None}
        counts["warnings"] = len(self.warnings)
        counts["conflicts"] = len(self.conflicts)
        return counts


@dataclass(frozen=True, slots=True)
class ExportedOrder:
    """One order as the MIS receives it; times are already in the clinic's time zone."""

    id: int
    status: int
    user_id: int | None
    user_name: str
    order_date: date
    mis_resource_id: int | None
    resource_name: str
    resource_id: int
    starts_at: datetime
    duration: int
    name1: str
    name2: str
    name3: str
    aim: str
    phone: str
    city: str
    address: str
    email: str
    comment: str
    last_changed_on: datetime


XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
ORDER_TYPE_BOOKING = 3


def xml_attribute(value: object) -> str:
    """A value as a double-quoted attribute, escaped; characters XML cannot carry are dropped."""
    text = "" if value is None else str(value)
    return '"' + _NOT_XML_CHARS.sub("", text).translate(_ATTRIBUTE_ESCAPES) + '"'


def _element(name: str, attributes: dict[str, object], text: str | None = None) -> str:
    rendered = "".join(
        f" {key}={xml_attribute(value)}" for key, value in attributes.items() if value is not None
    )
    if text is None:
        return f"<{name}{rendered}/>"
    body = xml_attribute(text)[1:-1]
    return f"<{name}{rendered}>{body}</{name}>"


def _problem(name: str, problem: Problem) -> str:
    attributes = {
        "line": problem.line,
        "element": problem.element or None,
        "attribute": problem.attribute,
        "id": problem.id,
    }
    return _element(name, attributes, problem.message)


def _result_document(root: dict[str, object], children: Iterable[str]) -> bytes:
    lines = "".join(f"  {child}\n" for child in children)
    opening = _element("ImportResult", root)[:-2] + ">"
    return f"{XML_DECLARATION}{opening}\n{lines}</ImportResult>\n".encode()


def render_import_summary(summary: ImportSummary) -> bytes:
    children = []
    if summary.groups_total is not None:
        children.append(_element("ResourceGroups", {"total": summary.groups_total}))
    if summary.resources is not None:
        children.append(_element("Resources", summary.resources))
    if summary.schedules_total is not None:
        children.append(_element("Schedules", {"total": summary.schedules_total}))
    if summary.appointments is not None:
        children.append(_element("Appointments", summary.appointments))
    if summary.orders is not None:
        children.append(_element("Orders", summary.orders))
    children.extend(_problem("Warning", warning) for warning in summary.warnings)
    children.extend(_problem("Conflict", conflict) for conflict in summary.conflicts)
    return _result_document({"status": "ok", "dry_run": "1" if summary.dry_run else None}, children)


def render_import_errors(problems: Iterable[Problem]) -> bytes:
    return _result_document({"status": "error"}, (_problem("Error", p) for p in problems))


def render_export_error(status: int, message: str) -> bytes:
    return (XML_DECLARATION + _element("ExportError", {"status": status}, message) + "\n").encode()


def _format_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _format_datetime(value: datetime) -> str:
    return value.strftime("%d.%m.%Y %H:%M:%S")


def _order_element(order: ExportedOrder) -> str:
    attributes = {
        "id": order.id,
        "status": order.status,
        "user_id": "" if order.user_id is None else order.user_id,
        "user_name": order.user_name,
        "order_date": _format_date(order.order_date),
        "mw_resource_id": "" if order.mis_resource_id is None else order.mis_resource_id,
        "resource_name": order.resource_name,
        "resource_id": order.resource_id,
        "reception_datetime": _format_datetime(order.starts_at),
        "duration": order.duration,
        "type": ORDER_TYPE_BOOKING,
        "name1": order.name1,
        "name2": order.name2,
        "name3": order.name3,
        "aim": order.aim,
        "phone": order.phone,
        "city": order.city,
        "address": order.address,
        "email": order.email,
        "comment": order.comment,
        "LastChangedOn": _format_datetime(order.last_changed_on),
    }
    return "    " + _element("o", attributes) + "\n"


def render_export(
    client_key: str, orders: Iterable[ExportedOrder], *, batch: int = 500
) -> Iterator[bytes]:
    """The export document in chunks of `batch` orders, for a streamed response."""
    root = _element("MediExchange", {"ClientKey": client_key})[:-2] + ">"
    yield f"{XML_DECLARATION}{root}\n  <Orders>\n".encode()
    chunk: list[str] = []
    for order in orders:
        chunk.append(_order_element(order))
        if len(chunk) >= batch:
            yield "".join(chunk).encode()
            chunk.clear()
    if chunk:
        yield "".join(chunk).encode()
    yield b"  </Orders>\n</MediExchange>\n"
