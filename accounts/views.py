from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.forms import SignUpForm


def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method == "POST" and form.is_valid():
        login(request, form.save(), backend="django.contrib.auth.backends.ModelBackend")
        safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure())
        return redirect(next_url if safe and next_url else "booking:home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})
