from __future__ import annotations

from datetime import date
from itertools import chain

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from exchange import protocol
from exchange.decorators import XML_CONTENT_TYPE, exchange_endpoint, xml_response
from exchange.errors import BadRequest, Forbidden
from exchange.exporting import export_window, exported_orders
from exchange.importing import import_document
from exchange.journal import journal_import
from exchange.keys import clinic_for_key
from exchange.locking import order_changes_settle
from exchange.models import Clinic
from exchange.transport import read_payload


def _import_error(status: int, problems: list[protocol.Problem]) -> bytes:
    return protocol.render_import_errors(problems)


def _export_error(status: int, problems: list[protocol.Problem]) -> bytes:
    message = "; ".join(p.message for p in problems)
    return protocol.render_export_error(status, message, code=problems[0].code)


def import_dates(clinic: Clinic) -> tuple[date, date]:
    """The dates a clinic's import may carry: the settings' earliest up to some years ahead
    of the clinic's today, within the protocol's own bounds."""
    earliest = max(settings.IMPORT_EARLIEST_DATE, protocol.EARLIEST_DATE)
    today = timezone.localdate(timezone=clinic.tzinfo)
    year = today.year + settings.IMPORT_YEARS_AHEAD
    if year > protocol.LATEST_DATE.year:
        return earliest, protocol.LATEST_DATE
    try:
        return earliest, today.replace(year=year)
    except ValueError:  # 29 February, in a year without one
        return earliest, today.replace(year=year, day=28)


@exchange_endpoint(methods=("POST",), render_error=_import_error)
def import_view(request: HttpRequest) -> HttpResponse:
    payload = read_payload(request)
    # The key first, from the document's first bytes: no key, no parsing of the rest.
    head = protocol.read_head(payload.data, encoding=payload.encoding)
    if head.errors:
        raise BadRequest(*head.errors)
    clinic = clinic_for_key(head.client_key)
    if clinic is None:
        raise Forbidden
    document = protocol.parse_document(
        payload.data, encoding=payload.encoding, dates=import_dates(clinic)
    )
    with journal_import(clinic=clinic, size=len(payload.data)) as entry:
        if document.errors:
            entry.rejected(document.errors)
            raise BadRequest(*document.errors)
        summary = import_document(
            clinic=clinic,
            document=document,
            dry_run=payload.dry_run,
            journal_entry_id=entry.record_id,
        )
        entry.applied(summary)
    result = protocol.render_import_result(
        dry_run=summary.dry_run,
        sections=summary.sections(),
        warnings=summary.warnings,
        conflicts=summary.conflicts,
    )
    return xml_response(result)


@exchange_endpoint(methods=("GET", "HEAD", "POST"), render_error=_export_error)
def export_view(request: HttpRequest) -> StreamingHttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    clinic = clinic_for_key(params.get("client_key"))
    if clinic is None:
        raise Forbidden
    window = export_window(params.get("start"), params.get("end"))
    if request.method == "HEAD":
        # What a GET would answer, without reading the orders it would send.
        return StreamingHttpResponse((), content_type=XML_CONTENT_TYPE)
    order_changes_settle(clinic.pk)
    orders = exported_orders(clinic=clinic, window=window)
    # The query runs here, before the response starts, so that its failure is still
    # answered in XML with a status instead of a 200 cut short.
    first = next(orders, None)
    orders = orders if first is None else chain([first], orders)
    chunks = protocol.render_export(params["client_key"].strip(), orders, dialect=clinic.dialect)
    return StreamingHttpResponse(chunks, content_type=XML_CONTENT_TYPE)
