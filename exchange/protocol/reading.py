"""Reads an import document: bytes in, typed records and located problems out.

A table of section specs says, per section, which records it holds, how each is read, where
it goes and what tells two apart; the parser walks the document once along it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from lxml import etree

from exchange.protocol.attributes import Attributes, local_name
from exchange.protocol.records import (
    MAX_DURATION,
    MAX_NAME_LENGTH,
    MAX_REPORTED_PROBLEMS,
    MAX_TABLENAME_LENGTH,
    MAX_TIME_STEP,
    MIS_ORDER_STATUSES,
    PATIENT_CANCELLED,
    POS_RANGE,
    SYNC_MODES,
    Appointment,
    Appointments,
    Document,
    Group,
    OrderChange,
    Problem,
    Resource,
    Schedule,
    WorkingHours,
)


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


class _Parser:
    """Walks the document once with iterparse, clearing each record once it is read."""

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
                    path.append(local_name(element.tag))
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
        attributes = Attributes(self, element, "MediExchange")
        self.document.client_key = attributes.raw("clientkey")[1]
        return True

    def section(self, element: etree._Element, name: str) -> None:
        spec = SECTIONS.get(name)
        if spec is None:
            self.warn(self.unknown_element(element))
        else:
            spec.begin(self, element)

    def end(self, element: etree._Element, path: list[str]) -> None:
        depth = len(path)
        if depth == 3:
            spec = SECTIONS.get(path[1])
            if spec is not None and path[2] == spec.record:
                self.record(element, spec)
            elif spec is not None:
                self.warn(self.unknown_element(element))
            self.pending_hours.clear()
        elif depth == 4 and path[1:] == ["schedules", "s", "time_rules"]:
            hours = self.working_hours(Attributes(self, element, "time_rules"))
            if hours is not None:
                self.pending_hours.append(hours)
        elif depth == 4 and path[1] in SECTIONS:
            self.warn(self.unknown_element(element))
        if depth <= 3:
            # Keep memory flat: drop what has been read.
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]

    def record(self, element: etree._Element, spec: SectionSpec) -> None:
        attributes = Attributes(self, element, spec.record)
        record = spec.read(self, attributes)
        items = spec.items(self.document)
        if record is None or items is None:
            return
        if spec.key is None or self.unique(attributes, "id", spec.key(record)):
            items.append(record)

    def unique(self, attributes: Attributes, attribute: str, key: object) -> bool:
        # Told apart by key alone, not by line: a document may well be written on one line.
        first = self.first_line.get((attributes.element, key))
        if first is not None:
            line = self.document.source.start_line(first, attributes.element)
            attributes.error(attribute, f"duplicate id, first given on line {line}")
            return False
        self.first_line[(attributes.element, key)] = attributes.line
        return True

    def group(self, a: Attributes) -> Group | None:
        mis_id = a.integer("id")
        name = a.text("name", max_length=MAX_NAME_LENGTH)
        pos = a.integer("pos", required=False, bounds=POS_RANGE) or 0
        return Group(a.line, mis_id, name, pos) if a.ok else None

    def resource(self, a: Attributes) -> Resource | None:
        mis_id = a.integer("id")
        group_id = a.integer("group_id", required=False)
        name = a.text("name", max_length=MAX_NAME_LENGTH)
        time_step = a.minutes("time_step", maximum=MAX_TIME_STEP)
        pos = a.integer("pos", required=False, bounds=POS_RANGE) or 0
        return Resource(a.line, mis_id, group_id, name, time_step, pos) if a.ok else None

    def schedule(self, a: Attributes) -> Schedule | None:
        mis_id = a.integer("id", required=False)
        day = a.date("date")
        resource_id = a.integer("resource_id")
        if not a.ok:
            return None
        if not self.pending_hours:
            message = "no time_rules: no working hours that day"
            self.warn(self.document.problem(a.line, "s", message, id=mis_id))
        return Schedule(a.line, mis_id, day, resource_id, tuple(self.pending_hours))

    def working_hours(self, a: Attributes) -> WorkingHours | None:
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

    def appointment(self, a: Attributes) -> Appointment | None:
        table = a.text("tablename", max_length=MAX_TABLENAME_LENGTH)
        mis_id = a.integer("id")
        resource_id = a.integer("resource_id")
        starts_at = a.datetime("receptiondatetime")
        duration = a.minutes("duration", maximum=MAX_DURATION)
        title = a.raw("title")[1] or ""
        if not a.ok:
            return None
        return Appointment(a.line, table, mis_id, resource_id, starts_at, duration, title)

    def order_change(self, a: Attributes) -> OrderChange | None:
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


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """How one section of an import document is read."""

    name: str  # the section's element, as documents and import results spell it
    record: str  # the element of its records
    field: str  # the Document attribute its records go to
    # A record, or None once its errors are reported.
    read: Callable[[_Parser, Attributes], object | None]
    # What tells two records apart ("duplicate id"); None: records are not told apart.
    key: Callable[[object], object] | None = None

    def begin(self, parser: _Parser, element: etree._Element) -> None:
        """At each start tag of the section: a repeated section reads on into the same list."""
        if getattr(parser.document, self.field) is None:
            setattr(parser.document, self.field, [])

    def items(self, document: Document) -> list | None:
        """Where the section's records go; None drops them."""
        return getattr(document, self.field)


@dataclass(frozen=True, slots=True)
class _AppointmentsSpec(SectionSpec):
    """Appointments carry a SyncMode; a section whose SyncMode is refused keeps no records."""

    def begin(self, parser: _Parser, element: etree._Element) -> None:
        attributes = Attributes(parser, element, self.name)
        document = parser.document
        mode = (attributes.raw("syncmode")[1] or "diff").lower()
        if mode not in SYNC_MODES:
            attributes.error("syncmode", f"unknown SyncMode {mode!r}: use full or diff")
        elif document.appointments is None:
            document.appointments = Appointments(mode)
        elif document.appointments.mode != mode:
            attributes.error("syncmode", "two Appointments sections with different SyncMode")

    def items(self, document: Document) -> list[Appointment] | None:
        return None if document.appointments is None else document.appointments.items


# Keyed by the lower-cased section name, in the order import results list the sections.
SECTIONS: dict[str, SectionSpec] = {
    spec.name.lower(): spec
    for spec in (
        SectionSpec("ResourceGroups", "rg", "groups", _Parser.group, attrgetter("mis_id")),
        SectionSpec("Resources", "r", "resources", _Parser.resource, attrgetter("mis_id")),
        SectionSpec("Schedules", "s", "schedules", _Parser.schedule),
        _AppointmentsSpec(
            "Appointments", "a", "appointments", _Parser.appointment, attrgetter("table", "mis_id")
        ),
        SectionSpec("Orders", "o", "orders", _Parser.order_change, attrgetter("order_id")),
    )
}


def parse_document(data: bytes, *, encoding: str | None = None) -> Document:
    """Reads an import document. `encoding` overrides the XML declaration (see transport)."""
    return _Parser(data).parse(data, encoding)
