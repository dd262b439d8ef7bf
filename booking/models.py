"""What booking keeps beside the exchange's orders: the reminders of visits."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exchange.models import Order


class Reminder(models.Model):
    """One reminder of an accepted visit, planned for `due_at` and sent once.

    The row is the truth whether or not a job queue runs: a job at `due_at`, or the sweep
    that finds what is due and unsent, sends it and stamps `sent_at` under the row's lock.
    The rows are re-planned whenever the order changes (booking.reminders).
    """

    class Kind(models.TextChoices):
        DAY_BEFORE = "day", _("the day before")
        HOURS_BEFORE = "hours", _("two hours before")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    due_at = models.DateTimeField(_("due"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            # One of each kind per order: re-planning updates it, so it is never sent twice.
            models.UniqueConstraint(fields=["order", "kind"], name="reminder_unique_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=["day", "hours"]), name="reminder_kind_known"
            ),
        ]
        indexes = [
            # Serves the sweep: what is due and not sent yet.
            models.Index(
                fields=["due_at"], condition=Q(sent_at__isnull=True), name="reminder_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"
