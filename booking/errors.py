"""Why a booking or a cancellation cannot be done, in words a patient understands."""

from django.utils.translation import gettext_lazy as _


class BookingError(Exception):
    message = _("The booking could not be made.")

    def __str__(self) -> str:
        return str(self.message)


class SlotTaken(BookingError):
    message = _("This time was just taken. Please choose another one.")


class SlotUnavailable(BookingError):
    message = _("This time cannot be booked: it is outside the schedule or too soon.")


class BookingPaused(BookingError):
    message = _("Online booking at this clinic is paused for now. Please call the clinic to book.")


class TooManyOrders(BookingError):
    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __str__(self) -> str:
        return str(
            _("You already have %(limit)s active bookings at this clinic: that is the limit.")
            % {"limit": self.limit}
        )


class CannotCancel(BookingError):
    message = _("This booking can no longer be cancelled.")


class CannotReschedule(BookingError):
    message = _("This booking can no longer be moved.")
