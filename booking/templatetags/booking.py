"""Template filters for the patient pages: one definition of each rule the pages show."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import template
from django.template.defaultfilters import date as format_date
from django.templatetags.tz import do_timezone
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking import zones
from exchange.models import Clinic, Order

register = template.Library()

# The statuses as the patient sees them; Order.Status keeps the protocol's words for the admin.
PATIENT_STATUSES = {
    Order.Status.RECEIVED: _("Awaiting the clinic's confirmation"),
    Order.Status.ACCEPTED: _("Confirmed"),
    Order.Status.CANCELLED: _("Cancelled by you"),
    Order.Status.REJECTED: _("Declined by the clinic"),
}


@register.filter
def clinic_time(moment: datetime | None, clinic: Clinic) -> datetime | None:
    """The instant on the clinic's wall clock: every time a patient reads is the clinic's."""
    # Django's own `timezone` filter, which also stops `date` and `time` from converting the
    # result back to the current time zone.
    return do_timezone(moment, clinic.tzinfo)


@register.filter
def zone_name(clinic: Clinic, at: datetime | date) -> str:
    """The clinic's time zone as patients name it ("время Самары (МСК+1)") at an instant, or
    at noon of a day of the clinic's calendar."""
    return zones.zone_name(clinic.tzinfo, _instant(clinic, at))


@register.filter
def zone_abbreviation(clinic: Clinic, at: datetime | date) -> str:
    """The short name ("МСК+1") where a list has no room for the long one."""
    return zones.zone_abbreviation(clinic.tzinfo, _instant(clinic, at))


def _instant(clinic: Clinic, at: datetime | date) -> datetime:
    if isinstance(at, datetime):
        return at
    return datetime.combine(at, time(12), tzinfo=clinic.tzinfo)


@register.filter
def can_cancel(order: Order, now: datetime) -> bool:
    return order.can_cancel(now)


@register.filter
def patient_status(order: Order) -> str:
    return str(PATIENT_STATUSES[order.status])


@register.filter
def clinic_day(moment: datetime, clinic: Clinic) -> str:
    """The instant's day on the clinic's calendar: "today", "tomorrow" or "Mon, 4 March"."""
    day = moment.astimezone(clinic.tzinfo).date()
    today = timezone.localdate(timezone=clinic.tzinfo)
    if day == today:
        return str(_("today"))
    if day == today + timedelta(days=1):
        return str(_("tomorrow"))
    return format_date(day, "D, j E")
