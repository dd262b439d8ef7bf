from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exchange.models import Order, Resource
from exchange.orders import OrderChangeRefused
from workspace import desk
from workspace.access import clinic_member
from workspace.forms import DeskFilterForm, RejectForm

PAGE_SIZE = 50


@clinic_member
def orders(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate(timezone=request.clinic.tzinfo)
    defaults = {"first_day": today, "days": 7}
    form = DeskFilterForm(request.GET or None, initial=defaults, clinic=request.clinic, today=today)
    filters = form.cleaned_data if form.is_valid() else defaults
    found = desk.desk_orders(request.clinic, **filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    last_day = filters["first_day"] + timedelta(days=filters["days"] - 1)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "last_day": last_day,
        **filters,
    }
    return render(request, "workspace/orders.html", context)


@clinic_member
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    resource = _move_target(request, order)
    context = {
        "order": order,
        "history": desk.order_history(order),
        "reject_form": RejectForm(),
        "move_resource": resource,
        "move_resources": Resource.objects.bookable().filter(clinic=request.clinic),
        # Only an order that holds time can move.
        "offers": sorted(
            desk.move_offers(order=order, resource=resource, now=timezone.now()).items()
        )
        if order.is_holding
        else [],
    }
    return render(request, "workspace/order_detail.html", context)


@require_POST
@clinic_member
def order_accept(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    return _decide(
        request,
        order,
        lambda: desk.desk_accept(user=request.user, order=order),
        _("The order is accepted; the patient gets an email."),
    )


@require_POST
@clinic_member
def order_reject(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the reason for the patient to reject the order."))
        return redirect("workspace:order", clinic_id=request.clinic.pk, order_id=order.pk)
    reason = form.cleaned_data["reason"]
    return _decide(
        request,
        order,
        lambda: desk.desk_reject(user=request.user, order=order, reason=reason),
        _("The order is rejected; the patient gets an email with the reason."),
    )


@require_POST
@clinic_member
def order_move(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    resource = _move_target(request, order)
    starts_at = _instant(request.POST.get("at"))
    return _decide(
        request,
        order,
        lambda: desk.desk_move(
            user=request.user, order=order, resource=resource, starts_at=starts_at
        ),
        _("The order is moved; the patient gets an email with the new time."),
    )


def _decide(request: HttpRequest, order: Order, change, done: str) -> HttpResponse:
    try:
        change()
    except OrderChangeRefused as refusal:
        messages.error(request, str(refusal.explanation))
    else:
        messages.success(request, done)
    return redirect("workspace:order", clinic_id=request.clinic.pk, order_id=order.pk)


def _order(request: HttpRequest, order_id: int) -> Order:
    queryset = Order.objects.select_related("clinic", "resource__clinic", "resource__group")
    return get_object_or_404(queryset, pk=order_id, clinic=request.clinic)


def _move_target(request: HttpRequest, order: Order) -> Resource:
    """The resource to move to (`resource` in the query or form), by default the order's."""
    wanted = request.POST.get("resource") or request.GET.get("resource")
    if not wanted:
        return order.resource
    try:
        return (
            Resource.objects.bookable()
            .select_related("clinic")
            .get(pk=int(wanted), clinic=request.clinic)
        )
    except (ValueError, Resource.DoesNotExist):
        raise Http404 from None


def _instant(value: str | None) -> datetime:
    try:
        return datetime.fromtimestamp(int(value or ""), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise Http404 from None
