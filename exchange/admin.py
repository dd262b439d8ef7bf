from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

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


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["pk", "resource", "starts_at", "status", "name1", "name2", "last_changed_at"]
    list_filter = ["clinic", "status"]
    list_select_related = ["resource"]
    raw_id_fields = ["resource", "patient"]
    search_fields = ["name1", "email", "phone"]


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["received_at", "clinic", "outcome", "size", "duration_ms"]
    list_filter = ["outcome", "clinic"]
    readonly_fields = [f.name for f in ImportRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
