"""The portal admin's pages for the exchange: clinics and their keys, MIS data, orders, imports.

What the MIS owns (groups, its resources, schedules, appointments) and the import journal are
read-only here: the next import would undo an edit, and the journal is evidence. Times of a
clinic's data are shown in the clinic's zone, named; other times in UTC, said so.
"""

from __future__ import annotations

import json
import zoneinfo
from copy import copy
from datetime import datetime, timedelta

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from exchange import protocol
from exchange.admin_wording import (
    EMPTY,
    MINUTES,
    SECONDS,
    TitlesInCase,
    utc_time,
    zoned_time,
)
from exchange.keys import clinic_issue_key, clinic_revoke_key
from exchange.models import (
    Appointment,
    Clinic,
    ImportRecord,
    Order,
    Resource,
    ResourceGroup,
    Schedule,
)
from exchange.orders import (
    PATIENT_FIELDS,
    Actor,
    OrderChangeRefused,
    order_correct,
    order_decide,
    order_move,
)

admin.site.site_header = _("Medihost — administration")
admin.site.site_title = _("Medihost — administration")
admin.site.index_title = _("Portal administration")

if apps.is_installed("procrastinate.contrib.django"):
    # The job queue (PostgreSQL only) brings an admin page of its jobs that speaks only English;
    # the admin is Russian, so the queue is watched with its own tools instead. Its admin module
    # is imported here first, since the queue's app comes after this one.
    from procrastinate.contrib.django import admin as job_admin

    admin.site.unregister(job_admin.models.ProcrastinateJob)


def clinic_time(value: datetime | None, clinic: Clinic, layout: str = MINUTES) -> str:
    return zoned_time(value, clinic.timezone, layout)


class AdminMedia:
    css = {"all": ["exchange/admin.css"]}


class ReadOnlyAdmin(TitlesInCase, admin.ModelAdmin):
    """What the MIS or the exchange itself writes: viewed here, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Clinics and their keys


class ClinicAdminForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = ["name", "timezone", "dialect", "cancelled_status", "is_active"]
        widgets = {
            # A list rather than free text: a mistyped zone would shift every time of the clinic.
            "timezone": forms.Select(
                choices=[(name, name) for name in sorted(zoneinfo.available_timezones())]
            ),
        }


@admin.register(Clinic)
class ClinicAdmin(TitlesInCase, admin.ModelAdmin):
    accusative = pgettext_lazy("accusative", "clinic")
    form = ClinicAdminForm
    change_form_template = "admin/exchange/clinic/change_form.html"
    list_display = ["name", "timezone", "dialect", "is_active", "has_key", "created"]
    list_filter = ["is_active", "dialect"]
    search_fields = ["name"]
    actions = ["revoke_keys"]
    Media = AdminMedia

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["created"]

    @admin.display(boolean=True, description=_("key in force"))
    def has_key(self, clinic: Clinic) -> bool:
        return bool(clinic.key_digest)

    @admin.display(description=_("created (UTC)"), ordering="created_at")
    def created(self, clinic: Clinic) -> str:
        return utc_time(clinic.created_at)

    @admin.action(description=_("Revoke the client keys of the selected clinics"))
    def revoke_keys(self, request: HttpRequest, queryset) -> None:
        clinics = list(queryset)
        for clinic in clinics:
            clinic_revoke_key(clinic=clinic)
            self.log_change(request, clinic, gettext("Revoked the client key."))
        self.message_user(
            request, gettext("Keys revoked: %(count)d.") % {"count": len(clinics)}, messages.SUCCESS
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/key/issue/",
                view(self.key_issue_view),
                name="exchange_clinic_key_issue",
            ),
            path(
                "<path:object_id>/key/revoke/",
                view(self.key_revoke_view),
                name="exchange_clinic_key_revoke",
            ),
            *super().get_urls(),
        ]

    def key_issue_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Issues a key, or replaces the one in force; the new key is shown on this answer only."""
        clinic = self._clinic_to_change(request, object_id)
        replacing = bool(clinic.key_digest)
        if request.method != "POST":
            return self._key_page(
                request,
                clinic,
                "admin/exchange/clinic/key_confirm.html",
                action="replace" if replacing else "issue",
                action_url=reverse("admin:exchange_clinic_key_issue", args=[clinic.pk]),
            )
        key = clinic_issue_key(clinic=clinic)
        logged = (
            gettext("Replaced the client key.") if replacing else gettext("Issued a client key.")
        )
        self.log_change(request, clinic, logged)
        return self._key_page(request, clinic, "admin/exchange/clinic/key_issued.html", key=key)

    def key_revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        clinic = self._clinic_to_change(request, object_id)
        if request.method != "POST":
            return self._key_page(
                request,
                clinic,
                "admin/exchange/clinic/key_confirm.html",
                action="revoke",
                action_url=reverse("admin:exchange_clinic_key_revoke", args=[clinic.pk]),
            )
        clinic_revoke_key(clinic=clinic)
        self.log_change(request, clinic, gettext("Revoked the client key."))
        self.message_user(
            request,
            gettext("The client key of “%(clinic)s” is revoked.") % {"clinic": clinic},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:exchange_clinic_change", args=[clinic.pk]))

    def _clinic_to_change(self, request: HttpRequest, object_id: str) -> Clinic:
        clinic = self.get_object(request, unquote(object_id))
        if clinic is None:
            raise Http404
        if not self.has_change_permission(request, clinic):
            raise PermissionDenied
        return clinic

    def _key_page(
        self, request: HttpRequest, clinic: Clinic, template: str, **context
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "clinic": clinic,
            **context,
        }
        return TemplateResponse(request, template, context)


# What the MIS owns


@admin.register(ResourceGroup)
class ResourceGroupAdmin(ReadOnlyAdmin):
    accusative = pgettext_lazy("accusative", "resource group")
    list_display = ["name", "clinic", "mis_id", "pos"]
    list_filter = ["clinic"]
    list_select_related = ["clinic"]
    search_fields = ["name"]


class ResourceOrigin(admin.SimpleListFilter):
    title = _("origin")
    parameter_name = "origin"

    def lookups(self, request, model_admin):
        return [("mis", _("from the MIS")), ("portal", _("made on the portal"))]

    def queryset(self, request, queryset):
        if self.value() in ("mis", "portal"):
            return queryset.filter(mis_id__isnull=self.value() == "portal")
        return queryset


class ResourceAdminForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = ["clinic", "group", "name", "time_step", "pos", "is_retired"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "group" in self.fields:
            # Groups of different clinics share names ("Терапевт"): say whose each one is.
            group = self.fields["group"]
            group.queryset = group.queryset.select_related("clinic")
            group.label_from_instance = lambda g: f"{g.name} ({g.clinic.name})"

    def clean(self) -> dict:
        cleaned = super().clean()
        clinic = cleaned.get("clinic") or getattr(self.instance, "clinic", None)
        group = cleaned.get("group")
        if group is not None and clinic is not None and group.clinic_id != clinic.pk:
            self.add_error("group", _("This group belongs to another clinic."))
        return cleaned


@admin.register(Resource)
class ResourceAdmin(TitlesInCase, admin.ModelAdmin):
    """The MIS's resources are read-only; those made on the portal are the portal's to edit."""

    accusative = pgettext_lazy("accusative", "resource")
    form = ResourceAdminForm
    list_display = ["name", "clinic", "group", "mis_id", "time_step", "pos", "is_retired"]
    list_filter = ["clinic", ResourceOrigin, "is_retired"]
    list_select_related = ["clinic", "group"]
    search_fields = ["name"]

    def get_fields(self, request, obj=None):
        if obj is not None and obj.mis_id is not None:
            return ["clinic", "group", "mis_id", "name", "time_step", "pos", "is_retired"]
        return ResourceAdminForm.Meta.fields

    def get_readonly_fields(self, request, obj=None):
        # A resource never changes clinic: its orders are kept beside it with the clinic.
        return ["clinic"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        owned_by_mis = obj is not None and obj.mis_id is not None
        return not owned_by_mis and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        owned_by_mis = obj is not None and obj.mis_id is not None
        return not owned_by_mis and super().has_delete_permission(request, obj)


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    accusative = pgettext_lazy("accusative", "schedule")
    list_display = ["resource", "clinic", "date", "working_hours", "break_hours"]
    list_filter = ["clinic"]
    list_select_related = ["resource", "clinic"]
    ordering = ["-date"]
    date_hierarchy = "date"
    show_full_result_count = False
    fields = ["clinic", "resource", "mis_id", "date", "working_hours", "break_hours"]

    def object_label(self, schedule: Schedule) -> str:
        return f"{schedule.resource}, {schedule.date:%d.%m.%Y}"

    @admin.display(description=_("working hours"), ordering="starts_at")
    def working_hours(self, schedule: Schedule) -> str:
        return self._span(schedule.clinic, schedule.starts_at, schedule.ends_at)

    @admin.display(description=_("break"))
    def break_hours(self, schedule: Schedule) -> str:
        if schedule.break_starts_at is None:
            return EMPTY
        return self._span(schedule.clinic, schedule.break_starts_at, schedule.break_ends_at)

    @staticmethod
    def _span(clinic: Clinic, starts_at: datetime, ends_at: datetime) -> str:
        start, end = (timezone.localtime(t, clinic.tzinfo) for t in (starts_at, ends_at))
        return f"{start:%H:%M}–{end:%H:%M} ({clinic.timezone})"


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    accusative = pgettext_lazy("accusative", "appointment")
    list_display = ["resource", "clinic", "table", "mis_id", "starts", "ends"]
    list_filter = ["clinic"]
    list_select_related = ["resource", "clinic"]
    ordering = ["-starts_at"]
    show_full_result_count = False
    fields = ["clinic", "resource", "table", "mis_id", "starts", "ends", "title"]

    @admin.display(description=_("starts"), ordering="starts_at")
    def starts(self, appointment: Appointment) -> str:
        return clinic_time(appointment.starts_at, appointment.clinic)

    @admin.display(description=_("ends"), ordering="ends_at")
    def ends(self, appointment: Appointment) -> str:
        return clinic_time(appointment.ends_at, appointment.clinic)


# Orders


class OrderAdminForm(forms.ModelForm):
    """Changes an order only through the order services, with the admin as the actor.

    The change is tried while the form validates, so that a refusal (a time another order
    holds, say) shows on the form; `apply` then makes it for real when the admin saves.
    """

    duration = forms.IntegerField(
        label=_("Duration, minutes"), min_value=1, max_value=protocol.MAX_DURATION
    )
    actor: Actor

    class Meta:
        model = Order
        fields = ["status", "resource", "starts_at", *PATIENT_FIELDS]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.original = copy(self.instance)
        self.fields["duration"].initial = self.instance.duration
        self.fields["starts_at"].help_text = _("The clinic's time, %(zone)s.") % {
            "zone": self.instance.clinic.timezone
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            with transaction.atomic():
                self.apply()
                transaction.set_rollback(True)
        except OrderChangeRefused as refusal:
            raise forms.ValidationError(refusal.explanation) from None
        # The model's own checks, which the form runs next, see the order as it will be.
        self.instance.ends_at = cleaned["starts_at"] + timedelta(minutes=cleaned["duration"])
        return cleaned

    def apply(self) -> Order:
        cleaned = self.cleaned_data
        details = {name: cleaned[name] for name in PATIENT_FIELDS}
        order = order_correct(actor=self.actor, order=self.original, details=details)
        order = order_move(
            actor=self.actor,
            order=order,
            resource=cleaned["resource"],
            starts_at=cleaned["starts_at"],
            ends_at=cleaned["starts_at"] + timedelta(minutes=cleaned["duration"]),
        )
        return order_decide(actor=self.actor, order=order, status=cleaned["status"])


@admin.register(Order)
class OrderAdmin(TitlesInCase, admin.ModelAdmin):
    accusative = pgettext_lazy("accusative", "order")
    form = OrderAdminForm
    list_display = [
        "number",
        "reception",
        "resource",
        "clinic",
        "status",
        "patient_name",
        "phone",
        "last_changed",
    ]
    list_display_links = ["number", "reception"]
    list_filter = ["clinic", "status"]
    list_select_related = ["resource", "clinic"]
    date_hierarchy = "starts_at"
    show_full_result_count = False
    raw_id_fields = ["resource"]
    search_fields = ["name1", "name2", "name3", "phone", "email"]
    fieldsets = [
        (None, {"fields": ["clinic", "resource", "starts_at", "duration", "status"]}),
        (_("The patient's details"), {"fields": ["patient", "user_name", *PATIENT_FIELDS]}),
        (_("Dates and history"), {"fields": ["ordered", "last_changed", "history"]}),
    ]
    readonly_fields = ["clinic", "patient", "user_name", "ordered", "last_changed", "history"]
    Media = AdminMedia

    def object_label(self, order: Order) -> str:
        return gettext("Order No. %(number)s") % {"number": order.pk}

    @admin.display(description="№", ordering="pk")
    def number(self, order: Order) -> int:
        return order.pk

    @admin.display(description=_("reception time"), ordering="starts_at")
    def reception(self, order: Order) -> str:
        return clinic_time(order.starts_at, order.clinic)

    @admin.display(description=_("patient"), ordering="name1")
    def patient_name(self, order: Order) -> str:
        return " ".join(name for name in (order.name1, order.name2, order.name3) if name)

    @admin.display(description=_("ordered at"))
    def ordered(self, order: Order) -> str:
        return clinic_time(order.created_at, order.clinic, SECONDS)

    @admin.display(description=_("last changed"), ordering="last_changed_at")
    def last_changed(self, order: Order) -> str:
        return clinic_time(order.last_changed_at, order.clinic, SECONDS)

    @admin.display(description=_("history"))
    def history(self, order: Order) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    clinic_time(event.at, order.clinic, SECONDS),
                    event.get_actor_kind_display(),
                    event.actor_label,
                    event.get_action_display(),
                    json.dumps(event.changes, ensure_ascii=False),
                )
                for event in order.events.all()
            ),
        )
        if not rows:
            return EMPTY
        header = format_html_join(
            "",
            "<th scope='col'>{}</th>",
            ((label,) for label in (_("when"), _("who"), _("actor"), _("action"), _("changes"))),
        )
        return format_html(
            "<table class='exchange-table'><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
            header,
            rows,
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = Actor.admin(request.user)
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        order = self.get_object(request, unquote(object_id)) if object_id else None
        if order is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        # The form reads and shows the reception time in the clinic's zone; the page renders
        # inside the override, since a form's values are formatted only when rendered.
        with timezone.override(order.clinic.tzinfo):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if isinstance(response, TemplateResponse):
                response.render()
        return response

    def save_model(self, request, obj, form, change):
        # The services write the order; `obj` itself is never saved.
        form.apply()

    def has_add_permission(self, request):
        return False  # orders are made by patients booking

    def has_delete_permission(self, request, obj=None):
        return False  # the MIS would never learn of it: reject or cancel instead


# The import journal

SECTION_LABELS = {
    "groups": _("resource groups"),
    "resources": _("resources"),
    "schedules": _("schedules"),
    "appointments": _("appointments"),
    "orders": _("orders"),
    "warnings": _("warnings"),
    "conflicts": _("conflicts"),
    "errors": _("errors"),
}
COUNT_LABELS = {
    "total": pgettext_lazy("import count", "total"),
    "created": pgettext_lazy("import count", "created"),
    "updated": pgettext_lazy("import count", "updated"),
    "retired": pgettext_lazy("import count", "retired"),
    "deleted": pgettext_lazy("import count", "deleted"),
    "conflicts": pgettext_lazy("import count", "conflicts"),
    "mode": "SyncMode",
}
PROBLEM_COLUMNS = {
    "line": _("line"),
    "element": _("element"),
    "attribute": _("attribute"),
    "code": _("code"),
    "message": _("message (as the MIS reads it)"),
}


@admin.register(ImportRecord)
class ImportRecordAdmin(ReadOnlyAdmin):
    accusative = pgettext_lazy("accusative", "import")
    list_display = ["received", "clinic", "outcome", "size", "duration_ms", "problems"]
    list_filter = ["clinic", "outcome"]
    list_select_related = ["clinic"]
    show_full_result_count = False
    fields = [
        "clinic",
        "received",
        "outcome",
        "size",
        "duration_ms",
        "counts_table",
        "errors_table",
    ]
    Media = AdminMedia

    def object_label(self, record: ImportRecord) -> str:
        return f"{record.clinic}, {self.received(record)}"

    @admin.display(description=_("received at"), ordering="received_at")
    def received(self, record: ImportRecord) -> str:
        return clinic_time(record.received_at, record.clinic, SECONDS)

    @admin.display(description=_("errors"))
    def problems(self, record: ImportRecord) -> int:
        return len(record.errors)

    @admin.display(description=_("counts"))
    def counts_table(self, record: ImportRecord) -> str:
        if not record.counts:
            return EMPTY
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td></tr>",
            (
                (SECTION_LABELS.get(section, section), self._counts(value))
                for section, value in record.counts.items()
            ),
        )
        return format_html("<table class='exchange-table'><tbody>{}</tbody></table>", rows)

    @admin.display(description=_("errors"))
    def errors_table(self, record: ImportRecord) -> str:
        if not record.errors:
            return EMPTY
        header = format_html_join(
            "", "<th scope='col'>{}</th>", ((label,) for label in PROBLEM_COLUMNS.values())
        )
        rows = format_html_join(
            "", "<tr>{}</tr>", ((self._problem_cells(problem),) for problem in record.errors)
        )
        return format_html(
            "<table class='exchange-table'><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
            header,
            rows,
        )

    @staticmethod
    def _problem_cells(problem: dict) -> str:
        values = (problem.get(key) for key in PROBLEM_COLUMNS)
        return format_html_join(
            "", "<td>{}</td>", ((EMPTY if value in (None, "") else value,) for value in values)
        )

    @staticmethod
    def _counts(value: object) -> str:
        if not isinstance(value, dict):
            return str(value)
        return ", ".join(f"{COUNT_LABELS.get(key, key)}: {number}" for key, number in value.items())
