from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.models import ImportRecord
from workspace.models import (
    ClinicProfile,
    ClinicSync,
    Invitation,
    Membership,
    ResourceProfile,
    SyncFlip,
    SyncPolicy,
)
from workspace.sync import sync_state, with_sync


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic", "role", "created_at"]
    list_filter = ["role", "clinic"]
    list_select_related = ["user", "clinic"]
    search_fields = ["user__email", "clinic__name"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Managers invite from the workspace (it sends the link); here they are only seen."""

    list_display = ["email", "clinic", "role", "sent_at", "accepted_at"]
    list_filter = ["clinic"]
    list_select_related = ["clinic"]
    readonly_fields = ["clinic", "email", "role", "invited_by", "sent_at", "accepted_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    list_display = ["clinic", "phone", "address"]
    list_select_related = ["clinic"]


@admin.register(ResourceProfile)
class ResourceProfileAdmin(admin.ModelAdmin):
    list_display = ["resource", "full_name", "specialty"]
    list_select_related = ["resource"]
    raw_id_fields = ["resource"]


class SyncPolicyInline(admin.StackedInline):
    model = SyncPolicy
    can_delete = False


class SyncFlipInline(admin.TabularInline):
    model = SyncFlip
    fields = ["at", "old_state", "new_state", "processed_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-at", "-pk"]

    def get_queryset(self, request):
        # The last changes only: a flapping clinic would list thousands.
        recent = SyncFlip.objects.filter(clinic=self.parent_instance).order_by("-at", "-pk")[:20]
        return (
            super().get_queryset(request).filter(pk__in=list(recent.values_list("pk", flat=True)))
        )

    def get_formset(self, request, obj=None, **kwargs):
        self.parent_instance = obj
        return super().get_formset(request, obj, **kwargs)


@admin.register(ClinicSync)
class ClinicSyncAdmin(admin.ModelAdmin):
    """Every clinic's MIS sync state in one list, computed from the import journal."""

    list_display = ["name", "state", "last_good", "last_outcome", "late_after"]
    fields = ["name"]
    readonly_fields = ["name"]
    inlines = [SyncPolicyInline, SyncFlipInline]

    def get_queryset(self, request):
        return with_sync(super().get_queryset(request))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("state"))
    def state(self, clinic) -> str:
        return sync_state(clinic, now=timezone.now()).label

    @admin.display(description=_("appointments last applied"), ordering="sync_last_good")
    def last_good(self, clinic):
        return clinic.sync_last_good

    @admin.display(description=_("last import"))
    def last_outcome(self, clinic) -> str:
        outcome = clinic.sync_last_outcome
        return ImportRecord.Outcome(outcome).label if outcome else "—"

    @admin.display(description=_("pause booking after"))
    def late_after(self, clinic):
        return clinic.sync_late_after or SyncPolicy._meta.get_field("late_after").get_default()
