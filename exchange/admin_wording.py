"""How the admin words things in Russian: titles in the case they need, times with their zone.

Django builds its admin titles as "Select %s to change" around the model's verbose name, which
Russian leaves in the nominative ("Выберите клиника для изменения"). Each model admin here
names its model in the accusative (`pgettext_lazy("accusative", ...)`), and the mixin uses it
for every title Django builds that way.

Django's messages that agree with the model's name in gender ("клиника ... был успешно
добавлен") cannot be fixed that way: this project's catalogue rewords them so that no word
has to agree ("Добавлено: клиника «…»"), and says which zone the history's times are in. The
catalogue wins over Django's own (LOCALE_PATHS come first); the msgids are listed below only
so that makemessages keeps them.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from django.contrib.admin.options import IS_POPUP_VAR
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

MINUTES = "%d.%m.%Y %H:%M"
SECONDS = "%d.%m.%Y %H:%M:%S"
EMPTY = "—"


def zoned_time(value: datetime | None, zone_name: str, layout: str = MINUTES) -> str:
    """`01.07.2030 10:00 (Europe/Moscow)`: a clinic's data in the time its staff and MIS use."""
    if value is None:
        return EMPTY
    return f"{timezone.localtime(value, zoneinfo.ZoneInfo(zone_name)):{layout}} ({zone_name})"


def utc_time(value: datetime | None, layout: str = MINUTES) -> str:
    """Times that belong to no clinic, said to be UTC."""
    return EMPTY if value is None else f"{value.astimezone(UTC):{layout}} UTC"


REWORDED_DJANGO_MESSAGES = (
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("Cannot delete %(name)s"),
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Date/time"),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in deleting related "
        "objects, but your account doesn't have permission to delete the following types of "
        "objects:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would require deleting the "
        "following protected related objects:"
    ),
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? All of the '
        "following related items will be deleted:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would result in deleting related objects, but "
        "your account doesn't have permission to delete the following types of objects:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would require deleting the following "
        "protected related objects:"
    ),
    gettext_noop(
        "Are you sure you want to delete the selected %(objects_name)s? All of the following "
        "objects and their related items will be deleted:"
    ),
)


class TitlesInCase:
    """A ModelAdmin mixin: titles with `accusative`, and `object_label` for one object.

    `object_label` stands for `str(obj)` in the page's subtitle, <title> and breadcrumbs,
    for a model whose `__str__` is written for logs rather than for people.
    """

    accusative: str | Promise
    # Only where it differs from the nominative plural, which Django's "Удалить выбранные %s"
    # takes: for people ("пользователей"), not for things ("клиники").
    accusative_plural: str | Promise | None = None

    def object_label(self, obj) -> str:
        return str(obj)

    def changelist_view(self, request, extra_context=None):
        if IS_POPUP_VAR in request.GET:
            title = gettext("Select %s")
        elif self.has_change_permission(request):
            title = gettext("Select %s to change")
        else:
            title = gettext("Select %s to view")
        context = {"title": title % self.accusative, "add_label": self._add_title()}
        return super().changelist_view(request, context | (extra_context or {}))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            context["title"] = self._add_title()
        else:
            title = (
                gettext("Change %s")
                if self.has_change_permission(request, obj)
                else gettext("View %s")
            )
            context["title"] = title % self.accusative
            context["subtitle"] = self.object_label(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("object") is not None:
            label = self.object_label(context["object"])
            context["title"] = gettext("Change history: %s") % label
            context["object_label"] = label
        return response

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.accusative_plural is not None and "delete_selected" in actions:
            function, name, _ = actions["delete_selected"]
            description = gettext("Delete selected %(verbose_name_plural)s") % {
                "verbose_name_plural": self.accusative_plural
            }
            actions["delete_selected"] = (function, name, description)
        return actions

    def _add_title(self) -> str:
        return gettext("Add %s") % self.accusative
