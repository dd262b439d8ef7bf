"""Doctors, rooms and groups made by hand, and the weekly templates of their schedules."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exchange.models import Resource, ResourceGroup
from workspace import weekly
from workspace.access import manager_only
from workspace.forms import DayExceptionForm, GroupForm, ResourceForm, WeeklyHoursForm
from workspace.models import DayException, ScheduleTemplate, WeeklyHours


@manager_only
def resources(request: HttpRequest) -> HttpResponse:
    context = {
        "resources": Resource.objects.filter(clinic=request.clinic)
        .select_related("group", "template")
        .order_by("is_retired", "pos", "name"),
        "groups": ResourceGroup.objects.filter(clinic=request.clinic),
        "group_form": GroupForm(),
    }
    return render(request, "workspace/resources.html", context)


@manager_only
def resource_edit(request: HttpRequest, resource_id: int | None = None) -> HttpResponse:
    """A portal-made resource: new, or its name, group, step; then its weekly template."""
    resource = None
    if resource_id is not None:
        resource = get_object_or_404(
            Resource, pk=resource_id, clinic=request.clinic, mis_id__isnull=True
        )
    form = ResourceForm(request.POST or None, instance=resource, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        resource = form.save()
        template, _created = ScheduleTemplate.objects.get_or_create(resource=resource)
        weekly.schedules_materialize(resource_ids=[resource.pk])
        messages.success(request, _("%(name)s is saved.") % {"name": resource.name})
        return redirect("workspace:resource", clinic_id=request.clinic.pk, resource_id=resource.pk)
    context = {"resource": resource, "form": form}
    if resource is not None:
        template, _created = ScheduleTemplate.objects.get_or_create(resource=resource)
        context |= {
            "template": template,
            "hours_form": WeeklyHoursForm(),
            "exception_form": DayExceptionForm(template=template),
        }
    return render(request, "workspace/resource_edit.html", context)


@require_POST
@manager_only
def group_add(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST, instance=ResourceGroup(clinic=request.clinic))
    if form.is_valid():
        form.save()
        messages.success(request, _("The group is added."))
    else:
        messages.error(request, _("Give the group a name."))
    return redirect("workspace:resources", clinic_id=request.clinic.pk)


@require_POST
@manager_only
def group_delete(request: HttpRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(
        ResourceGroup, pk=group_id, clinic=request.clinic, mis_id__isnull=True
    )
    group.delete()
    messages.success(request, _("The group is deleted; its doctors stay, without a group."))
    return redirect("workspace:resources", clinic_id=request.clinic.pk)


@require_POST
@manager_only
def hours_add(request: HttpRequest, resource_id: int) -> HttpResponse:
    template = _template(request, resource_id)
    form = WeeklyHoursForm(request.POST, instance=WeeklyHours(template=template))
    return _saved(request, template, form)


@require_POST
@manager_only
def exception_add(request: HttpRequest, resource_id: int) -> HttpResponse:
    template = _template(request, resource_id)
    form = DayExceptionForm(request.POST, template=template)
    if form.is_valid():
        # One exception a date: a new one for the date replaces the old.
        DayException.objects.filter(template=template, date=form.cleaned_data["date"]).delete()
    return _saved(request, template, form)


@require_POST
@manager_only
def hours_delete(request: HttpRequest, resource_id: int, hours_id: int) -> HttpResponse:
    template = _template(request, resource_id)
    get_object_or_404(WeeklyHours, pk=hours_id, template=template).delete()
    return _rematerialized(request, template, _("The hours are removed."))


@require_POST
@manager_only
def exception_delete(request: HttpRequest, resource_id: int, exception_id: int) -> HttpResponse:
    template = _template(request, resource_id)
    get_object_or_404(DayException, pk=exception_id, template=template).delete()
    return _rematerialized(request, template, _("The exception is removed."))


def _template(request: HttpRequest, resource_id: int) -> ScheduleTemplate:
    resource = get_object_or_404(
        Resource, pk=resource_id, clinic=request.clinic, mis_id__isnull=True
    )
    return ScheduleTemplate.objects.get_or_create(resource=resource)[0]


def _saved(request: HttpRequest, template: ScheduleTemplate, form) -> HttpResponse:
    if not form.is_valid():
        context = {
            "resource": template.resource,
            "form": ResourceForm(instance=template.resource, clinic=request.clinic),
            "template": template,
            "hours_form": form if isinstance(form, WeeklyHoursForm) else WeeklyHoursForm(),
            "exception_form": form
            if isinstance(form, DayExceptionForm)
            else DayExceptionForm(template=template),
        }
        return render(request, "workspace/resource_edit.html", context, status=400)
    form.save()
    return _rematerialized(request, template, _("The schedule is saved."))


def _rematerialized(request: HttpRequest, template: ScheduleTemplate, done: str) -> HttpResponse:
    # At once, not at the next daily run: patients see the new hours now.
    weekly.schedules_materialize(resource_ids=[template.resource_id])
    messages.success(request, done)
    return redirect(
        "workspace:resource", clinic_id=request.clinic.pk, resource_id=template.resource_id
    )
