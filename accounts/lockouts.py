"""django-axes under a name the portal's admin can show in Russian."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LockoutsConfig(AppConfig):
    verbose_name = _("Sign-in lockouts")
