import json
from copy import copy
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from exchange import protocol
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


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "dialect", "is_active", "has_key", "created_at"]
    search_fields = ["name"]
    actions = ["issue_key", "revoke_key"]

    @admin.display(boolean=True, description=_("key in force"))
    def has_key(self, clinic):
        return bool(clinic.key_digest)

    @admin.action(description=_("Issue a new client key (the old one stops working)"))
    def issue_key(self, request, queryset):
        for clinic in queryset:
            key = clinic_issue_key(clinic=clinic)
            # Shown once: only the digest is stored.
            self.message_user(
                request,
                _("New key of %(clinic)s: %(key)s (copy it now, it is not shown again)")
                % {"clinic": clinic, "key": key},
                messages.WARNING,
            )

    @admin.action(description=_("Revoke the client key"))
    def revoke_key(self, request, queryset):
        for clinic in queryset:
            clinic_revoke_key(clinic=clinic)
        self.message_user(request, _("Keys revoked."), messages.SUCCESS)


@admin.register(ResourceGroup)
class ResourceGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "mis_id", "pos"]
    list_filter = ["clinic"]
    search_fields = ["name"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "group", "mis_id", "time_step", "pos", "is_retired"]
    list_filter = ["clinic", "is_retired"]
    search_fields = ["name"]
    list_select_related = ["clinic", "group"]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["resource", "date", "starts_at", "ends_at", "break_starts_at", "break_ends_at"]
    list_filter = ["clinic"]
    date_hierarchy = "date"
    list_select_related = ["resource"]
    raw_id_fields = ["resource"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["resource", "table", "mis_id", "starts_at", "ends_at"]
    list_filter = ["clinic"]
    list_select_related = ["resource"]
    raw_id_fields = ["resource"]


class OrderAdminForm(forms.ModelForm):
    """Changes an order only through the order services, with the admin as the actor.

    The change is tried while the form validates, so that a refusal (a time another order
    holds, say) shows on the form; `apply` then makes it for real when the admin saves.
    """

    duration = forms.IntegerField(
        label=_("duration, minutes"), min_value=1, max_value=protocol.MAX_DURATION
    )
    actor: Actor

    class Meta:
        model = Order
        fields = ["status", "resource", "starts_at", *PATIENT_FIELDS]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.original = copy(self.instance)
        self.fields["duration"].initial = self.instance.duration

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
class OrderAdmin(admin.ModelAdmin):
    form = OrderAdminForm
    list_display = ["pk", "resource", "starts_at", "status", "name1", "name2", "last_changed_at"]
    list_filter = ["clinic", "status"]
    list_select_related = ["resource"]
    raw_id_fields = ["resource"]
    search_fields = ["name1", "email", "phone"]
    readonly_fields = ["clinic", "patient", "user_name", "created_at", "last_changed_at", "history"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = Actor.admin(request.user)
        return form

    def save_model(self, request, obj, form, change):
        # The services write the order; `obj` itself is never saved.
        form.apply()

    def has_add_permission(self, request):
        return False  # orders are made by patients booking

    def has_delete_permission(self, request, obj=None):
        return False  # the MIS would never learn of it: reject or cancel instead

    @admin.display(description=_("history"))
    def history(self, order: Order) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    localtime(event.at).strftime("%d.%m.%Y %H:%M:%S"),
                    event.get_actor_kind_display(),
                    event.actor_label,
                    event.get_action_display(),
                    json.dumps(event.changes, ensure_ascii=False),
                )
                for event in order.events.all()
            ),
        )
        return format_html("<table>{}</table>", rows) if rows else "—"


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["received_at", "clinic", "outcome", "size", "duration_ms"]
    list_filter = ["outcome", "clinic"]
    readonly_fields = [f.name for f in ImportRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
