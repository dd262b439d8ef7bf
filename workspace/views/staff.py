from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from workspace import staff
from workspace.access import manager_only
from workspace.forms import InviteForm, JoinForm
from workspace.models import Invitation, Membership


@manager_only
def members(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff.invitation_send(
            clinic=request.clinic,
            invited_by=request.user,
            base_url=request.build_absolute_uri("/").removesuffix("/"),
            **form.cleaned_data,
        )
        messages.success(request, _("The invitation is sent to %(email)s.") % form.cleaned_data)
        return redirect("workspace:staff", clinic_id=request.clinic.pk)
    context = {
        "form": form,
        "members": request.clinic.memberships.select_related("user").order_by("user__email"),
        "invitations": request.clinic.invitations.filter(accepted_at__isnull=True),
    }
    return render(request, "workspace/staff.html", context)


@require_POST
@manager_only
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, clinic=request.clinic)
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot remove yourself: ask another manager."))
    else:
        staff.membership_remove(membership=membership, by=request.user)
        messages.success(
            request,
            _("%(email)s no longer works in the workspace.") % {"email": membership.user.email},
        )
    return redirect("workspace:staff", clinic_id=request.clinic.pk)


@require_POST
@manager_only
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, clinic=request.clinic, accepted_at__isnull=True
    )
    invitation.delete()
    messages.success(request, _("The invitation is revoked: its link no longer works."))
    return redirect("workspace:staff", clinic_id=request.clinic.pk)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Following an invitation: a new person sets a password, an existing one signs in.

    Joining takes a press of a button: mail scanners that open links must not use it up.
    """
    try:
        invitation = staff.invitation_from_token(token)
    except staff.InvitationInvalid:
        return render(request, "workspace/join_invalid.html", status=400)
    context = {"invitation": invitation, "clinic": invitation.clinic}
    if request.user.is_authenticated:
        if request.user.email != invitation.email:
            return render(request, "workspace/join_other_account.html", context, status=403)
        if request.method == "POST":
            return _joined(
                request, lambda: staff.invitation_accept(invitation=invitation, user=request.user)
            )
        return render(request, "workspace/join.html", context)
    if User.objects.filter(email=invitation.email).exists():
        context["login_url"] = f"{reverse('login')}?next={request.path}"
        return render(request, "workspace/join_sign_in.html", context)
    form = JoinForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        return _joined(
            request,
            lambda: staff.invitation_accept_new(
                invitation=invitation,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["name"],
            ),
        )
    return render(request, "workspace/join_new.html", {**context, "form": form})


def _joined(request: HttpRequest, accept) -> HttpResponse:
    try:
        membership = accept()
    except staff.InvitationInvalid:
        return render(request, "workspace/join_invalid.html", status=400)
    if not request.user.is_authenticated:
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request, _("Welcome to the workspace of %(clinic)s.") % {"clinic": membership.clinic}
    )
    return redirect("workspace:dashboard", clinic_id=membership.clinic_id)
