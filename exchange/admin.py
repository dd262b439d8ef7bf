from copy import copy
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from exchange import protocol
from exchange.keys import clinic_issue_key, clinic_revoke_key
from exchange.models import (
    Appointment,
    Clinic,
    ImportRecord,
    Order,
    OrderEvent,
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
    list_display = ["name", "timezone", "is_active", "has_key", "created_at"]
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

    The change is applied while the form validates (the admin's change view runs in one
    transaction), so a refusal, such as a time another order holds, shows on the form.
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
        if not self.errors:
            try:
                self._apply(cleaned)
            except OrderChangeRefused as refusal:
                raise forms.ValidationError(refusal.explanation) from None
        return cleaned

    def _apply(self, cleaned: dict) -> None:
        order = self.original
        details = {name: cleaned[name] for name in PATIENT_FIELDS}
        order = order_correct(actor=self.actor, order=order, details=details)
        starts_at = cleaned["starts_at"]
        order = order_move(
            actor=self.actor,
            order=order,
            resource=cleaned["resource"],
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=cleaned["duration"]),
        )
        # What the form then checks and shows is the order as the services left it.
        self.instance = order_decide(actor=self.actor, order=order, status=cleaned["status"])


class OrderEventInline(admin.TabularInline):
    """The order's history: who changed what, and when."""

    model = OrderEvent
    fields = ["at", "actor_kind", "actor_label", "action", "changes", "notified_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    form = OrderAdminForm
    list_display = ["pk", "resource", "starts_at", "status", "name1", "name2", "last_changed_at"]
    list_filter = ["clinic", "status"]
    list_select_related = ["resource"]
    raw_id_fields = ["resource"]
    search_fields = ["name1", "email", "phone"]
    readonly_fields = ["clinic", "patient", "user_name", "created_at", "last_changed_at"]
    inlines = [OrderEventInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = Actor.admin(request.user)
        return form

    def save_model(self, request, obj, form, change):
        """The form has applied the change through the order services already."""

    def has_add_permission(self, request):
        return False  # orders are made by patients booking

    def has_delete_permission(self, request, obj=None):
        return False  # the MIS would never learn of it: reject or cancel instead


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["received_at", "clinic", "outcome", "size", "duration_ms"]
    list_filter = ["outcome", "clinic"]
    readonly_fields = [f.name for f in ImportRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
