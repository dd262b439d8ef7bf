from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        # Importing these connects their signal receivers.
        from booking import (
            notifications,  # noqa: F401
            reminders,  # noqa: F401
            sqlite,  # noqa: F401
        )
