"""Read-only JSON for clinics' own websites: no personal data, no appointment titles."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps

from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from booking.selectors import active_clinics, bookable_resources, resource_slots

MAX_DAYS = 31

logger = logging.getLogger(__name__)


class BadParameter(ValueError):
    pass


def json_api(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """Every answer in JSON: a wrong method, a missing object, a bad parameter, a failure.

    Read-only and cookie-independent, so CSRF does not apply (it would answer a POST with an
    HTML 403 before the view could say 405).
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse({"error": "method not allowed: use GET"}, status=405)
            response["Allow"] = "GET, HEAD"
            return response
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return JsonResponse({"error": "not found"}, status=404)
        except BadParameter as error:
            return JsonResponse({"error": str(error)}, status=400)
        except Exception:
            logger.exception("API failure at %s", request.path)
            return JsonResponse({"error": "internal error"}, status=500)

    return wrapper


@json_api
def not_found(request: HttpRequest, path: str | None = None) -> JsonResponse:
    """Any other address under the API's prefix."""
    raise Http404


@json_api
def clinics(request: HttpRequest) -> JsonResponse:
    rows = [
        {"id": clinic.pk, "name": clinic.name, "timezone": clinic.timezone}
        for clinic in active_clinics()
    ]
    return JsonResponse({"clinics": rows})


@json_api
def clinic_resources(request: HttpRequest, clinic_id: int) -> JsonResponse:
    clinic = get_object_or_404(active_clinics(), pk=clinic_id)
    resources = bookable_resources().filter(clinic=clinic).select_related("group")
    rows = [
        {
            "id": resource.pk,
            "name": resource.name,
            "group": resource.group.name if resource.group else None,
            "time_step": resource.time_step,
        }
        for resource in resources.order_by("pos", "name")
    ]
    return JsonResponse({"clinic": clinic.pk, "resources": rows})


@json_api
def free_slots(request: HttpRequest, resource_id: int) -> JsonResponse:
    resource = get_object_or_404(bookable_resources().select_related("clinic"), pk=resource_id)
    zone = resource.clinic.tzinfo
    first_day, days = _window(request.GET, today=timezone.localdate(timezone=zone))
    by_day = resource_slots(resource=resource, first_day=first_day, days=days, now=timezone.now())
    slots = [
        {
            "start": slot.starts_at.astimezone(zone).isoformat(),
            "end": slot.ends_at.astimezone(zone).isoformat(),
        }
        for day in sorted(by_day)
        for slot in by_day[day]
    ]
    return JsonResponse({"resource": resource.pk, "timezone": zone.key, "slots": slots})


def _window(params, *, today: date) -> tuple[date, int]:
    try:
        first_day = date.fromisoformat(params["from"]) if "from" in params else today
        days = int(params.get("days", 7))
    except ValueError:
        raise BadParameter("from must be YYYY-MM-DD, days an integer") from None
    if not 1 <= days <= MAX_DAYS:
        raise BadParameter(f"days must be between 1 and {MAX_DAYS}")
    if first_day > date.max - timedelta(days=days):
        raise BadParameter("from is too far in the future")
    return first_day, days
