"""Log lines a machine can read: `key=value` text or one JSON object per line (LOG_FORMAT).

The data of a record is what the caller passed as `extra`; `log_event` is the short way to
log an event with its fields. Gunicorn's access log records (`gunicorn.access`) carry the
request's atoms, which become the fields of a `request` line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime

# Attributes every LogRecord has: whatever else a record carries came from `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_BARE = re.compile(r'[^\s"=\\]+')
_ACCESS_LOGGER = "gunicorn.access"


def log_event(logger: logging.Logger, event: str, **fields: object) -> None:
    """One INFO line naming the event, with its fields as data."""
    logger.info(event, extra=fields)


def make_formatter(kind: str = "text") -> logging.Formatter:
    if kind == "json":
        return JsonFormatter()
    if kind == "text":
        return KeyValueFormatter()
    raise ValueError(f"LOG_FORMAT must be text or json, not {kind!r}")


def record_fields(record: logging.LogRecord) -> dict[str, object]:
    if record.name == _ACCESS_LOGGER and isinstance(record.args, Mapping):
        return _access_fields(record.args)
    return {key: value for key, value in vars(record).items() if key not in _STANDARD}


def _message(record: logging.LogRecord) -> str:
    # An access record's format string is Gunicorn's text line: its fields say it all.
    return "request" if record.name == _ACCESS_LOGGER else record.getMessage()


def _access_fields(atoms: Mapping) -> dict[str, object]:
    # The query string is left out on purpose: an MIS's export puts its client key there.
    fields = {
        "method": "m",
        "path": "U",
        "status": "s",
        "bytes": "B",
        "duration_ms": "M",
        "remote": "h",
        "forwarded_for": "{x-forwarded-for}i",
        "agent": "a",
    }
    values = {name: atoms.get(atom, "-") for name, atom in fields.items()}
    if str(values["status"]).isdigit():
        values["status"] = int(values["status"])
    return values


def _text(value: object) -> str:
    """A value that a reader splits on spaces and `=` without ambiguity."""
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        # Compact JSON is one token already, unless a string inside has a space.
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        bare = not any(character.isspace() for character in text)
    else:
        text = str(value)
        bare = bool(_BARE.fullmatch(text))
    return text if bare else json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """`2026-05-04 10:00:00,123 INFO exchange.journal import clinic=3 bytes=5120 ...`"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = _message(record)
        line = super().formatMessage(record)
        pairs = " ".join(f"{key}={_text(value)}" for key, value in record_fields(record).items())
        return f"{line} {pairs}" if pairs else line


class JsonFormatter(logging.Formatter):
    """`{"time": "...", "level": "INFO", "logger": "...", "message": "import", "clinic": 3}`"""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
            **record_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
