"""The sections of an import document: what records each holds and how one is read.

A table of section specs says, per section, which records it holds, how each is read, where
it goes, what tells two apart and what an unreadable one means; the parser (`reading`) walks
the document along it. A record reader gets the record's `Attributes` and returns the record,
or None when it cannot be read (the problems are then on the `Attributes`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from lxml import etree

from exchange.protocol.attributes import MIDNIGHT, Attributes, read_integer, shown
from exchange.protocol.records import (
    MAX_DURATION,
    MAX_NAME_LENGTH,
    MAX_TABLENAME_LENGTH,
    MAX_TIME_STEP,
    ORDER_DETAILS,
    ORDER_STATUSES,
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

if TYPE_CHECKING:
    from exchange.protocol.reading import Parser


def read_group(parser: Parser, a: Attributes) -> Group | None:
    mis_id = a.integer("id")
    name = a.text("name", max_length=MAX_NAME_LENGTH)
    pos = a.integer("pos", required=False, bounds=POS_RANGE) or 0
    return Group(a.line, mis_id, name, pos) if a.ok else None


def read_resource(parser: Parser, a: Attributes) -> Resource | None:
    mis_id = a.integer("id")
    group_id = a.integer("group_id", required=False)
    name = a.text("name", max_length=MAX_NAME_LENGTH)
    time_step = a.minutes("time_step", maximum=MAX_TIME_STEP)
    pos = a.integer("pos", required=False, bounds=POS_RANGE) or 0
    return Resource(a.line, mis_id, group_id, name, time_step, pos) if a.ok else None


def read_schedule(parser: Parser, a: Attributes) -> Schedule | None:
    mis_id = a.integer("id", required=False)
    day = a.date("date")
    resource_id = a.integer("resource_id")
    if a.ok and not parser.rules_read:
        a.problem(None, "no time_rules: no working hours that day", "no_time_rules")
    if not a.ok or not parser.hours:
        # Without working hours the schedule adds nothing: every interval was dropped.
        return None
    return Schedule(a.line, mis_id, day, resource_id, tuple(parser.hours))


def working_hours(a: Attributes) -> WorkingHours | None:
    """One interval, or None when it gives no working time (and a problem says why)."""
    start_name, start = a.clock("w_start", "w_starttime", required=True)
    end_name, end = a.clock("w_end", "w_endtime", required=True, allow_midnight_end=True)
    break_start_name, break_start = a.clock("b_start", "b_starttime")
    break_end_name, break_end = a.clock("b_end", "b_endtime", allow_midnight_end=True)
    if not a.ok:
        return None
    end = _midnight_end(start, end)
    if break_start is not None and break_end is not None:
        break_end = _midnight_end(break_start, break_end)
        if break_start == break_end:
            break_start = break_end = None  # an empty break is no break
    if end == start:
        return None  # no working time, and nothing wrong with saying so
    if end < start:
        a.problem(end_name, f"{end_name} is before {start_name}", "end_before_start")
    elif (break_start is None) != (break_end is None):
        missing = break_end_name if break_end is None else break_start_name
        a.problem(missing, "a break needs both b_start and b_end", "break_incomplete")
    elif break_start is not None and break_end < break_start:
        message = f"{break_end_name} is before {break_start_name}"
        a.problem(break_end_name, message, "end_before_start")
    elif break_start is not None and (break_start < start or break_end > end):
        message = "the break lies outside the working hours"
        a.problem(break_start_name, message, "break_outside_hours")
    return WorkingHours(a.line, start, end, break_start, break_end) if a.ok else None


def read_appointment(parser: Parser, a: Attributes) -> Appointment | None:
    table = a.text("tablename", max_length=MAX_TABLENAME_LENGTH)
    mis_id = a.integer("id")
    resource_id = a.integer("resource_id")
    starts_at = a.datetime("receptiondatetime")
    if a.peek_integer("duration") == 0:
        a.problem("duration", "Duration 0 blocks no time: skipped", "zero_duration")
        duration = None
    else:
        duration = a.minutes("duration", maximum=MAX_DURATION)
    title = a.raw("title")[1] or ""
    if not a.ok:
        return None
    return Appointment(a.line, table, mis_id, resource_id, starts_at, duration, title)


def read_order_change(parser: Parser, a: Attributes) -> OrderChange | None:
    order_id = a.integer("id")
    status = read_order_status(a)
    starts_at = a.datetime("reception_datetime", required=False)
    duration = a.minutes("duration", maximum=MAX_DURATION, required=False)
    mis_resource_id = a.integer("mw_resource_id", required=False)
    resource_id = a.integer("resource_id", required=False)
    last_changed_on = a.datetime("lastchangedon", required=False)
    details = {}
    for name, max_length in ORDER_DETAILS.items():
        if name == "email":
            value = a.email(name, max_length=max_length)
        else:
            value = a.text(name, max_length=max_length, required=False)
        if value:
            details[name] = value
    if not a.ok:
        return None
    return OrderChange(
        a.line, order_id, status, starts_at, duration, mis_resource_id, last_changed_on,
        resource_id, details,
    )  # fmt: skip


def read_order_status(a: Attributes) -> int | None:
    # 2 is read too: an MIS echoes the patient's cancellation, and the importer judges it.
    _, value = a.raw("status")
    if value is None:
        return None
    status, _ = read_integer(value)
    if status not in ORDER_STATUSES:
        a.problem("status", f"unknown status {shown(value)}: use 0, 1 or 3", "bad_status")
        return None
    return status


def _midnight_end(start: timedelta, end: timedelta) -> timedelta:
    """`0:00` as the end of something that starts later is the midnight that ends the day."""
    return MIDNIGHT if end == timedelta(0) and start > timedelta(0) else end


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """How one section of an import document is read."""

    name: str  # the section's element, as documents and import results spell it
    record: str  # the element of its records
    field: str  # the Document attribute its records go to
    # A record, or None when it cannot be read (its Attributes then hold the problems).
    read: Callable[[Parser, Attributes], object | None]
    # What tells two records apart, read quietly from the attributes (None when unreadable);
    # None: records are told apart only by what they say.
    key: Callable[[Attributes], object] | None = None
    # The Document list where an unreadable record's problems go: "errors" refuses the
    # document, "warnings" skips the record, "conflicts" lists an order change not applied.
    on_unreadable: str = "warnings"
    # Codes that only skip a record the section would otherwise refuse.
    skippable: frozenset[str] = frozenset()
    # The Document set that keeps the ids of unreadable records, if the section has one.
    unreadable_ids: str | None = None
    # The quick way for plainly written records (see `plain`): (the key, the record), or
    # None to read the record with `Attributes`.
    read_plain: Callable[[Parser, etree._Element, int | None], tuple[object, Any] | None] | None = (
        None
    )

    def begin(self, parser: Parser, element: etree._Element, line: int | None) -> None:
        """At each start tag of the section: a repeated section reads on into the same list."""
        if getattr(parser.document, self.field) is None:
            setattr(parser.document, self.field, [])

    def items(self, document: Document) -> list | None:
        """Where the section's records go; None drops them."""
        return getattr(document, self.field)

    def problems(self, document: Document) -> list[Problem]:
        return getattr(document, self.on_unreadable)


@dataclass(frozen=True, slots=True)
class _AppointmentsSpec(SectionSpec):
    """Appointments carry a SyncMode; a section whose SyncMode is refused keeps no records."""

    def begin(self, parser: Parser, element: etree._Element, line: int | None) -> None:
        a = Attributes(element, self.name, line=line)
        document = parser.document
        mode = (a.raw("syncmode")[1] or "diff").lower()
        if parser.contradicted(a):
            return
        if mode not in SYNC_MODES:
            a.problem(
                "syncmode", f"unknown SyncMode {mode!r}: use full or diff", "unknown_sync_mode"
            )
        elif document.appointments is None:
            document.appointments = Appointments(mode)
        elif document.appointments.mode != mode:
            message = "two Appointments sections with different SyncMode"
            a.problem("syncmode", message, "sync_mode_mix")
        for problem in a.problems:
            parser.report(document.errors, a, problem)

    def items(self, document: Document) -> list[Appointment] | None:
        return None if document.appointments is None else document.appointments.items


def _plain_schedule(
    parser: Parser, element: etree._Element, line: int | None
) -> tuple[Schedule, Schedule] | None:
    head = parser.plain.schedule_head(element)
    if head is None or not parser.hours:
        return None
    schedule = Schedule(line, *head, tuple(parser.hours))
    # Schedules have no key: what one says tells it apart.
    return schedule, schedule


def _plain_appointment(
    parser: Parser, element: etree._Element, line: int | None
) -> tuple[tuple[str, int], Appointment] | None:
    appointment = parser.plain.appointment(element, line)
    if appointment is None:
        return None
    return (appointment.table, appointment.mis_id), appointment


def _integer_key(a: Attributes) -> int | None:
    return a.peek_integer("id")


def _appointment_key(a: Attributes) -> tuple[str, int] | None:
    mis_id = a.peek_integer("id")
    table = a.values.get("tablename")
    return None if mis_id is None or table is None else (table, mis_id)


# Keyed by the lower-cased section name, in the order import results list the sections.
SECTIONS: dict[str, SectionSpec] = {
    spec.name.lower(): spec
    for spec in (
        SectionSpec(
            "ResourceGroups", "rg", "groups", read_group, _integer_key,
            unreadable_ids="unreadable_group_ids",
        ),
        SectionSpec(
            "Resources", "r", "resources", read_resource, _integer_key,
            unreadable_ids="unreadable_resource_ids",
        ),
        SectionSpec("Schedules", "s", "schedules", read_schedule, read_plain=_plain_schedule),
        _AppointmentsSpec(
            "Appointments", "a", "appointments", read_appointment, _appointment_key,
            on_unreadable="errors", skippable=frozenset({"zero_duration"}),
            read_plain=_plain_appointment,
        ),
        SectionSpec(
            "Orders", "o", "orders", read_order_change, _integer_key,
            on_unreadable="conflicts",
        ),
    )
}  # fmt: skip
