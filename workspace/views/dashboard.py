from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from exchange.models import Order
from workspace.access import clinic_member
from workspace.models import Membership
from workspace.sync import SyncState, sync_health


@login_required
def clinics(request: HttpRequest) -> HttpResponse:
    """The clinics the user works at; straight to the one when there is one."""
    memberships = list(Membership.objects.filter(user=request.user).select_related("clinic"))
    if len(memberships) == 1:
        return redirect("workspace:dashboard", clinic_id=memberships[0].clinic_id)
    return render(request, "workspace/clinics.html", {"memberships": memberships})


@clinic_member
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    health = sync_health(request.clinic, now=now)
    awaiting = Order.objects.filter(
        clinic=request.clinic, status=Order.Status.RECEIVED, starts_at__gte=now
    )
    context = {
        "health": health,
        "paused": health.state == SyncState.LATE,
        "awaiting": awaiting.count(),
    }
    return render(request, "workspace/dashboard.html", context)
