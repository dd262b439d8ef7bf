"""Tells patients what the clinic decided: an email when an import accepts or rejects."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation

from booking.calendar import order_event
from exchange.models import Order
from exchange.signals import order_status_changed

logger = logging.getLogger(__name__)

TEMPLATES = {
    Order.Status.ACCEPTED: "booking/email/order_accepted",
    Order.Status.REJECTED: "booking/email/order_rejected",
}


@receiver(order_status_changed)
def notify_patient(sender, *, order: Order, previous_status: int, **kwargs) -> None:
    template = TEMPLATES.get(order.status)
    if template is None or not order.email:
        return
    try:
        send_decision(order, template)
    except Exception:
        # The import has committed already; a mail server's trouble must not surface there.
        logger.exception("could not email the decision on order %s", order.pk)


def send_decision(order: Order, template: str) -> None:
    with translation.override("ru"), timezone.override(order.clinic.tzinfo):
        context = {"order": order, "clinic": order.clinic, "resource": order.resource}
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
        message = EmailMessage(subject, body, to=[order.email])
        if order.status == Order.Status.ACCEPTED:
            event = order_event(order, summary=subject, stamp=timezone.now())
            # Django adds the charset to a text attachment itself: naming it here would repeat it.
            message.attach("visit.ics", event, "text/calendar; method=PUBLISH")
        message.send()
