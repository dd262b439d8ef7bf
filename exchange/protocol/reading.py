"""Reads an import document: bytes in, typed records and located problems out.

A table of section specs says, per section, which records it holds, how each is read, where
it goes, what tells two apart and what an unreadable one means; the parser walks the document
once along it. Reading fails safe: a record the portal cannot read is skipped with a warning
(or, for an order change, listed as a conflict) unless skipping it could invent free time;
then the document is refused.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from lxml import etree

from exchange.protocol.attributes import Attributes, DateWindow, Unreadable, local_name
from exchange.protocol.plain import PlainReader
from exchange.protocol.records import (
    EARLIEST_DATE,
    HEAD_LIMIT,
    LATEST_DATE,
    MAX_ATTRIBUTES,
    MAX_ELEMENT_NAMES,
    MAX_REPORTED_PROBLEMS,
    Document,
    DocumentHead,
    Problem,
    WorkingHours,
)
from exchange.protocol.sections import SECTIONS, SectionSpec, working_hours
from exchange.protocol.source import SourceLines, choose_encoding

_PARSER_OPTIONS = {
    # Stated explicitly: no DTD, no entity expansion, no network, lxml's size caps on.
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
_TIME_RULES = ["schedules", "s", "time_rules"]


class _Stop(Exception):
    """Reading ends: the error list is full, or a limit on the document is reached."""


def _spelled(element: etree._Element) -> str:
    return etree.QName(element).localname


def _root_problems(element: etree._Element, line: int | None) -> list[Problem]:
    """Why the root cannot be read (a DOCTYPE, a wrong name), or []."""
    docinfo = element.getroottree().docinfo
    spelled = _spelled(element)
    if docinfo.doctype:
        return [Problem(line, spelled, "a DOCTYPE is not allowed", code="doctype")]
    if spelled.lower() != "mediexchange":
        message = "the root element must be MediExchange"
        return [Problem(line, spelled, message, code="wrong_root")]
    return []


def _too_many_attributes(element: etree._Element, line: int | None) -> Problem | None:
    # keys(), not attrib: lxml's attrib reads each value by a search along the list.
    if len(element.keys()) <= MAX_ATTRIBUTES:
        return None
    message = f"more than {MAX_ATTRIBUTES} attributes on one element (the documented limit)"
    return Problem(line, _spelled(element), message, code="too_many_attributes")


def _located(a: Attributes, unreadable: Unreadable, id: object = None) -> Problem:
    return Problem(
        a.line, a.element, unreadable.message, unreadable.attribute,
        None if id is None else str(id), unreadable.code,
    )  # fmt: skip


def _syntax_problem(exc: etree.XMLSyntaxError, element: str) -> Problem:
    return Problem(exc.lineno, element, f"not well-formed XML: {exc.msg}", code="not_well_formed")


def read_head(data: bytes, *, encoding: str | None = None) -> DocumentHead:
    """Reads the root's `ClientKey` from the document's first bytes, and nothing more.

    The key is checked before the rest is parsed, so a request without a valid key costs a
    few kilobytes of parsing whatever it sends. A document that breaks before its root has no
    key to read: its problems are returned instead.
    """
    head = data[:HEAD_LIMIT]
    encoding, _ = choose_encoding(head, encoding)
    parser = etree.XMLPullParser(events=("start",), encoding=encoding, **_PARSER_OPTIONS)
    for offset in range(0, len(head), 4096):
        try:
            parser.feed(head[offset : offset + 4096])
        except etree.XMLSyntaxError as exc:
            # A chunk is parsed past the root's start tag: a DOCTYPE's entities may break
            # what follows, and the root then says more than the break.
            root = next(parser.read_events(), None)
            if root is None:
                return DocumentHead(None, [_syntax_problem(exc, "")])
            return _read_root_key(root[1], head)
        for _, element in parser.read_events():
            return _read_root_key(element, head)
    if len(data) <= HEAD_LIMIT:
        try:
            parser.close()
        except etree.XMLSyntaxError as exc:
            return DocumentHead(None, [_syntax_problem(exc, "")])
    message = f"no root element in the first {HEAD_LIMIT // 1024} KiB of the document"
    return DocumentHead(None, [Problem(None, "", message, code="not_well_formed")])


def _read_root_key(element: etree._Element, head: bytes) -> DocumentHead:
    line = SourceLines(head).line_of(1) or element.sourceline
    problems = _root_problems(element, line)
    too_many = _too_many_attributes(element, line)
    if problems or too_many:
        return DocumentHead(None, problems or [too_many])
    a = Attributes(element, _spelled(element), line=line)
    key = a.raw("clientkey")[1]
    if a.contradictions:
        return DocumentHead(
            None, [_located(a, contradiction) for contradiction in a.contradictions]
        )
    return DocumentHead(key)


class Parser:
    """Walks the document once with iterparse, clearing each element once it is read."""

    def __init__(self, data: bytes, dates: DateWindow | None) -> None:
        self.document = Document()
        self.source = SourceLines(data)
        self.dates = dates
        self.rank = 0  # start tags met so far
        # What each record key was first given as: (line, what the record said).
        self.seen: dict[tuple[str, object], tuple[int, object]] = {}
        # The time_rules of the schedule being read, kept until the schedule ends.
        self.hours: list[WorkingHours] = []
        self.rules_read: set[object] = set()
        self.rules_problems: list[tuple[Attributes, Unreadable]] = []
        self.plain = PlainReader(dates or (EARLIEST_DATE, LATEST_DATE))

    # --- Reporting: at most MAX_REPORTED_PROBLEMS of each kind ---

    def report(
        self, problems: list[Problem], a: Attributes, unreadable: Unreadable, id: object = None
    ) -> None:
        if len(problems) < MAX_REPORTED_PROBLEMS:
            problems.append(_located(a, unreadable, id))
        if problems is self.document.errors and len(problems) >= MAX_REPORTED_PROBLEMS:
            raise _Stop

    def stop(self, problem: Problem) -> None:
        self.document.errors.append(problem)
        raise _Stop

    def line(self, element: etree._Element) -> int | None:
        """The line where the element met last begins."""
        return self.source.line_of(self.rank) or element.sourceline

    def warns(self) -> bool:
        return len(self.document.warnings) < MAX_REPORTED_PROBLEMS

    def warn_unknown(self, element: etree._Element, line: int | None) -> None:
        if self.warns():
            problem = Problem(
                line, _spelled(element), "unknown element, ignored", code="unknown_element"
            )
            self.document.warnings.append(problem)

    def contradicted(self, a: Attributes) -> bool:
        for contradiction in a.contradictions:
            self.report(self.document.errors, a, contradiction)
        return bool(a.contradictions)

    # --- The walk ---

    def parse(self, data: bytes, encoding: str | None) -> Document:
        """Reads the whole document; problems land in the document's lists."""
        encoding, guessed = choose_encoding(data, encoding)
        if guessed:
            message = "no encoding is declared and the bytes are not UTF-8: read as windows-1251"
            self.document.warnings.append(Problem(1, "", message, code="encoding_guessed"))
        events = etree.iterparse(
            io.BytesIO(data), events=("start", "end"), encoding=encoding, **_PARSER_OPTIONS
        )
        path: list[str] = []
        try:
            self.walk(events, path)
        except etree.XMLSyntaxError as exc:
            self.document.errors.append(_syntax_problem(exc, path[-1] if path else ""))
        except _Stop:
            pass
        return self.document

    def walk(self, events: etree.iterparse, path: list[str]) -> None:
        """The loop every element passes through, kept tight: a hostile document may hold
        millions of elements, and all but the few the protocol knows are only counted."""
        names: dict[str, str] = {}  # lower-case local names by tag, for the limit on names
        lines: list[int | None] = []  # where the elements on the path begin, when needed
        for event, element in events:
            if event == "start":
                self.rank += 1
                tag = element.tag
                name = names.get(tag)
                if name is None:
                    name = names[tag] = local_name(tag)
                    if len(names) > MAX_ELEMENT_NAMES:
                        self.too_many_names(element)
                path.append(name)
                if len(element.keys()) > MAX_ATTRIBUTES:
                    self.stop(_too_many_attributes(element, self.line(element)))
                # Lines are found at the start tags, in document order, and only for the
                # elements that may be reported: records, sections, what may be unknown.
                line = self.line(element) if len(path) <= 4 and self.may_report(path) else None
                lines.append(line)
                if len(path) == 1:
                    self.root(element, line)
                elif len(path) == 2:
                    self.section(element, name, line)
            else:
                if 3 <= len(path) <= 4:
                    self.end(element, path, lines[-1])
                # Keep memory flat: drop what has been read, at every depth.
                element.clear(keep_tail=False)
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
                path.pop()
                lines.pop()

    def may_report(self, path: list[str]) -> bool:
        depth = len(path)
        if depth == 1:
            return True
        spec = SECTIONS.get(path[1])
        if spec is None:
            return depth == 2 and self.warns()
        known = depth == 2 or (depth == 3 and path[2] == spec.record) or path[1:] == _TIME_RULES
        return known or self.warns()

    def too_many_names(self, element: etree._Element) -> None:
        message = (
            f"more than {MAX_ELEMENT_NAMES} distinct element names in one document "
            "(the documented limit)"
        )
        self.stop(
            Problem(self.line(element), _spelled(element), message, code="too_many_element_names")
        )

    def root(self, element: etree._Element, line: int | None) -> None:
        problems = _root_problems(element, line)
        if problems:
            self.document.errors.extend(problems)
            raise _Stop
        a = Attributes(element, "MediExchange", line=line)
        self.document.client_key = a.raw("clientkey")[1]
        self.contradicted(a)

    def section(self, element: etree._Element, name: str, line: int | None) -> None:
        spec = SECTIONS.get(name)
        if spec is None:
            self.warn_unknown(element, line)
        else:
            spec.begin(self, element, line)

    def end(self, element: etree._Element, path: list[str], line: int | None) -> None:
        depth = len(path)
        if depth == 3:
            spec = SECTIONS.get(path[1])
            if spec is not None and path[2] == spec.record:
                self.record(element, spec, line)
            elif spec is not None:
                self.warn_unknown(element, line)
            if self.rules_read:
                self.hours.clear()
                self.rules_read.clear()
                self.rules_problems.clear()
        elif path[1:] == _TIME_RULES:
            self.time_rules(element, line)
        elif path[1] in SECTIONS:
            self.warn_unknown(element, line)

    def time_rules(self, element: etree._Element, line: int | None) -> None:
        said = tuple(element.items())
        known = self.plain.known_hours(said)
        if known is not None:
            self.add_hours(WorkingHours(line, *known), ())
            return
        a = Attributes(element, "time_rules", line=line)
        hours = working_hours(a)
        if self.contradicted(a):
            return
        if hours is not None:
            self.plain.remember_hours(said, hours)
        self.add_hours(hours or a.fingerprint(), [(a, problem) for problem in a.problems])

    def add_hours(
        self, hours: WorkingHours | tuple, problems: Sequence[tuple[Attributes, Unreadable]]
    ) -> None:
        """Keeps an interval of the schedule being read (or, if it could not be read, what
        it said) and its problems; the same interval twice is kept once."""
        if hours in self.rules_read:
            return
        self.rules_read.add(hours)
        if isinstance(hours, WorkingHours):
            self.hours.append(hours)
        self.rules_problems.extend(problems)

    def record(self, element: etree._Element, spec: SectionSpec, line: int | None) -> None:
        if spec.read_plain is not None:
            keyed = spec.read_plain(self, element, line)
            if keyed is not None and self.keep_plain(spec, *keyed):
                return
        a = Attributes(element, spec.record, line=line, dates=self.dates)
        record = spec.read(self, a)
        if self.contradicted(a):
            return
        fingerprint = a.fingerprint() if record is None else record
        key = fingerprint if spec.key is None else spec.key(a)
        id = a.peek_integer("id")
        if key is not None:
            first = self.seen.get((spec.record, key))
            if first is not None:
                first_line, said = first
                if said != fingerprint:
                    self.duplicate(spec, a, first_line, id)
                return  # said twice the same way: once is enough
            self.seen[(spec.record, key)] = (a.line, fingerprint)
        for attributes, problem in self.rules_problems:
            self.report(self.document.warnings, attributes, problem, id)
        if record is None:
            self.unreadable(spec, a, key, id)
            return
        items = spec.items(self.document)
        if items is not None:
            items.append(record)

    def keep_plain(self, spec: SectionSpec, key: object, record: Any) -> bool:
        """Keeps a record read the plain way, unless its key was met before: then the
        record is read again with `Attributes`, and `record` judges the repeat."""
        first = (record.line, record)
        if self.seen.setdefault((spec.record, key), first) is not first:
            return False
        for attributes, problem in self.rules_problems:
            self.report(self.document.warnings, attributes, problem, record.mis_id)
        items = spec.items(self.document)
        if items is not None:
            items.append(record)
        return True

    def duplicate(self, spec: SectionSpec, a: Attributes, first_line: int, id: object) -> None:
        message = f"duplicate id, first given on line {first_line}"
        if spec.on_unreadable != "errors":
            message += ": this one is ignored"
        # Only records with an id have a key to repeat.
        duplicate = Unreadable(a.spelling["id"], message, "duplicate_id")
        self.report(spec.problems(self.document), a, duplicate, id)

    def unreadable(self, spec: SectionSpec, a: Attributes, key: object, id: object) -> None:
        problems = spec.problems(self.document)
        if spec.skippable and all(p.code in spec.skippable for p in a.problems):
            problems = self.document.warnings
        for problem in a.problems:
            self.report(problems, a, problem, id)
        if spec.unreadable_ids is not None and key is not None:
            getattr(self.document, spec.unreadable_ids).add(key)


def parse_document(
    data: bytes, *, encoding: str | None = None, dates: tuple[date, date] | None = None
) -> Document:
    """Reads an import document.

    `encoding` overrides the XML declaration (see transport); `dates` is the (first, last)
    window of dates the document may carry, by default EARLIEST_DATE to LATEST_DATE.
    """
    with _cycle_collection_paused():
        return Parser(data, dates).parse(data, encoding)


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """A big document is read into hundreds of thousands of records, none in a reference
    cycle; Python's cycle collector would walk them over and over as they pile up (a third
    of the parse). Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
