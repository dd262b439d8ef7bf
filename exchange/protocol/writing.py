"""Writes the protocol's responses: import results, export errors and the export document."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime

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


def xml_attribute(value: object) -> str:
    """A value as a double-quoted attribute, escaped; characters XML cannot carry are dropped."""
    text = "" if value is None else str(value)
    return '"' + _NOT_XML_CHARS.sub("", text).translate(_ATTRIBUTE_ESCAPES) + '"'


def _element(name: str, attributes: dict[str, object], text: str | None = None) -> str:
    rendered = "".join(
        f" {key}={xml_attribute(value)}" for key, value in attributes.items() if value is not None
    )
    if text is None:
        return f"<{name}{rendered}/>"
    body = xml_attribute(text)[1:-1]
    return f"<{name}{rendered}>{body}</{name}>"


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


def _format_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _format_datetime(value: datetime) -> str:
    return value.strftime("%d.%m.%Y %H:%M:%S")


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


def _order_values(order: ExportedOrder) -> tuple[object, ...]:
    """The order's values in the order of EXPORT_SPELLINGS."""
    return (
        order.id,
        order.status,
        "" if order.user_id is None else order.user_id,
        order.user_name,
        _format_date(order.order_date),
        "" if order.mis_resource_id is None else order.mis_resource_id,
        order.resource_name,
        order.resource_id,
        _format_datetime(order.starts_at),
        order.duration,
        ORDER_TYPE_BOOKING,
        order.name1,
        order.name2,
        order.name3,
        order.aim,
        order.phone,
        order.city,
        order.address,
        order.email,
        order.comment,
        _format_datetime(order.last_changed_on),
    )


def render_export(
    client_key: str,
    orders: Iterable[ExportedOrder],
    *,
    dialect: str = "sample",
    batch: int = 500,
) -> Iterator[bytes]:
    """The export document in chunks of `batch` orders, for a streamed response."""
    spelling = EXPORT_SPELLINGS[dialect]
    root = _element("MediExchange", {"ClientKey": client_key})[:-2] + ">"
    yield f"{XML_DECLARATION}{root}\n  <Orders>\n".encode()
    chunk: list[str] = []
    for order in orders:
        attributes = dict(zip(spelling, _order_values(order), strict=True))
        chunk.append("    " + _element("o", attributes) + "\n")
        if len(chunk) >= batch:
            yield "".join(chunk).encode()
            chunk.clear()
    if chunk:
        yield "".join(chunk).encode()
    yield b"  </Orders>\n</MediExchange>\n"
