"""Writes the protocol's responses: import results, export errors and the export document."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from operator import attrgetter

from exchange.protocol.records import ExportedOrder, Problem

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
ORDER_TYPE_BOOKING = 3

_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)
# Any character that _escaped changes: one XML cannot carry, or one _ATTRIBUTE_ESCAPES
# replaces. Text without one (nearly all of it) goes out as it is.
_NEEDS_ESCAPING = re.compile(
    "[^\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _escaped(text: str) -> str:
    return _NOT_XML_CHARS.sub("", text).translate(_ATTRIBUTE_ESCAPES)


def xml_attribute(value: object) -> str:
    """A value as a double-quoted attribute, escaped; characters XML cannot carry are dropped."""
    return '"' + _escaped(str(value)) + '"'


def _element(name: str, attributes: dict[str, object], text: str | None = None) -> str:
    rendered = "".join(
        f" {key}={xml_attribute(value)}" for key, value in attributes.items() if value is not None
    )
    if text is None:
        return f"<{name}{rendered}/>"
    return f"<{name}{rendered}>{_escaped(text)}</{name}>"


def _problem(name: str, problem: Problem) -> str:
    attributes = {
        "line": problem.line,
        "element": problem.element or None,
        "attribute": problem.attribute,
        "id": problem.id,
        "code": problem.code,
    }
    return _element(name, attributes, problem.message)


def _result_document(root: dict[str, object], children: Iterable[str]) -> bytes:
    lines = "".join(f"  {child}\n" for child in children)
    opening = _element("ImportResult", root)[:-2] + ">"
    return f"{XML_DECLARATION}{opening}\n{lines}</ImportResult>\n".encode()


def render_import_result(
    *,
    dry_run: bool,
    sections: Iterable[tuple[str, dict[str, object]]],
    warnings: Iterable[Problem],
    conflicts: Iterable[Problem],
) -> bytes:
    """An accepted import's result: one element per (name, counts) section, then the problems."""
    children = [_element(name, counts) for name, counts in sections]
    children.extend(_problem("Warning", warning) for warning in warnings)
    children.extend(_problem("Conflict", conflict) for conflict in conflicts)
    return _result_document({"status": "ok", "dry_run": "1" if dry_run else None}, children)


def render_import_errors(problems: Iterable[Problem]) -> bytes:
    return _result_document({"status": "error"}, (_problem("Error", p) for p in problems))


def render_export_error(status: int, message: str, *, code: str | None = None) -> bytes:
    element = _element("ExportError", {"status": status, "code": code}, message)
    return (XML_DECLARATION + element + "\n").encode()


def _date_text(value: date) -> str:
    # As strftime("%d.%m.%Y") writes it (the year unpadded, as glibc does), at a third of the cost.
    return f"{value.day:02}.{value.month:02}.{value.year}"


def _datetime_text(value: datetime) -> str:
    # As strftime("%d.%m.%Y %H:%M:%S") writes it, at a third of the cost.
    return (
        f"{value.day:02}.{value.month:02}.{value.year} "
        f"{value.hour:02}:{value.minute:02}:{value.second:02}"
    )


# The export's attributes in order, by dialect: `sample` spells them as the source document's
# sample <o> does (the original portal's wire format), `table` as the lower case of its table.
EXPORT_SPELLINGS = {
    "sample": (
        "ID", "Status", "user_id", "user_name", "order_date", "MW_Resource_ID", "Resource_Name",
        "Resource_ID", "Reception_Datetime", "Duration", "Type", "Name1", "Name2", "Name3",
        "Aim", "Phone", "City", "Address", "Email", "Comment", "LastChangedOn",
    ),
    "table": (
        "id", "status", "user_id", "user_name", "order_date", "mw_resource_id", "resource_name",
        "resource_id", "reception_datetime", "duration", "type", "name1", "name2", "name3",
        "aim", "phone", "city", "address", "email", "comment", "LastChangedOn",
    ),
}  # fmt: skip
DIALECTS = tuple(EXPORT_SPELLINGS)
# One `<o>` line per dialect, filled with the values of _order_values (already escaped).
_ORDER_LINES = {
    dialect: "    <o " + " ".join(f'{name}="%s"' for name in spelling) + "/>\n"
    for dialect, spelling in EXPORT_SPELLINGS.items()
}
# An order's free text: what can hold characters that need escaping. Every other value is a
# number or a time written above.
_ORDER_TEXTS = attrgetter(
    "user_name", "resource_name", "name1", "name2", "name3", "aim", "phone", "city", "address",
    "email", "comment",
)  # fmt: skip


def _order_values(order: ExportedOrder) -> tuple[object, ...]:
    """The order's values in the order of EXPORT_SPELLINGS, ready for an attribute."""
    texts = _ORDER_TEXTS(order)
    # One check of the row's text joined; escaping value by value only when it finds a need.
    if _NEEDS_ESCAPING.search("".join(texts)):
        texts = tuple(map(_escaped, texts))
    user_name, resource_name, name1, name2, name3, aim, phone, city, address, email, comment = texts
    return (
        order.id,
        order.status,
        "" if order.user_id is None else order.user_id,
        user_name,
        _date_text(order.order_date),
        "" if order.mis_resource_id is None else order.mis_resource_id,
        resource_name,
        order.resource_id,
        _datetime_text(order.starts_at),
        order.duration,
        ORDER_TYPE_BOOKING,
        name1,
        name2,
        name3,
        aim,
        phone,
        city,
        address,
        email,
        comment,
        _datetime_text(order.last_changed_on),
    )


def render_export(
    client_key: str,
    orders: Iterable[ExportedOrder],
    *,
    dialect: str = "sample",
    batch: int = 500,
) -> Iterator[bytes]:
    """The export document in chunks of `batch` orders, for a streamed response."""
    line = _ORDER_LINES[dialect]
    root = _element("MediExchange", {"ClientKey": client_key})[:-2] + ">"
    yield f"{XML_DECLARATION}{root}\n  <Orders>\n".encode()
    chunk: list[str] = []
    for order in orders:
        chunk.append(line % _order_values(order))
        if len(chunk) >= batch:
            yield "".join(chunk).encode()
            chunk.clear()
    if chunk:
        yield "".join(chunk).encode()
    yield b"  </Orders>\n</MediExchange>\n"
