from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts import services, throttling
from accounts.forms import SignUpForm


def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST" and form.is_valid():
        services.signup_start(
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            next_url=next_url,
            base_url=request.build_absolute_uri("/").removesuffix("/"),
        )
        # The same page whether the address is new or has an account: only its mailbox learns.
        sent = {"email": form.cleaned_data["email"]}
        return render(request, "registration/signup_sent.html", sent)
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    # Confirming takes a press of a button: mail scanners that open links must not use it up.
    next_url = _safe_next(request, request.GET.get("next", ""))
    try:
        signup = services.signup_from_link(uidb64=uidb64, token=token)
        if request.method == "POST":
            user = services.signup_confirm(signup=signup)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(next_url or "booking:home")
    except services.SignUpLinkInvalid:
        return render(request, "registration/signup_link_invalid.html", status=400)
    return render(request, "registration/signup_confirm.html", {"email": signup.email})


def locked_out(request: HttpRequest, original_response, credentials: dict | None) -> HttpResponse:
    """Both sign-in pages' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE)."""
    minutes = throttling.lockout_minutes_left(request, credentials)
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def _safe_next(request: HttpRequest, next_url: str) -> str:
    """`next_url` if it stays on this site, else ""."""
    safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure())
    return next_url if safe else ""
