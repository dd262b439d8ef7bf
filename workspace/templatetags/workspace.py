"""Template filters of the workspace's pages."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.translation import ngettext

from booking.selectors import booking_paused

register = template.Library()


@register.filter
def span(value: timedelta | None) -> str:
    """A limit such as "3 hours" or "1 hour 30 minutes", in words."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes or not hours:
        parts.append(
            ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        )
    return " ".join(parts)


@register.filter
def unbroken(text: str) -> str:
    """A phone number kept on one line: no-break spaces and hyphens."""
    return text.replace(" ", "\u00a0").replace("-", "\u2011")


@register.filter
def patient_name(order) -> str:
    return " ".join(part for part in (order.name1, order.name2, order.name3) if part)


@register.simple_tag
def booking_paused_now(clinic) -> bool:
    """Whether the clinic's online booking is paused, for the patient pages' notice."""
    return booking_paused(clinic, timezone.now())
