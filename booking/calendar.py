"""An iCalendar (RFC 5545) event for an accepted booking, to attach to the patient's email."""

from __future__ import annotations

from datetime import UTC, datetime

from exchange.models import Order


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """RFC 5545 (3.1) keeps lines within 75 octets: the rest goes on continuation lines that
    begin with a space, cut between characters so no UTF-8 sequence is split."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def order_event(order: Order, *, summary: str, stamp: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Medihost//Portal//RU",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:order-{order.pk}@medihost.ru",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(order.starts_at)}",
        f"DTEND:{_utc(order.ends_at)}",
        f"SUMMARY:{_text(summary)}",
        f"LOCATION:{_text(order.clinic.name)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)
