"""Who may see a clinic's workspace: its staff, and nobody else learns that it exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from exchange.models import Clinic
from workspace.models import Membership


class NotManager(Exception):
    """A member of the clinic, but the page is for its managers."""

    def __init__(self, clinic: Clinic) -> None:
        super().__init__(clinic)
        self.clinic = clinic


def clinic_for_member(
    request: HttpRequest, clinic_id: int, *, role: str | None = None
) -> tuple[Clinic, Membership]:
    """The clinic `clinic_id` and the requesting user's membership of it.

    Http404 for anyone who is not on the clinic's staff, whether the clinic exists or not:
    an outsider must not learn that it does. NotManager for a member without the `role`.
    """
    if not request.user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("clinic")
        .filter(user=request.user, clinic_id=clinic_id)
        .first()
    )
    if membership is None:
        raise Http404
    if role is not None and membership.role != role:
        raise NotManager(membership.clinic)
    return membership.clinic, membership


def clinic_member(view: Callable | None = None, *, role: str | None = None) -> Callable:
    """Sends the anonymous to sign in, answers outsiders 404, and sets `request.clinic` and
    `request.membership` for the view (which takes no clinic_id).

    A registrar on a manager's page is answered 403 with a page that says so: they already
    know the clinic, and "ask your manager" helps where a "not found" would only puzzle.
    """

    def decorate(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, clinic_id: int, *args, **kwargs) -> HttpResponse:
            try:
                request.clinic, request.membership = clinic_for_member(
                    request, clinic_id, role=role
                )
            except NotManager as refusal:
                context = {"clinic": refusal.clinic}
                return render(request, "workspace/managers_only.html", context, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


manager_only = clinic_member(role=Membership.Role.MANAGER)
