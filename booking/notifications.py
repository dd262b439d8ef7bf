"""Tells patients about their orders by email: from the order's history, and on booking.

The write path (exchange.orders) records in the order's history what the patient must be
told and, in the same transaction, a job (booking.tasks) to send it: the job exists exactly
when the change commits. The patient's own booking or move is not news to be told by the
history (the patient made it); booking.services defers its email itself, in the same way.
Sending never fails the change: a message that cannot go out stays pending and the job is
retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
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
# What the patient is told about their own changes, by booking.services.
OWN_CHANGE_TEMPLATES = {
    "received": "booking/email/order_received",
    "rescheduled": "booking/email/order_rescheduled",
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
                order = event.order
                send_order_email(
                    order,
                    template,
                    calendar=order.status == Order.Status.ACCEPTED,
                    # What the clinic said of its decision (why it rejects), if anything.
                    reason=event.changes.get("reason", ""),
                )
        except Exception:
            logger.exception("could not email the patient of order %s", event.order_id)
            unsent.append(event.pk)
        else:
            told.append(event.pk)
    OrderEvent.objects.filter(pk__in=told).update(notified_at=timezone.now())
    return unsent


def send_own_change_email(order_id: int, change: str) -> None:
    """The email that confirms the patient's own booking or move (OWN_CHANGE_TEMPLATES)."""
    order = Order.objects.select_related("clinic", "resource__group").filter(pk=order_id).first()
    if order is not None and order.email:
        send_order_email(order, OWN_CHANGE_TEMPLATES[change])


def send_order_email(order: Order, template: str, *, calendar: bool = False, **context) -> None:
    """One email about `order` to its patient: in Russian, with the clinic's times and links
    to the order and its cancelling; `calendar` attaches the visit as an iCalendar event."""
    with translation.override("ru"), timezone.override(order.clinic.tzinfo):
        context |= {
            "order": order,
            "clinic": order.clinic,
            "resource": order.resource,
            **order_links(order),
        }
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
        message = EmailMessage(subject, body, to=[order.email])
        if calendar:
            event = order_event(order, summary=subject, stamp=timezone.now())
            # Django adds the charset to a text attachment itself: naming it here would repeat it.
            message.attach("visit.ics", event, "text/calendar; method=PUBLISH")
        message.send()


def order_links(order: Order) -> dict[str, str]:
    """Absolute links for messages, which are sent from jobs that have no request."""
    base = settings.PORTAL_URL.rstrip("/")
    return {
        "order_url": base + reverse("booking:order", args=[order.pk]),
        "cancel_url": base + reverse("booking:cancel-order", args=[order.pk]),
    }
