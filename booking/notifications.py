"""Tells patients what the clinic did to their order, from the order's history.

The write path (exchange.orders) records in the order's history what the patient must be
told and, in the same transaction, a job (booking.tasks) to send it: the job exists exactly
when the change commits. Sending never fails the change: a message that cannot go out stays
pending and the job is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.mail import EmailMessage
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation

from booking.calendar import order_event
from exchange.models import Order, OrderEvent
from exchange.signals import order_events_recorded
from portal.jobs import defer

logger = logging.getLogger(__name__)

TEMPLATES = {
    OrderEvent.Action.ACCEPTED: "booking/email/order_accepted",
    OrderEvent.Action.REJECTED: "booking/email/order_rejected",
    OrderEvent.Action.MOVED: "booking/email/order_moved",
    OrderEvent.Action.CORRECTED: "booking/email/order_corrected",
}


@receiver(order_events_recorded)
def enqueue_notices(sender, *, event_ids: list[int], **kwargs) -> None:
    # Imported here: the tasks module imports this one.
    from booking.tasks import send_order_notices

    defer(send_order_notices, event_ids=event_ids)


def send_pending_notices(event_ids: Iterable[int] | None = None) -> list[int]:
    """Emails what patients have not been told yet (of `event_ids`, or all).

    Returns the events that could not be sent: they stay pending. Reads the events with
    their orders in one query, whatever their number.
    """
    events = OrderEvent.objects.filter(notify_patient=True, notified_at__isnull=True)
    if event_ids is not None:
        events = events.filter(pk__in=list(event_ids))
    told, unsent = [], []
    for event in events.select_related("order__clinic", "order__resource__group"):
        template = TEMPLATES.get(event.action)
        try:
            if template is not None and event.order.email:
                send_decision(event.order, template, reason=event.changes.get("reason", ""))
        except Exception:
            logger.exception("could not email the patient of order %s", event.order_id)
            unsent.append(event.pk)
        else:
            told.append(event.pk)
    OrderEvent.objects.filter(pk__in=told).update(notified_at=timezone.now())
    return unsent


def send_decision(order: Order, template: str, *, reason: str = "") -> None:
    """`reason` is what the clinic said about its decision (why it rejects), if anything."""
    with translation.override("ru"), timezone.override(order.clinic.tzinfo):
        context = {
            "order": order,
            "clinic": order.clinic,
            "resource": order.resource,
            "reason": reason,
        }
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
        message = EmailMessage(subject, body, to=[order.email])
        if order.status == Order.Status.ACCEPTED:
            event = order_event(order, summary=subject, stamp=timezone.now())
            # Django adds the charset to a text attachment itself: naming it here would repeat it.
            message.attach("visit.ics", event, "text/calendar; method=PUBLISH")
        message.send()
