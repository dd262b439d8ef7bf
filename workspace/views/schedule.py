from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from exchange.models import EARLIEST_DATE, LATEST_DATE, Resource
from workspace.access import clinic_member
from workspace.grid import day_columns, grid_rows, grid_step, week_columns

WEEK = 7


@clinic_member
def day(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic
    shown = _date(request, clinic)
    columns = day_columns(clinic, shown)
    step = grid_step([column.resource for column in columns])
    context = {
        "day": shown,
        "columns": columns,
        "rows": grid_rows(columns, zone=clinic.tzinfo, step=step),
        "previous": shown - timedelta(days=1),
        "next": shown + timedelta(days=1),
    }
    return render(request, "workspace/schedule_day.html", context)


@clinic_member
def week(request: HttpRequest, resource_id: int) -> HttpResponse:
    clinic = request.clinic
    resource = get_object_or_404(Resource, pk=resource_id, clinic=clinic)
    resource.clinic = clinic
    first_day = _date(request, clinic)
    first_day -= timedelta(days=first_day.weekday())
    columns = week_columns(resource, first_day, WEEK)
    context = {
        "resource": resource,
        "first_day": first_day,
        "columns": columns,
        "rows": grid_rows(columns, zone=clinic.tzinfo, step=grid_step([resource])),
        "previous": first_day - timedelta(days=WEEK),
        "next": first_day + timedelta(days=WEEK),
    }
    return render(request, "workspace/schedule_week.html", context)


def _date(request: HttpRequest, clinic) -> date:
    """`date` from the query within the calendar the portal keeps, else the clinic's today."""
    try:
        wanted = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate(timezone=clinic.tzinfo)
    return min(max(wanted, EARLIEST_DATE + timedelta(days=1)), LATEST_DATE - timedelta(days=WEEK))
