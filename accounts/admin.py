from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.forms import AdminUserChangeForm, AdminUserCreationForm
from accounts.models import User
from exchange.admin_wording import TitlesInCase, utc_time


@admin.register(User)
class UserAdmin(TitlesInCase, DjangoUserAdmin):
    """Django's user admin with the email as the login and one name field."""

    accusative = pgettext_lazy("accusative", "user")
    accusative_plural = pgettext_lazy("accusative", "users")
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    list_display = ("email", "first_name", "is_staff", "is_active", "joined")
    search_fields = ("email", "first_name")
    ordering = ("email",)

    @admin.display(description=_("date joined (UTC)"), ordering="date_joined")
    def joined(self, user: User) -> str:
        return utc_time(user.date_joined)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # Users belong to no clinic: their times are the server's, UTC.
        if isinstance(db_field, models.DateTimeField):
            field.help_text = _("In UTC.")
        return field


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TitlesInCase, DjangoGroupAdmin):
    accusative = pgettext_lazy("accusative", "group")


# Only the lockouts themselves are the staff's business: the logs of every sign-in are off
# (AXES_DISABLE_ACCESS_LOG) and their pages would stand empty.
for log in (AccessLog, AccessFailureLog):
    if admin.site.is_registered(log):
        admin.site.unregister(log)
