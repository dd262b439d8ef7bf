"""Gets the import document's original bytes out of a request, whatever the transport.

MIS installations send the `xml` field urlencoded or as multipart (a text field or a file),
or the document itself as the body. Django would decode form fields as UTF-8 and replace
undecodable bytes with U+FFFD, and lxml refuses a str that carries an encoding declaration,
so the bytes are recovered and parsed as bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest

from exchange.errors import BadRequest

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
    if request.content_type in XML_CONTENT_TYPES:
        return Payload(request.body, None, dry_run)
    if request.content_type == "application/x-www-form-urlencoded":
        form = _urlencoded_form(request.body)
        if FIELD in form:
            dry_run = dry_run or _is_set(form.get("dry_run"))
            return _text_field(form[FIELD].encode(LOSSLESS), dry_run)
    if request.content_type == "multipart/form-data":
        request.encoding = LOSSLESS
        dry_run = dry_run or _is_set(request.POST.get("dry_run"))
        if FIELD in request.FILES:
            return Payload(request.FILES[FIELD].read(), None, dry_run)
        if FIELD in request.POST:
            return _text_field(request.POST[FIELD].encode(LOSSLESS), dry_run)
    raise BadRequest(
        "no document: send the field 'xml' (urlencoded or multipart) or an XML body "
        "with Content-Type application/xml"
    )


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
        raise BadRequest("too many form fields") from None
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
