"""What the exchange keeps: clinics and, per clinic, the MIS's data and the patients' orders."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exchange.protocol.records import EARLIEST_DATE, LATEST_DATE

# The longest busy block accepted (a month's vacation, say; the protocol's largest
# `Duration`). Overlap queries bound their index scan with it: nothing that starts earlier
# than this before a window can reach into it.
LONGEST_SPAN = timedelta(days=31)

# Nothing outside these reaches the database, whatever the code path: the dates an import
# accepts (2000-01-01 to 2099-12-31, narrowed by settings), widened by a day for the clinics'
# time zones and by the longest span for ends. Outside them lie the year-1 and year-9999
# values that once broke a clinic's exports.
EARLIEST_INSTANT = datetime(1999, 12, 31, tzinfo=UTC)
LATEST_INSTANT = datetime(2100, 1, 2, tzinfo=UTC) + LONGEST_SPAN


def _within_bounds(*fields: str) -> Q:
    condition = Q()
    for name in fields:
        condition &= Q(**{f"{name}__gte": EARLIEST_INSTANT, f"{name}__lte": LATEST_INSTANT})
    return condition


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


def default_clinic_timezone() -> str:
    return settings.DEFAULT_CLINIC_TIMEZONE


class Clinic(models.Model):
    class Dialect(models.TextChoices):
        """How the export spells its attributes: MIS installations read them case-sensitively."""

        SAMPLE = "sample", _("as in the protocol's sample: ID, Status, MW_Resource_ID…")
        TABLE = "table", _("as in the protocol's table: id, status, mw_resource_id…")

    class CancelledStatus(models.IntegerChoices):
        """The status the export shows for an order the patient cancelled."""

        CANCELLED = 2, _("2 (cancelled by the patient)")
        REJECTED = 3, _("3, for an MIS that knows only 0, 1 and 3")

    name = models.CharField(_("name"), max_length=255)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_clinic_timezone,
        validators=[validate_timezone],
        help_text=_("IANA name; every time the MIS sends or receives is in this zone."),
    )
    # SHA-256 of the normalized client key; NULL when no key is in force (never issued or
    # revoked), since many clinics may have none and NULLs do not collide in the unique index.
    # The key itself is never stored.
    key_digest = models.CharField(  # noqa: DJ001
        _("client key digest"), max_length=64, null=True, blank=True, editable=False
    )
    dialect = models.CharField(
        _("export spelling"), max_length=8, choices=Dialect.choices, default=Dialect.SAMPLE
    )
    cancelled_status = models.PositiveSmallIntegerField(
        _("patient cancellations exported as"),
        choices=CancelledStatus.choices,
        default=CancelledStatus.CANCELLED,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="clinic_unique_name"),
            # Serves the key lookup of every exchange request.
            models.UniqueConstraint(fields=["key_digest"], name="clinic_unique_key_digest"),
            models.CheckConstraint(
                condition=Q(dialect__in=["sample", "table"]), name="clinic_dialect_known"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_status__in=[2, 3]), name="clinic_cancelled_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class ResourceGroup(models.Model):
    """A specialty or kind of room, as the MIS groups its resources."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="groups", verbose_name=_("clinic")
    )
    # Empty for a group made by hand on the portal: MIS imports never touch those.
    mis_id = models.BigIntegerField(_("MIS id"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=255)
    pos = models.IntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("resource group")
        verbose_name_plural = _("resource groups")
        ordering = ["clinic", "pos", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "mis_id"],
                condition=Q(mis_id__isnull=False),
                name="group_unique_mis_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ResourceQuerySet(models.QuerySet):
    def bookable(self) -> ResourceQuerySet:
        """What patients may book: not retired, of an active clinic."""
        return self.filter(is_retired=False, clinic__is_active=True)


class Resource(models.Model):
    """A doctor or a room. The primary key is the portal id that patients' orders refer to."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="resources", verbose_name=_("clinic")
    )
    # Empty for a resource made by hand on the portal: MIS imports never touch those.
    mis_id = models.BigIntegerField(
        _("MIS id"),
        null=True,
        blank=True,
        help_text=_("Empty for a resource made on the portal: imports never touch it."),
    )
    group = models.ForeignKey(
        ResourceGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("group"),
    )
    name = models.CharField(_("name"), max_length=255)
    time_step = models.PositiveSmallIntegerField(_("time step, minutes"), default=30)
    pos = models.IntegerField(_("position"), default=0)
    # A resource the MIS stopped sending: hidden from booking, its orders kept and exported.
    is_retired = models.BooleanField(
        _("retired"),
        default=False,
        help_text=_("Hidden from patients; its orders are kept and still exported."),
    )

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["clinic", "pos", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "mis_id"],
                condition=Q(mis_id__isnull=False),
                name="resource_unique_mis_id",
            ),
            models.CheckConstraint(
                condition=Q(time_step__gt=0), name="resource_time_step_positive"
            ),
            # The target of the appointments' composite foreign key (resource, clinic).
            models.UniqueConstraint(fields=["id", "clinic"], name="resource_id_clinic_key"),
        ]

    def __str__(self) -> str:
        return self.name


class Schedule(models.Model):
    """One working interval of a resource on a date (a `time_rules` element), with its break.

    Times are stored as instants, computed from the MIS's wall-clock values in the clinic's
    time zone when imported; `date` is the clinic-local date the MIS gave.
    """

    # Beside `resource` so that an import compares one clinic's schedules through one index.
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("clinic")
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("resource")
    )
    mis_id = models.BigIntegerField(_("MIS id"), null=True, blank=True)
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("work starts"))
    ends_at = models.DateTimeField(_("work ends"))
    break_starts_at = models.DateTimeField(_("break starts"), null=True, blank=True)
    break_ends_at = models.DateTimeField(_("break ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ["resource", "starts_at"]
        indexes = [
            # Serves the free-slot query: one resource, a week of dates.
            models.Index(fields=["resource", "date"], name="schedule_resource_date_idx"),
            # Serves the import's comparison of a clinic's schedules, and the admin's list
            # filtered by clinic, latest date first.
            models.Index(fields=["clinic", "date"], name="schedule_clinic_date_idx"),
            # Serves the admin's list of all clinics' schedules, latest date first.
            models.Index(fields=["date"], name="schedule_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="schedule_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(date__gte=EARLIEST_DATE, date__lte=LATEST_DATE)
                & _within_bounds("starts_at", "ends_at"),
                name="schedule_within_bounds",
            ),
            models.CheckConstraint(
                condition=Q(break_starts_at__isnull=True, break_ends_at__isnull=True)
                | Q(
                    break_starts_at__gte=F("starts_at"),
                    break_ends_at__gt=F("break_starts_at"),
                    break_ends_at__lte=F("ends_at"),
                ),
                name="schedule_break_within_work",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.date}"


class TimeSpanQuerySet(models.QuerySet):
    def overlapping(self, resource: Resource | int, starts_at: datetime, ends_at: datetime):
        """Rows of `resource` whose [starts_at, ends_at) overlaps the given span.

        Touching spans (one ends when the other starts) do not overlap.
        """
        return self.filter(
            resource=resource,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
            # Redundant with the line above, but lets the (resource, starts_at) index bound
            # the scan from below too.
            starts_at__gt=starts_at - LONGEST_SPAN,
        )


class Appointment(models.Model):
    """Time the MIS reports busy. `title` may name another patient: never shown to patients."""

    # Part of the MIS's key: (tablename, id) is unique only within one clinic. Both
    # references are checked by one composite foreign key (see migration 0009): the resource
    # exists and belongs to this clinic. Their own indexes would repeat the composite ones.
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.CASCADE,
        related_name="appointments",
        verbose_name=_("clinic"),
        db_index=False,
        db_constraint=False,
    )
    resource = models.ForeignKey(
        Resource,
        on_delete=models.CASCADE,
        related_name="appointments",
        verbose_name=_("resource"),
        db_index=False,
        db_constraint=False,
    )
    table = models.CharField(_("MIS table"), max_length=64)
    mis_id = models.BigIntegerField(_("MIS id"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    title = models.TextField(_("title"), blank=True)

    objects = TimeSpanQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["resource", "starts_at"]
        indexes = [
            # Serves the free-slot query: what is busy on one resource in a window.
            models.Index(fields=["resource", "starts_at"], name="appointment_resource_time_idx"),
            # Serve the admin's list, latest first: filtered by clinic, and of all clinics.
            models.Index(fields=["clinic", "starts_at"], name="appointment_clinic_time_idx"),
            models.Index(fields=["starts_at"], name="appointment_time_idx"),
        ]
        constraints = [
            # The MIS's key; also serves the import's lookups by clinic.
            models.UniqueConstraint(
                fields=["clinic", "table", "mis_id"], name="appointment_unique_mis_key"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=_within_bounds("starts_at", "ends_at"),
                name="appointment_within_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table}#{self.mis_id}"


class SectionDigest(models.Model):
    """A digest of the rows a clinic's last full sync of a section left.

    The same full section again (the hourly sync of a clinic whose MIS changed nothing) is
    then recognized without reading the clinic's rows back. Only imports write those rows;
    any other import that changes them (a diff) deletes the digest.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="digests")
    section = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            # Serves the importer's lookup of a clinic's section.
            models.UniqueConstraint(fields=["clinic", "section"], name="digest_unique_section"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id} {self.section}"


class OrderQuerySet(TimeSpanQuerySet):
    def holding(self) -> OrderQuerySet:
        """Orders that hold their time: received or accepted."""
        return self.filter(status__in=Order.HOLDING_STATUSES)


class Order(models.Model):
    """A patient's booking (заявка): the MIS accepts or rejects it.

    No two orders holding time (status 0 or 1) overlap on one resource. The database
    enforces it: on PostgreSQL with the exclusion constraint `order_no_overlap` (migration
    0002, PostgreSQL-only, so it is not in Meta), elsewhere with `order_unique_active_start`
    below plus the booking service's check under the IMMEDIATE write lock.
    """

    class Status(models.IntegerChoices):
        RECEIVED = 0, _("Received")
        ACCEPTED = 1, _("Accepted")
        CANCELLED = 2, _("Cancelled by the patient")
        REJECTED = 3, _("Rejected")

    # Orders in these statuses hold their time; the others free it.
    HOLDING_STATUSES = (Status.RECEIVED, Status.ACCEPTED)

    # Kept beside `resource` (which never changes clinic) so the export reads one index.
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="orders", verbose_name=_("clinic")
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="orders", verbose_name=_("resource")
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("patient"),
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    status = models.PositiveSmallIntegerField(
        _("status"), choices=Status.choices, default=Status.RECEIVED
    )
    starts_at = models.DateTimeField(_("reception time"))
    ends_at = models.DateTimeField(_("reception ends"))
    name1 = models.CharField(_("surname"), max_length=100)
    name2 = models.CharField(_("first name"), max_length=100)
    name3 = models.CharField(_("patronymic"), max_length=100, blank=True)
    aim = models.CharField(_("aim of the visit"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32)
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("email"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)
    last_changed_at = models.DateTimeField(_("last changed"), default=timezone.now)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-starts_at"]
        indexes = [
            # Serves the export: one clinic's orders by time of last change, oldest first.
            models.Index(fields=["clinic", "last_changed_at", "id"], name="order_export_idx"),
            # Serves the free-slot query and the overlap check on one resource.
            models.Index(fields=["resource", "starts_at"], name="order_resource_time_idx"),
            # Serves a patient's "My orders" page.
            models.Index(fields=["patient", "starts_at"], name="order_patient_time_idx"),
            # Serve the admin's list, latest reception first, and its date drill-down:
            # filtered by clinic, and of all clinics (also filtered by status, which most
            # orders share, so the scan stops early).
            models.Index(fields=["clinic", "starts_at"], name="order_clinic_time_idx"),
            models.Index(fields=["starts_at"], name="order_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[0, 1, 2, 3]), name="order_status_known"),
            models.UniqueConstraint(
                fields=["resource", "starts_at"],
                condition=Q(status__in=[0, 1]),
                name="order_unique_active_start",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="order_ends_after_start"
            ),
            models.CheckConstraint(
                condition=_within_bounds("starts_at", "ends_at", "last_changed_at"),
                name="order_within_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.resource} {self.starts_at}"

    @property
    def duration(self) -> int:
        """Length in whole minutes, as the protocol's `duration`."""
        return (self.ends_at - self.starts_at) // timedelta(minutes=1)

    @property
    def is_holding(self) -> bool:
        return self.status in self.HOLDING_STATUSES

    def can_cancel(self, now: datetime) -> bool:
        """The patient may cancel an order that holds time and has not begun."""
        return self.is_holding and self.starts_at > now


class OrderEvent(models.Model):
    """One change to an order, written in the same transaction as the change: its history.

    It answers a clinic's "who cancelled this, and when?", and it is also the order's outbox:
    an event the patient must hear about waits with `notified_at` empty until it is sent.
    """

    class Actor(models.TextChoices):
        PATIENT = "patient", _("patient")
        MIS = "mis", _("MIS import")
        STAFF = "staff", _("clinic staff")
        ADMIN = "admin", _("portal admin")

    class Action(models.TextChoices):
        CREATED = "created", _("booked")
        CANCELLED = "cancelled", _("cancelled by the patient")
        RECEIVED = "received", _("returned to received")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        MOVED = "moved", _("moved")
        CORRECTED = "corrected", _("details corrected")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    at = models.DateTimeField(_("when"))
    actor_kind = models.CharField(_("who"), max_length=16, choices=Actor.choices)
    # The user's id, or the import journal entry's for an MIS import.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    # Kept as it was at the time: a user may later change their email or be deleted.
    actor_label = models.CharField(_("actor"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    # {field: [old, new]}; times as ISO 8601 instants.
    changes = models.JSONField(_("changes"), default=dict)
    notify_patient = models.BooleanField(_("patient to be told"), default=False)
    notified_at = models.DateTimeField(_("patient told"), null=True, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order history")
        ordering = ["order", "at", "pk"]
        indexes = [
            # Serves an order's history, oldest first.
            models.Index(fields=["order", "at"], name="order_event_order_at_idx"),
            # Serves the sender's look for what the patient has not been told yet.
            models.Index(
                fields=["at"],
                condition=Q(notify_patient=True, notified_at__isnull=True),
                name="order_event_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.action} {self.at:%Y-%m-%d %H:%M:%S}"


class ImportRecord(models.Model):
    """The journal of import requests, for the admin and for integrators' support."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", pgettext_lazy("import outcome", "Applied")
        DRY_RUN = "dry_run", pgettext_lazy("import outcome", "Dry run")
        REJECTED = "rejected", pgettext_lazy("import outcome", "Rejected")
        FAILED = "failed", pgettext_lazy("import outcome", "Failed")

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="imports", verbose_name=_("clinic")
    )
    received_at = models.DateTimeField(_("received at"))
    size = models.PositiveBigIntegerField(_("size, bytes"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"))

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("import journal")
        ordering = ["-received_at"]
        indexes = [
            # Serves the admin's per-clinic journal, newest first.
            models.Index(fields=["clinic", "-received_at"], name="import_clinic_received_idx"),
            # Serves the admin's journal of all clinics, newest first.
            models.Index(fields=["received_at"], name="import_received_idx"),
            # Serves the admin's journal filtered by outcome, newest first: the rejected and
            # failed imports are few among many applied ones.
            models.Index(fields=["outcome", "received_at"], name="import_outcome_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} {self.received_at:%Y-%m-%d %H:%M:%S} {self.outcome}"
