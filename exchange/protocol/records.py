"""The typed records an import document is read into and an export is written from.

All dates and times are the clinic's wall-clock values (naive); the importer puts them in the
clinic's time zone. Records compare without their `line`: two records that say the same thing
are equal wherever they stand in the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

MAX_REPORTED_PROBLEMS = 1000
MAX_NAME_LENGTH = 255
MAX_TABLENAME_LENGTH = 64
MAX_TIME_STEP = 24 * 60
# An MIS may block a resource for a vacation; a month is the longest such block accepted.
MAX_DURATION = 31 * 24 * 60
ID_RANGE = range(-(2**63), 2**63)
POS_RANGE = range(-(2**31), 2**31)
# The widest dates any document may carry (the database checks them too); a portal narrows
# them with its own window (see parse_document).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
# Bounds on the work a document can cause once its key is accepted: a document over one of
# them is refused whole. Real MIS documents stay far below them.
MAX_ATTRIBUTES = 200  # on one element
MAX_ELEMENT_NAMES = 500  # distinct element names in one document
# The root's start tag (and the key on it) must lie within the document's first bytes.
HEAD_LIMIT = 64 * 1024
SYNC_MODES = ("full", "diff")
ORDER_STATUSES = (0, 1, 2, 3)
MIS_ORDER_STATUSES = (0, 1, 3)
PATIENT_CANCELLED = 2
# The patient's details an MIS may correct on an order, with their longest values.
ORDER_DETAILS = {
    "name1": 100,
    "name2": 100,
    "name3": 100,
    "phone": 32,
    "email": 254,
    "city": 100,
    "address": 255,
    "aim": 255,
    "comment": 10_000,
}


@dataclass(frozen=True, slots=True)
class Problem:
    """A located error, warning or conflict, as the import response lists it."""

    line: int | None
    element: str
    message: str
    attribute: str | None = None
    id: str | None = None
    # Stable and machine-readable (`unknown_order`, `stale_change`, ...): MIS code switches on
    # it, while the English message may be reworded. The codes are listed in docs/protocol.md.
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    line: int = field(compare=False)
    mis_id: int
    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Resource:
    line: int = field(compare=False)
    mis_id: int
    group_id: int | None
    name: str
    time_step: int
    pos: int


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """One `time_rules` element: offsets from the schedule date's midnight (24:00 allowed)."""

    line: int = field(compare=False)
    start: timedelta
    end: timedelta
    break_start: timedelta | None
    break_end: timedelta | None


@dataclass(frozen=True, slots=True)
class Schedule:
    line: int = field(compare=False)
    mis_id: int | None
    date: date
    resource_id: int
    hours: tuple[WorkingHours, ...]


@dataclass(frozen=True, slots=True)
class Appointment:
    line: int = field(compare=False)
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
    """The MIS's decision on one order; None (or a detail left out) means "not said"."""

    line: int = field(compare=False)
    order_id: int
    status: int | None
    starts_at: datetime | None
    duration: int | None
    mis_resource_id: int | None
    last_changed_on: datetime | None
    # The portal's own resource id, which the export writes as `resource_id`.
    resource_id: int | None = None
    # Corrections of the patient's details: the ORDER_DETAILS present and not blank, stripped.
    details: dict[str, str] = field(default_factory=dict)


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
    # Order changes the portal could not read: each is a <Conflict>, and the rest applies.
    conflicts: list[Problem] = field(default_factory=list)
    # Ids of `rg` and `r` records that could not be read: the portal keeps what it has under
    # these ids exactly as it is, rather than remove or retire it over a typo.
    unreadable_group_ids: set[int] = field(default_factory=set)
    unreadable_resource_ids: set[int] = field(default_factory=set)

    def problem(
        self,
        line: int | None,
        element: str,
        message: str,
        *,
        id: object = None,
        code: str | None = None,
    ) -> Problem:
        """A problem about a record, at the record's line: where its element begins."""
        return Problem(line, element, message, id=None if id is None else str(id), code=code)


@dataclass(frozen=True, slots=True)
class DocumentHead:
    """What the first bytes of a document say: its key, or why it has none to read."""

    client_key: str | None
    errors: list[Problem] = field(default_factory=list)


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
