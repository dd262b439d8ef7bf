"""Gets the import document's original bytes out of a request, whatever the transport.

MIS installations send the `xml` field urlencoded or as multipart (a text field or a file),
or the document itself as the body. Django would decode form fields as UTF-8 and replace
undecodable bytes with U+FFFD, and lxml refuses a str that carries an encoding declaration,
so the bytes are recovered and parsed as bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict

from exchange.errors import BadRequest, PayloadTooLarge

FIELD = "xml"
XML_CONTENT_TYPES = ("application/xml", "text/xml")
# Latin-1 maps every byte to one character and back, so a form parsed with it loses nothing.
LOSSLESS = "latin-1"


@dataclass(frozen=True, slots=True)
class Payload:
    data: bytes
    # Overrides the XML declaration; None trusts it.
    encoding: str | None
    dry_run: bool


def _is_set(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def read_payload(request: HttpRequest) -> Payload:
    dry_run = _is_set(request.GET.get("dry_run"))
    body = _read_body(request)
    if request.content_type in XML_CONTENT_TYPES:
        return Payload(body, None, dry_run)
    if request.content_type == "application/x-www-form-urlencoded":
        form = _urlencoded_form(body)
        if FIELD in form:
            dry_run = dry_run or _is_set(form.get("dry_run"))
            return _text_field(form[FIELD].encode(LOSSLESS), dry_run)
    if request.content_type == "multipart/form-data":
        form, files = _multipart_form(request, body)
        dry_run = dry_run or _is_set(form.get("dry_run"))
        if FIELD in files:
            return Payload(files[FIELD].read(), None, dry_run)
        if FIELD in form:
            return _text_field(form[FIELD].encode(LOSSLESS), dry_run)
    raise BadRequest(
        "no document: send the field 'xml' (urlencoded or multipart) or an XML body "
        "with Content-Type application/xml",
        code="no_document",
    )


def _read_body(request: HttpRequest) -> bytes:
    """The body, read as a stream up to one byte past the limit.

    A chunked upload has no Content-Length, and Django reads such a body as empty; a server
    that has already decoded the chunks says so with `wsgi.input_terminated` (gunicorn and
    mod_wsgi do), and then its input is read to the end.
    """
    limit = settings.IMPORT_MAX_BYTES
    in_memory = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request.content_type != "multipart/form-data" and in_memory is not None:
        # Django's own limit on a body held in memory (a multipart parser applies it to the
        # fields alone); when it is the lower one it answers, as a 413 all the same.
        limit = min(limit, in_memory)
    if request.META.get("CONTENT_LENGTH"):
        stream = request
    elif request.META.get("wsgi.input_terminated"):
        stream = request.META["wsgi.input"]
    else:
        return b""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(limit)
    return data


def _multipart_form(request: HttpRequest, body: bytes) -> tuple[QueryDict, MultiValueDict]:
    # Parsed from the bytes already read, which a chunked upload has no Content-Length for.
    meta = {**request.META, "CONTENT_LENGTH": str(len(body))}
    parser = MultiPartParser(meta, io.BytesIO(body), request.upload_handlers, LOSSLESS)
    return parser.parse()


def _urlencoded_form(body: bytes) -> dict[str, str]:
    # Django refuses to parse a form body as anything but UTF-8, so it is parsed here.
    try:
        pairs = parse_qsl(
            body.decode(LOSSLESS),
            keep_blank_values=True,
            encoding=LOSSLESS,
            max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        )
    except ValueError:
        raise BadRequest("too many form fields", code="too_many_fields") from None
    return dict(pairs)


def _text_field(data: bytes, dry_run: bool) -> Payload:
    # A text field pasted into a form or encoded by a tool is UTF-8 whatever its XML
    # declaration says. Bytes that are not UTF-8 were sent as they are (a windows-1251 file
    # URL-encoded byte by byte, say): then the declaration tells the truth. Windows-1251
    # Cyrillic is practically never valid UTF-8, so the two cases do not mix up.
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return Payload(data, None, dry_run)
    return Payload(data, "utf-8", dry_run)
