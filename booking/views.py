from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking.calendar import order_event
from booking.errors import BookingError, TooManyOrders
from booking.forms import OrderForm, SearchForm
from booking.search import search
from booking.selectors import (
    active_clinics,
    bookable_resources,
    bookable_slot,
    clinic_groups,
    free_slot,
    next_free_slots,
    patient_orders,
    resource_slots,
)
from booking.services import order_cancel, order_create, order_reschedule
from exchange.models import EARLIEST_INSTANT, LATEST_INSTANT, Order, Resource

WEEK = 7
MAX_AHEAD = timedelta(days=366)


def home(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, clinics=active_clinics())
    context = {"clinics": active_clinics(), "form": form, "results": None}
    if form.is_bound and form.is_valid() and form.has_criteria():
        data, day = form.cleaned_data, form.day_filter()
        parsed, results = search(
            query=data["q"], clinic=data["clinic"], day=day, now=timezone.now()
        )
        context |= {
            "query": data["q"].strip(),
            "results": results,
            "found": sum(len(group.found) for group in results),
            "understood": parsed.specialties,
            "day": day,
        }
    return render(request, "booking/home.html", context)


def clinic_detail(request: HttpRequest, clinic_id: int) -> HttpResponse:
    clinic = get_object_or_404(active_clinics(), pk=clinic_id)
    groups, ungrouped = clinic_groups(clinic)
    context = {"clinic": clinic, "groups": groups, "ungrouped": ungrouped}
    return render(request, "booking/clinic.html", context)


def resource_week(request: HttpRequest, clinic_id: int, resource_id: int) -> HttpResponse:
    resource = _bookable_resource(clinic_id, resource_id)
    context = {"resource": resource, "clinic": resource.clinic, **_week(request, resource)}
    return render(request, "booking/resource_week.html", context)


def _week(request: HttpRequest, resource: Resource) -> dict:
    """The resource's free slots for the week from `?from=`, and the weeks around it."""
    today = timezone.localdate(timezone=resource.clinic.tzinfo)
    # From today up to a year ahead: MIS schedules reach a month or so.
    first_day = min(max(_date_param(request.GET.get("from")) or today, today), today + MAX_AHEAD)
    now = timezone.now()
    by_day = resource_slots(resource=resource, first_day=first_day, days=WEEK, now=now)
    days = [first_day + timedelta(days=n) for n in range(WEEK)]
    return {
        "days": [(day, by_day.get(day, [])) for day in days],
        "previous_week": first_day - timedelta(days=WEEK) if first_day > today else None,
        "next_week": first_day + timedelta(days=WEEK),
    }


@login_required
def book(request: HttpRequest, clinic_id: int, resource_id: int) -> HttpResponse:
    resource = _bookable_resource(clinic_id, resource_id)
    starts_at = _slot_param(request.GET.get("at") or request.POST.get("at"))
    context = {"resource": resource, "clinic": resource.clinic, "starts_at": starts_at}
    try:
        # Before the form: a patient fills it in only for a time they can have.
        bookable_slot(
            patient=request.user, resource=resource, starts_at=starts_at, now=timezone.now()
        )
    except BookingError as error:
        return _cannot_book(request, context, error)
    form = OrderForm(request.POST or None, initial=_known_details(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            order = order_create(
                patient=request.user, resource=resource, starts_at=starts_at, details=form.details()
            )
        except BookingError as error:
            return _cannot_book(request, context, error)
        return redirect("booking:order", order_id=order.pk)
    return render(request, "booking/book.html", context | {"form": form})


def _cannot_book(request: HttpRequest, context: dict, error: BookingError) -> HttpResponse:
    """The limit of bookings, or the nearest free times instead of a time that is not free."""
    # A POST was refused (409); a GET only shows what can be done instead.
    status = 409 if request.method == "POST" else 200
    if isinstance(error, TooManyOrders):
        context |= {"error": error}
        return render(request, "booking/limit_reached.html", context, status=status)
    alternatives = next_free_slots(
        resource=context["resource"], after=context["starts_at"], now=timezone.now()
    )
    context |= {"error": error, "alternatives": alternatives}
    return render(request, "booking/slot_taken.html", context, status=status)


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(patient_orders(request.user), pk=order_id)
    return render(request, "booking/order_detail.html", {"order": order, "now": timezone.now()})


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    context = {"orders": patient_orders(request.user), "now": timezone.now()}
    return render(request, "booking/my_orders.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cancel_order(request: HttpRequest, order_id: int) -> HttpResponse:
    """GET asks "cancel the booking of ...?"; the POST of that page cancels."""
    order = get_object_or_404(patient_orders(request.user), pk=order_id)
    if request.method != "POST":
        context = {"order": order, "now": timezone.now()}
        return render(request, "booking/cancel_order.html", context)
    try:
        order_cancel(patient=request.user, order=order)
    except BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The booking is cancelled."))
    return redirect("booking:my-orders")


@login_required
def visit_calendar(request: HttpRequest, order_id: int) -> HttpResponse:
    """The visit as an iCalendar event, for the patient's calendar app."""
    order = get_object_or_404(patient_orders(request.user), pk=order_id)
    if not order.can_cancel(timezone.now()):
        raise Http404  # a visit that is over or holds no time belongs in no calendar
    summary = _("Visit: %(doctor)s") % {"doctor": order.resource.name}
    event = order_event(order, summary=summary, stamp=timezone.now())
    response = HttpResponse(event, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="visit.ics"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reschedule_order(request: HttpRequest, order_id: int) -> HttpResponse:
    """GET: the doctor's free times, then "move to ...?" for the one chosen; POST moves."""
    order = get_object_or_404(patient_orders(request.user), pk=order_id)
    if request.method == "POST":
        return _reschedule(request, order)
    if "at" not in request.GET:
        return _reschedule_picker(request, order)
    starts_at = _slot_param(request.GET["at"])
    try:
        free_slot(resource=order.resource, starts_at=starts_at, now=timezone.now())
    except BookingError as error:
        return _reschedule_picker(request, order, error=error)
    context = {"order": order, "starts_at": starts_at}
    return render(request, "booking/reschedule_confirm.html", context)


def _reschedule(request: HttpRequest, order: Order) -> HttpResponse:
    starts_at = _slot_param(request.POST.get("at"))
    try:
        order_reschedule(patient=request.user, order=order, starts_at=starts_at)
    except BookingError as error:
        return _reschedule_picker(request, order, error=error, status=409)
    messages.success(request, _("The booking is moved. The clinic will confirm the new time."))
    return redirect("booking:order", order_id=order.pk)


def _reschedule_picker(
    request: HttpRequest, order: Order, *, error: BookingError | None = None, status: int = 200
) -> HttpResponse:
    movable = (
        order.can_cancel(timezone.now())
        and bookable_resources().filter(pk=order.resource_id).exists()
    )
    context = {"order": order, "error": error, "movable": movable}
    if movable:
        context |= _week(request, order.resource)
    return render(request, "booking/reschedule.html", context, status=status)


def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "operator_name": settings.PRIVACY_OPERATOR_NAME,
        "operator_contacts": settings.PRIVACY_OPERATOR_CONTACTS,
    }
    return render(request, "booking/privacy.html", context)


def _bookable_resource(clinic_id: int, resource_id: int) -> Resource:
    # Looked up through the clinic in the URL: a resource of another clinic is not found.
    queryset = bookable_resources().select_related("clinic", "group")
    return get_object_or_404(queryset, pk=resource_id, clinic_id=clinic_id)


def _date_param(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _slot_param(value: str | None) -> datetime:
    try:
        moment = datetime.fromtimestamp(int(value or ""), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise Http404 from None
    # Far outside anything bookable, and near the ends of the calendar, where turning it to
    # the clinic's time would overflow.
    if not EARLIEST_INSTANT <= moment <= LATEST_INSTANT:
        raise Http404
    return moment


def _known_details(user) -> dict[str, str]:
    """Prefills the form: from the patient's last booking, else from the account."""
    last = patient_orders(user).order_by("-created_at").first()
    if last is not None:
        fields = ("name1", "name2", "name3", "phone", "email", "city", "address")
        return {name: getattr(last, name) for name in fields}
    return {"name2": user.first_name, "email": user.email}
