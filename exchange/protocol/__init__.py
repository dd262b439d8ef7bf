"""The MediExchange XML protocol: bytes in, typed records out; results and orders in, XML out.

This package imports no model and touches no database, so it can be tested and fuzzed alone.
`records` holds the typed records and the protocol's limits, `reading` (with `attributes`
and `source`) turns a document into them, `writing` renders responses; callers import from
here.
"""

from __future__ import annotations

from exchange.protocol.reading import parse_document, read_head
from exchange.protocol.records import (
    EARLIEST_DATE,
    HEAD_LIMIT,
    ID_RANGE,
    LATEST_DATE,
    MAX_ATTRIBUTES,
    MAX_DURATION,
    MAX_ELEMENT_NAMES,
    MAX_NAME_LENGTH,
    MAX_REPORTED_PROBLEMS,
    MAX_TABLENAME_LENGTH,
    MAX_TIME_STEP,
    MIS_ORDER_STATUSES,
    ORDER_DETAILS,
    ORDER_STATUSES,
    PATIENT_CANCELLED,
    POS_RANGE,
    SYNC_MODES,
    Appointment,
    Appointments,
    Document,
    DocumentHead,
    ExportedOrder,
    Group,
    OrderChange,
    Problem,
    Resource,
    Schedule,
    WorkingHours,
)
from exchange.protocol.sections import SECTIONS, SectionSpec
from exchange.protocol.source import SourceLines
from exchange.protocol.writing import (
    DIALECTS,
    ORDER_TYPE_BOOKING,
    XML_DECLARATION,
    render_export,
    render_export_error,
    render_import_errors,
    render_import_result,
    xml_attribute,
)

__all__ = [
    "DIALECTS",
    "EARLIEST_DATE",
    "HEAD_LIMIT",
    "ID_RANGE",
    "LATEST_DATE",
    "MAX_ATTRIBUTES",
    "MAX_DURATION",
    "MAX_ELEMENT_NAMES",
    "MAX_NAME_LENGTH",
    "MAX_REPORTED_PROBLEMS",
    "MAX_TABLENAME_LENGTH",
    "MAX_TIME_STEP",
    "MIS_ORDER_STATUSES",
    "ORDER_DETAILS",
    "ORDER_STATUSES",
    "ORDER_TYPE_BOOKING",
    "PATIENT_CANCELLED",
    "POS_RANGE",
    "SECTIONS",
    "SYNC_MODES",
    "XML_DECLARATION",
    "Appointment",
    "Appointments",
    "Document",
    "DocumentHead",
    "ExportedOrder",
    "Group",
    "OrderChange",
    "Problem",
    "Resource",
    "Schedule",
    "SectionSpec",
    "SourceLines",
    "WorkingHours",
    "parse_document",
    "read_head",
    "render_export",
    "render_export_error",
    "render_import_errors",
    "render_import_result",
    "xml_attribute",
]
