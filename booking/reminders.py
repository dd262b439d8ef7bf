"""Reminders of accepted visits: the day before, and two hours before.

Whenever orders change (exchange.signals.order_events_recorded, inside the change's
transaction) their reminders are made to match them: planned for an accepted visit, planned
again for its new time when it moves, deleted unsent when it stops being accepted. Each
planned instant gets a job (portal.jobs.defer_at); the same job also runs every five minutes
on the queue (booking.tasks), and without a queue `manage.py send_due_reminders` runs from
cron: each sends whatever is due and unsent, and stamps it sent under the row's lock, so a
reminder goes out once however many of them run.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation

from booking.models import Reminder
from booking.notifications import order_links, send_order_email
from booking.sms import send_sms
from exchange.bulk import bulk_delete
from exchange.models import Order, OrderEvent
from exchange.signals import order_events_recorded
from portal.jobs import defer_at

logger = logging.getLogger(__name__)


class RemindersNotSent(Exception):
    """Some reminders could not go out; they stay due and the job is retried."""


HOURS_BEFORE = timedelta(hours=2)


def reminder_instants(starts_at: datetime, zone: ZoneInfo) -> dict[str, datetime]:
    """When to remind of a visit at `starts_at` in a clinic of `zone`.

    The day before at the same time on the clinic's clock (23 or 25 hours before across a
    change to or from summer time: "tomorrow at 10:00" is read on the wall clock), and two
    hours before.
    """
    local = starts_at.astimezone(zone).replace(tzinfo=None)
    day_before = (local - timedelta(days=1)).replace(tzinfo=zone).astimezone(UTC)
    return {
        Reminder.Kind.DAY_BEFORE: day_before,
        Reminder.Kind.HOURS_BEFORE: starts_at.astimezone(UTC) - HOURS_BEFORE,
    }


@receiver(order_events_recorded)
def replan_changed_orders(sender, *, event_ids: list[int], **kwargs) -> None:
    events = OrderEvent.objects.filter(pk__in=event_ids)
    reminders_plan(orders=Order.objects.filter(pk__in=events.values("order_id")))


def reminders_plan(*, orders: QuerySet[Order], now: datetime | None = None) -> None:
    """Makes the reminders of `orders` match them, in a constant number of queries.

    An accepted visit gets the reminders whose time is still ahead; a reminder whose time
    changed is due again (and unsent); one no longer wanted goes, unless it was sent.
    """
    now = now or timezone.now()
    wanted: dict[tuple[int, str], datetime] = {}
    for order in orders.select_related("clinic"):
        if order.status == Order.Status.ACCEPTED:
            for kind, due in reminder_instants(order.starts_at, order.clinic.tzinfo).items():
                if due > now:
                    wanted[order.pk, kind] = due
    existing = {
        (reminder.order_id, reminder.kind): reminder
        for reminder in Reminder.objects.filter(order__in=orders)
    }
    unwanted = [r.pk for key, r in existing.items() if key not in wanted and r.sent_at is None]
    bulk_delete(Reminder, unwanted)
    moved = [
        _due_again(existing[key], due)
        for key, due in wanted.items()
        if key in existing and existing[key].due_at != due
    ]
    Reminder.objects.bulk_update(moved, ["due_at", "sent_at"], batch_size=1000)
    new = [
        Reminder(order_id=order_id, kind=kind, due_at=due)
        for (order_id, kind), due in wanted.items()
        if (order_id, kind) not in existing
    ]
    Reminder.objects.bulk_create(new, batch_size=1000)
    _defer_sending({reminder.due_at for reminder in [*moved, *new]})


def _due_again(reminder: Reminder, due: datetime) -> Reminder:
    reminder.due_at, reminder.sent_at = due, None
    return reminder


def _defer_sending(instants: set[datetime]) -> None:
    # Imported here: the tasks module imports this one.
    from booking.tasks import send_due_reminders

    # One job per instant, not per reminder: visits start on the slots' grid, so an import
    # accepting many of them plans few instants.
    for when in sorted(instants):
        defer_at(send_due_reminders, when, timestamp=int(when.timestamp()))


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Sends every reminder that is due and unsent and not overtaken.

    A reminder that went unsent until its visit began, or a day-before one until the
    two-hours one is due (the queue was down), would only repeat or come too late: it is
    dropped. Returns how many went out; raises RemindersNotSent, after trying all of them,
    if some could not.
    """
    now = now or timezone.now()
    unsent = Reminder.objects.filter(sent_at__isnull=True, due_at__lte=now)
    unsent.filter(
        Q(order__starts_at__lte=now)
        | Q(kind=Reminder.Kind.DAY_BEFORE, order__starts_at__lte=now + HOURS_BEFORE)
    ).delete()
    due = unsent.filter(order__status=Order.Status.ACCEPTED)
    sent, failed = 0, []
    for pk in due.order_by("due_at").values_list("pk", flat=True):
        try:
            sent += reminder_send(reminder_id=pk, now=now)
        except Exception:
            logger.exception("could not send reminder %s", pk)
            failed.append(pk)
    if failed:
        raise RemindersNotSent(f"reminders {failed}")
    return sent


def reminder_send(*, reminder_id: int, now: datetime) -> bool:
    """Sends one reminder unless it is sent already or no longer due; True if it went out.

    The row stays locked until its stamp commits: whoever else tries it meanwhile skips it,
    and after that finds it sent. A failed email leaves it unsent, for a retry.
    """
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("order__clinic", "order__resource__group")
            .filter(pk=reminder_id, sent_at__isnull=True, due_at__lte=now)
            .first()
        )
        if reminder is None:
            return False
        order = reminder.order
        if order.status != Order.Status.ACCEPTED or order.starts_at <= now:
            return False
        if order.email:
            send_order_email(order, "booking/email/reminder", kind=reminder.kind)
        if order.phone:
            _text_the_patient(order)
        reminder.sent_at = now
        reminder.save(update_fields=["sent_at"])
    return True


def _text_the_patient(order: Order) -> None:
    # Text messages are a courtesy beside the email: a failing gateway is logged, not retried,
    # so a retry never repeats an email that went out.
    try:
        with translation.override("ru"), timezone.override(order.clinic.tzinfo):
            context = {"order": order, "clinic": order.clinic, "resource": order.resource}
            text = render_to_string("booking/sms/reminder.txt", context | order_links(order))
        send_sms(order.phone, text.strip())
    except Exception:
        logger.exception("could not text the patient of order %s", order.pk)
