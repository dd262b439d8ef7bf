"""One import run: what it applies to, what it reports, and the instants it computes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from exchange import protocol
from exchange.models import Clinic, Resource
from exchange.orders import Actor


@dataclass(slots=True)
class ImportSummary:
    """What an import did (or, on a dry run, would do), section by section."""

    dry_run: bool = False
    groups_total: int | None = None
    resources: dict[str, int] | None = None
    schedules_total: int | None = None
    appointments: dict[str, int | str] | None = None
    orders: dict[str, int] | None = None
    warnings: list[protocol.Problem] = field(default_factory=list)
    conflicts: list[protocol.Problem] = field(default_factory=list)

    def sections(self) -> list[tuple[str, dict[str, object]]]:
        """(name, counts) of each section the document had, in the order the result lists them."""
        counts = self._section_counts()
        return [
            (spec.name, counts[spec.field])
            for spec in protocol.SECTIONS.values()
            if counts[spec.field] is not None
        ]

    def counts(self) -> dict[str, object]:
        """The numbers alone, for the import journal."""
        sections = self._section_counts()
        counts = {name: value for name, value in sections.items() if value is not None}
        counts["warnings"] = len(self.warnings)
        counts["conflicts"] = len(self.conflicts)
        return counts

    def _section_counts(self) -> dict[str, dict | None]:
        """Counts by the Document attribute of their section; None for an absent section."""
        return {
            "groups": None if self.groups_total is None else {"total": self.groups_total},
            "resources": self.resources,
            "schedules": None if self.schedules_total is None else {"total": self.schedules_total},
            "appointments": self.appointments,
            "orders": self.orders,
        }


@dataclass
class ImportRun:
    clinic: Clinic
    document: protocol.Document
    summary: ImportSummary
    actor: Actor
    # Wall-clock times repeat across a clinic's schedule and appointments: each is turned
    # into an instant once.
    instants: dict[datetime, datetime] = field(default_factory=dict)
    spans: dict[tuple[datetime, int], tuple[datetime, datetime]] = field(default_factory=dict)

    def warn(self, line: int, element: str, message: str, id: object, *, code: str) -> None:
        if len(self.summary.warnings) < protocol.MAX_REPORTED_PROBLEMS:
            problem = self.document.problem(line, element, message, id=id, code=code)
            self.summary.warnings.append(problem)

    def conflict(self, line: int, element: str, message: str, id: object, *, code: str) -> None:
        problem = self.document.problem(line, element, message, id=id, code=code)
        self.summary.conflicts.append(problem)

    def instant(self, wall_clock: datetime) -> datetime:
        """The instant of the clinic's wall-clock time, in UTC.

        As zoneinfo reads fold=0: a time that does not exist (a DST gap) moves forward by
        the gap, an ambiguous one (the hour repeated in autumn) is its first occurrence.
        Durations are then added to instants, never to wall clocks.
        """
        moment = self.instants.get(wall_clock)
        if moment is None:
            moment = wall_clock.replace(tzinfo=self.clinic.tzinfo, fold=0).astimezone(UTC)
            self.instants[wall_clock] = moment
        return moment

    def span(self, wall_clock: datetime, minutes: int) -> tuple[datetime, datetime]:
        """The instants an appointment at `wall_clock` for `minutes` begins and ends; equal
        spans are one object, which keeps the digests of a clinic's rows cheap (pickle
        writes a repeated object once). Minutes are real time, added to the instant."""
        key = (wall_clock, minutes)
        span = self.spans.get(key)
        if span is None:
            starts_at = self.instant(wall_clock)
            span = self.spans[key] = (starts_at, starts_at + timedelta(minutes=minutes))
        return span

    @cached_property
    def portal_resource_ids(self) -> set[int]:
        """The portal ids of all the clinic's resources, MIS-made or not."""
        return set(Resource.objects.filter(clinic=self.clinic).values_list("pk", flat=True))

    @cached_property
    def resource_ids(self) -> dict[int, int]:
        """Portal ids by MIS id, read once the Resources section (if any) has applied."""
        resources = Resource.objects.filter(clinic=self.clinic, mis_id__isnull=False)
        return dict(resources.values_list("mis_id", "pk"))
