"""Throttling of failed sign-ins (django-axes) on the patients' and the admin's sign-in page.

Failures are counted per account and per client address, each on its own
(AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]): the account's count stops guessing
one password from many addresses, the address's count stops trying many accounts from one
address. Counting the pair ([["username", "ip_address"]]) would stop neither. Either count
reaching AXES_FAILURE_LIMIT within AXES_COOLOFF_TIME locks out until the cool-off ends, the
right password included. The price: anyone can lock an account for a cool-off by failing on
purpose (setting a new password by email lifts it), and people behind one address share
its count.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, ahead of the password check, for sign-ins made through a page."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            # A check made by code (the shell, a command) has no client to count; axes itself
            # would raise.
            return None
        return super().authenticate(request, username, password, **kwargs)


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a sign-in is counted against: "Anna@x.ru " and "anna@x.ru" are one."""
    typed = (credentials or {}).get("username") or request.POST.get("username")
    return User.objects.normalize_email(typed) or None


def client_ip(request: HttpRequest) -> str | None:
    """The address a sign-in is counted by.

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies stand in front of the portal: each appends
    the address it was called from to X-Forwarded-For, so the client's is the
    TRUSTED_PROXY_COUNT-th from the right. Whatever stands further left, the client wrote.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(hops) >= count and _is_ip(hops[-count].strip()):
            return hops[-count].strip()
    return request.META.get("REMOTE_ADDR") or None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def lockout_minutes_left(request: HttpRequest, credentials: dict | None) -> int:
    """Whole minutes, rounded up, until neither the account nor the address is locked out."""
    ends = _lockout_ends_at(request, credentials) or timezone.now() + get_cool_off(request)
    return max(1, math.ceil((ends - timezone.now()).total_seconds() / 60))


def _lockout_ends_at(request: HttpRequest, credentials: dict | None) -> datetime | None:
    # Each count (account, address) sums its recent rows; a row stops counting a cool-off
    # after its last failure. A count stays at the limit until the row that brought it there,
    # going from the newest back, expires.
    limit = get_failure_limit(request, credentials)
    handler = AxesProxyHandler.get_implementation()
    ends = []
    for attempts in handler.get_user_attempts(request, credentials):
        total = 0
        rows = attempts.order_by("-attempt_time")
        for attempt_time, failures in rows.values_list("attempt_time", "failures_since_start"):
            total += failures
            if total >= limit:
                ends.append(attempt_time + get_cool_off(request))
                break
    return max(ends, default=None)


def account_failures_clear(*, email: str) -> None:
    """Forgets the failed sign-ins of one account, from every address."""
    reset(username=User.objects.normalize_email(email))


@receiver(user_logged_in)
def clear_failures_on_sign_in(sender, request, user, **kwargs) -> None:
    # Only this account's: the address keeps its failures against other accounts, or one's
    # own account would reset the count between guesses at others'.
    account_failures_clear(email=user.get_username())
