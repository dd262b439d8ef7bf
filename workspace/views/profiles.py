"""What patients read about the clinic and its doctors; the clinic's manager writes it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from exchange.models import Resource
from workspace.access import manager_only
from workspace.forms import ClinicProfileForm, ResourceProfileForm
from workspace.models import ClinicProfile, ResourceProfile


@manager_only
def clinic_profile(request: HttpRequest) -> HttpResponse:
    profile = ClinicProfile.objects.filter(clinic=request.clinic).first()
    profile = profile or ClinicProfile(clinic=request.clinic)
    form = ClinicProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The clinic's profile is saved."))
        return redirect("workspace:profile", clinic_id=request.clinic.pk)
    return render(request, "workspace/clinic_profile.html", {"form": form})


@manager_only
def resource_profile(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = get_object_or_404(
        Resource.objects.select_related("group"), pk=resource_id, clinic=request.clinic
    )
    profile = ResourceProfile.objects.filter(resource=resource).first()
    profile = profile or ResourceProfile(resource=resource)
    form = ResourceProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The profile of %(name)s is saved.") % {"name": resource.name})
        return redirect(
            "workspace:resource-profile", clinic_id=request.clinic.pk, resource_id=resource.pk
        )
    context = {"resource": resource, "form": form}
    return render(request, "workspace/resource_profile.html", context)
