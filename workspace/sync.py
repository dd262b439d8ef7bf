"""The health of a clinic's MIS sync, computed from the import journal, and its flips.

Like a healthchecks check, a clinic's MIS has a state computed from timestamps, never
stored as a guess: `never` connected (no import ever), `late` (no import with appointments
applied within the clinic's limit: online booking pauses, since the portal no longer knows
what is busy), `failing` (the last import was rejected or failed), or `healthy`. The watcher
(`sync_watch`, a periodic job) records each change of state as a `SyncFlip` row and tells the
clinic's managers and the portal's admins of each flip into and out of `late` once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from exchange.models import Clinic, ImportRecord
from workspace.models import Membership, SyncFlip, SyncPolicy, default_late_after

logger = logging.getLogger(__name__)

Outcome = ImportRecord.Outcome
# The journal's names of the import sections, in the order the protocol lists them.
SECTIONS = {
    "groups": _("Resource groups"),
    "resources": _("Doctors and rooms"),
    "schedules": _("Schedules"),
    "appointments": _("Appointments (busy time)"),
    "orders": _("Decisions on orders"),
}
WARNINGS_WINDOW = timedelta(hours=24)


class SyncState(models.TextChoices):
    NEVER = "never", _("never connected")
    HEALTHY = "healthy", _("healthy")
    LATE = "late", _("late")
    FAILING = "failing", _("failing")


def with_sync(clinics: QuerySet[Clinic]) -> QuerySet[Clinic]:
    """`clinics` with what their sync state is computed from, in the same one query.

    Each subquery reads the clinic's journal newest first through its (clinic, received)
    index and stops at the first row that matches.
    """
    journal = ImportRecord.objects.filter(clinic=OuterRef("pk")).order_by("-received_at", "-pk")
    good = journal.filter(outcome=Outcome.APPLIED, counts__has_key="appointments")
    policy = SyncPolicy.objects.filter(clinic=OuterRef("pk"))
    return clinics.annotate(
        sync_connected=Exists(journal),
        sync_last_good=Subquery(good.values("received_at")[:1]),
        # A dry run is the integrator's test, not the clinic's sync.
        sync_last_outcome=Subquery(journal.exclude(outcome=Outcome.DRY_RUN).values("outcome")[:1]),
        sync_late_after=Subquery(policy.values("late_after")[:1]),
    )


def sync_state(clinic: Clinic, *, now: datetime) -> SyncState:
    """The state of a clinic read through `with_sync`."""
    if not clinic.sync_connected:
        return SyncState.NEVER
    late_after = clinic.sync_late_after or default_late_after()
    if clinic.sync_last_good is None or clinic.sync_last_good <= now - late_after:
        return SyncState.LATE
    if clinic.sync_last_outcome in (Outcome.REJECTED, Outcome.FAILED):
        return SyncState.FAILING
    return SyncState.HEALTHY


def booking_paused(clinic: Clinic, now: datetime) -> bool:
    """The stale-data guard (settings.BOOKING_PAUSE_CHECKS), in one query."""
    annotated = with_sync(Clinic.objects.filter(pk=clinic.pk)).first()
    return annotated is not None and sync_state(annotated, now=now) == SyncState.LATE


@dataclass(frozen=True)
class SyncHealth:
    """What a clinic's dashboard shows of its sync."""

    state: SyncState
    late_after: timedelta
    last_good: datetime | None
    last_received: ImportRecord | None
    last_failure: ImportRecord | None
    # (section's label, when it last arrived in an applied import)
    sections: list[tuple[str, datetime | None]]
    imports_24h: int
    warnings_24h: int


def sync_health(clinic: Clinic, *, now: datetime) -> SyncHealth:
    annotated = with_sync(Clinic.objects.filter(pk=clinic.pk)).get()
    journal = ImportRecord.objects.filter(clinic=clinic).order_by("-received_at", "-pk")
    applied = journal.filter(outcome=Outcome.APPLIED)
    recent = applied.filter(received_at__gt=now - WARNINGS_WINDOW)
    recent_counts = list(recent.values_list("counts", flat=True))
    return SyncHealth(
        state=sync_state(annotated, now=now),
        late_after=annotated.sync_late_after or default_late_after(),
        last_good=annotated.sync_last_good,
        last_received=journal.first(),
        last_failure=journal.filter(outcome__in=[Outcome.REJECTED, Outcome.FAILED]).first(),
        sections=[
            (
                label,
                applied.filter(counts__has_key=name).values_list("received_at", flat=True).first(),
            )
            for name, label in SECTIONS.items()
        ],
        imports_24h=len(recent_counts),
        warnings_24h=sum(counts.get("warnings", 0) for counts in recent_counts),
    )


def sync_flips_record(*, now: datetime) -> list[SyncFlip]:
    """A flip for each active clinic whose state now differs from the last one recorded."""
    last_flip = SyncFlip.objects.filter(clinic=OuterRef("pk")).order_by("-at", "-pk")
    clinics = with_sync(Clinic.objects.filter(is_active=True)).annotate(
        sync_recorded=Subquery(last_flip.values("new_state")[:1])
    )
    flips = []
    for clinic in clinics:
        before = clinic.sync_recorded or SyncState.NEVER
        state = sync_state(clinic, now=now)
        if state != before:
            flips.append(SyncFlip(clinic=clinic, at=now, old_state=before, new_state=state))
    return SyncFlip.objects.bulk_create(flips)


def sync_flips_process(*, now: datetime) -> int:
    """Tells of each flip not processed yet, once; returns how many were processed.

    A flip is marked in the transaction that sends its email: a mail server that is down
    rolls the mark back, and the next run tries again.
    """
    processed = 0
    pending = SyncFlip.objects.filter(processed_at__isnull=True).order_by("at", "pk")
    for flip_id in pending.values_list("pk", flat=True):
        with transaction.atomic():
            # Skips a flip another watcher holds: it tells of it, not this one.
            flip = (
                SyncFlip.objects.select_for_update(skip_locked=True)
                .select_related("clinic")
                .filter(pk=flip_id, processed_at__isnull=True)
                .first()
            )
            if flip is None:
                continue
            _tell(flip)
            flip.processed_at = now
            flip.save(update_fields=["processed_at"])
            processed += 1
    return processed


def sync_watch(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    sync_flips_record(now=now)
    return sync_flips_process(now=now)


def _tell(flip: SyncFlip) -> None:
    if flip.new_state == SyncState.LATE:
        template = "workspace/email/booking_paused"
    elif flip.old_state == SyncState.LATE:
        template = "workspace/email/booking_resumed"
    else:
        return  # other changes show on the dashboard; only the pause concerns patients
    recipients = _watchers(flip.clinic)
    if not recipients:
        return
    annotated = with_sync(Clinic.objects.filter(pk=flip.clinic_id)).get()
    context = {
        "clinic": flip.clinic,
        "flip": flip,
        "last_good": annotated.sync_last_good,
        "late_after": annotated.sync_late_after or default_late_after(),
    }
    with translation.override("ru"), timezone.override(flip.clinic.tzinfo):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    # One message, the addresses hidden from one another: all of it is sent, or none.
    EmailMessage(subject, body, bcc=recipients).send()


def _watchers(clinic: Clinic) -> list[str]:
    """The clinic's managers and the portal's admins."""
    users = get_user_model().objects.filter(is_active=True)
    managers = Membership.objects.filter(clinic=clinic, role=Membership.Role.MANAGER)
    watchers = users.filter(models.Q(is_staff=True) | models.Q(pk__in=managers.values("user")))
    return sorted(set(watchers.values_list("email", flat=True)))
