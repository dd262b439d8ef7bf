"""What a clinic's staff keep on the portal: who they are, what patients read about the
clinic and its doctors, the weekly templates of a clinic without an MIS, and how its MIS
sync is watched. The exchange never reads any of it: these rows point at its models."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.models import Clinic, Resource
from workspace.images import WebImageField


class Membership(models.Model):
    """One person's place in one clinic's staff."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("manager")
        REGISTRAR = "registrar", _("registrar")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("clinic")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REGISTRAR)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("clinic staff member")
        verbose_name_plural = _("clinic staff")
        ordering = ["clinic", "user__email"]
        constraints = [
            # Also serves the access check of every workspace page (user, clinic).
            models.UniqueConstraint(
                fields=["user", "clinic"], name="membership_unique_user_clinic"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["manager", "registrar"]), name="membership_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.clinic} ({self.get_role_display()})"

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER


class Invitation(models.Model):
    """A manager's invitation to join the clinic's staff, sent as a signed link by email."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("clinic")
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=Membership.Role.choices,
        default=Membership.Role.REGISTRAR,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["clinic", "-sent_at"]
        constraints = [
            # Inviting an address again renews its pending invitation rather than adding one.
            models.UniqueConstraint(
                fields=["clinic", "email"],
                condition=Q(accepted_at__isnull=True),
                name="invitation_unique_pending",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["manager", "registrar"]), name="invitation_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.clinic}"


class ClinicProfile(models.Model):
    """What patients read about the clinic; its manager writes it, imports never touch it."""

    clinic = models.OneToOneField(
        Clinic,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
        verbose_name=_("clinic"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True)
    directions = models.TextField(_("how to get there"), blank=True)
    description = models.TextField(_("about the clinic"), max_length=1000, blank=True)
    logo = WebImageField(_("logo"), upload_to="clinics/logos/", blank=True)

    class Meta:
        verbose_name = _("clinic profile")
        verbose_name_plural = _("clinic profiles")

    def __str__(self) -> str:
        return str(self.clinic)


class ResourceProfile(models.Model):
    """What patients read about a doctor or a room, kept apart from what the MIS sends."""

    class Patients(models.TextChoices):
        ADULTS = "adults", _("adults")
        CHILDREN = "children", _("children")
        BOTH = "both", _("adults and children")

    resource = models.OneToOneField(
        Resource,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
        verbose_name=_("doctor or room"),
    )
    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    specialty = models.CharField(
        _("specialty"),
        max_length=255,
        blank=True,
        help_text=_("As patients read it. If empty, the name of the group is shown."),
    )
    photo = WebImageField(_("photo"), upload_to="resources/photos/", blank=True)
    biography = models.TextField(_("short biography"), max_length=2000, blank=True)
    first_visit_price = models.DecimalField(
        _("price of a first visit, ₽"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    patients = models.CharField(_("sees"), max_length=8, choices=Patients.choices, blank=True)
    accepts_oms = models.BooleanField(_("accepts ОМС (compulsory insurance)"), default=False)
    accepts_dms = models.BooleanField(_("accepts ДМС (voluntary insurance)"), default=False)

    class Meta:
        verbose_name = _("doctor's profile")
        verbose_name_plural = _("doctors' profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(patients__in=["", "adults", "children", "both"]),
                name="resource_profile_patients_known",
            ),
            models.CheckConstraint(
                condition=Q(first_visit_price__isnull=True) | Q(first_visit_price__gte=0),
                name="resource_profile_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.resource)


class Hours(models.Model):
    """Wall-clock working hours with an optional break, in the clinic's time zone."""

    starts_at = models.TimeField(_("work starts"))
    ends_at = models.TimeField(_("work ends"))
    break_starts_at = models.TimeField(_("break starts"), null=True, blank=True)
    break_ends_at = models.TimeField(_("break ends"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="%(class)s_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(break_starts_at__isnull=True, break_ends_at__isnull=True)
                | Q(
                    break_starts_at__gt=F("starts_at"),
                    break_ends_at__gt=F("break_starts_at"),
                    break_ends_at__lt=F("ends_at"),
                ),
                name="%(class)s_break_within_work",
            ),
        ]


class ScheduleTemplate(models.Model):
    """Marks a portal-made resource whose schedule the portal makes from a weekly template.

    Its resource's schedules from today on are exactly what the template and its exceptions
    say for the weeks ahead (workspace.templates); resources without one keep theirs.
    """

    resource = models.OneToOneField(
        Resource,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="template",
        verbose_name=_("doctor or room"),
    )

    class Meta:
        verbose_name = _("schedule template")
        verbose_name_plural = _("schedule templates")

    def __str__(self) -> str:
        return str(self.resource)


class WeeklyHours(Hours):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    template = models.ForeignKey(ScheduleTemplate, on_delete=models.CASCADE, related_name="weekly")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)

    class Meta(Hours.Meta):
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering = ["template", "weekday", "starts_at"]
        constraints = [
            *Hours.Meta.constraints,
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weeklyhours_weekday_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class DayException(models.Model):
    """One date that differs from the week: a day off, or other hours that day."""

    template = models.ForeignKey(
        ScheduleTemplate, on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("date"))
    # All empty: a day off.
    starts_at = models.TimeField(_("work starts"), null=True, blank=True)
    ends_at = models.TimeField(_("work ends"), null=True, blank=True)
    break_starts_at = models.TimeField(_("break starts"), null=True, blank=True)
    break_ends_at = models.TimeField(_("break ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("exception")
        verbose_name_plural = _("exceptions")
        ordering = ["template", "date"]
        constraints = [
            models.UniqueConstraint(fields=["template", "date"], name="dayexception_unique_date"),
            models.CheckConstraint(
                condition=Q(
                    starts_at__isnull=True,
                    ends_at__isnull=True,
                    break_starts_at__isnull=True,
                    break_ends_at__isnull=True,
                )
                | Q(
                    ends_at__gt=F("starts_at"),
                    break_starts_at__isnull=True,
                    break_ends_at__isnull=True,
                )
                | Q(
                    ends_at__gt=F("starts_at"),
                    break_starts_at__gt=F("starts_at"),
                    break_ends_at__gt=F("break_starts_at"),
                    break_ends_at__lt=F("ends_at"),
                ),
                name="dayexception_day_off_or_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} {self.date}"

    @property
    def is_day_off(self) -> bool:
        return self.starts_at is None


def default_late_after() -> timedelta:
    return timedelta(hours=3)


class SyncPolicy(models.Model):
    """How long a clinic's portal data may go without fresh appointments from its MIS."""

    clinic = models.OneToOneField(
        Clinic,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sync_policy",
        verbose_name=_("clinic"),
    )
    late_after = models.DurationField(
        _("pause booking after"),
        default=default_late_after,
        validators=[MinValueValidator(timedelta(minutes=10)), MaxValueValidator(timedelta(days=7))],
        help_text=_(
            "When no import with appointments has been applied for this long, online booking "
            "at the clinic pauses until one is. Format: HH:MM:SS."
        ),
    )

    class Meta:
        verbose_name = _("sync policy")
        verbose_name_plural = _("sync policies")

    def __str__(self) -> str:
        return str(self.clinic)


class SyncFlip(models.Model):
    """A change of a clinic's sync state, as the watcher saw it; processed (told) once."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="sync_flips", verbose_name=_("clinic")
    )
    at = models.DateTimeField(_("when"))
    old_state = models.CharField(_("from"), max_length=16)
    new_state = models.CharField(_("to"), max_length=16)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("sync state change")
        verbose_name_plural = _("sync state changes")
        ordering = ["-at", "-pk"]
        indexes = [
            # Serves the watcher's look for a clinic's last known state.
            models.Index(fields=["clinic", "-at"], name="syncflip_clinic_at_idx"),
            # Serves the sender's look for changes not told yet.
            models.Index(
                fields=["at"], condition=Q(processed_at__isnull=True), name="syncflip_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} {self.old_state} → {self.new_state}"


class ClinicSync(Clinic):
    """The clinics as the admin's list of their MIS sync states (workspace.admin)."""

    class Meta:
        proxy = True
        verbose_name = _("clinic's MIS sync")
        verbose_name_plural = _("clinics' MIS sync")
