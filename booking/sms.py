"""Text messages to patients, through the backend that SMS_BACKEND names (a dotted path).

No provider is built in: a deployment adds a class with `send(phone, text)` for its SMS
gateway and names it in SMS_BACKEND. The default prints the message to the log, like the
console email backend.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def send_sms(phone: str, text: str) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(phone, text)
