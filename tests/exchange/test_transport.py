"""Every way an MIS sends the document gets the same bytes to the parser, in any encoding."""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import quote_from_bytes

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from lxml import etree

from exchange.models import Appointment, ImportRecord, Resource, ResourceGroup
from tests.exchange.conftest import IMPORT_URL

BOUNDARY = "----MediExchangeBoundary7MA4YWxkTrZu0gW"
UTF8_BOM = b"\xef\xbb\xbf"


def as_windows_1251(sample: bytes) -> bytes:
    """The sample as an MIS on Windows writes it: cp1251 bytes, declared so."""
    text = sample.decode("utf-8").replace('encoding="utf-8"', 'encoding="windows-1251"', 1)
    assert 'encoding="windows-1251"' in text
    return text.encode("cp1251")


def pasted_windows_1251(sample: bytes) -> bytes:
    """A windows-1251 file opened in an editor and pasted into a form: UTF-8 text that
    still declares windows-1251."""
    return as_windows_1251(sample).decode("cp1251").encode("utf-8")


def multipart_field(data: bytes) -> tuple[bytes, str]:
    """A multipart body whose `xml` part is exactly `data`, not re-encoded by anyone."""
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="xml"\r\n\r\n'.encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def send_urlencoded(client, data: bytes):
    body = b"xml=" + quote_from_bytes(data, safe="").encode("ascii")
    return client.post(IMPORT_URL, body, content_type="application/x-www-form-urlencoded")


def send_urlencoded_with_plus(client, data: bytes):
    # PHP's urlencode() and HTML forms write spaces as "+".
    quoted = "+".join(quote_from_bytes(part, safe="") for part in data.split(b" "))
    body = b"dry_run=0&xml=" + quoted.encode("ascii")
    return client.post(IMPORT_URL, body, content_type="application/x-www-form-urlencoded")


def send_multipart_field(client, data: bytes):
    body, content_type = multipart_field(data)
    return client.post(IMPORT_URL, body, content_type=content_type)


def send_multipart_file(client, data: bytes):
    upload = SimpleUploadedFile("export.xml", data, content_type="text/xml")
    return client.post(IMPORT_URL, {"xml": upload})


def send_application_xml(client, data: bytes):
    return client.post(IMPORT_URL, data, content_type="application/xml")


def send_text_xml(client, data: bytes):
    return client.post(IMPORT_URL, data, content_type="text/xml")


def send_xml_with_charset(client, data: bytes):
    # The XML declaration decides, whatever charset the MIS's HTTP library puts in the header.
    return client.post(IMPORT_URL, data, content_type="Application/XML; charset=utf-8")


TRANSPORTS: dict[str, Callable] = {
    "urlencoded": send_urlencoded,
    "urlencoded-plus": send_urlencoded_with_plus,
    "multipart-field": send_multipart_field,
    "multipart-file": send_multipart_file,
    "application/xml": send_application_xml,
    "text/xml": send_text_xml,
    "xml-with-charset": send_xml_with_charset,
}
TEXT_FIELDS = ("urlencoded", "urlencoded-plus", "multipart-field")
ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "utf-8": lambda sample: sample,
    "utf-8-bom": lambda sample: UTF8_BOM + sample,
    "windows-1251": as_windows_1251,
}


def expected_names(sample: bytes) -> dict[str, dict[int, str]]:
    """Group and resource names as lxml reads the original UTF-8 sample."""
    root = etree.fromstring(sample)
    return {
        "groups": {int(rg.get("id")): rg.get("name") for rg in root.iter("rg")},
        "resources": {int(r.get("id")): r.get("name") for r in root.iter("r")},
    }


def replacement_characters() -> list[str]:
    """Every text value in the database that holds U+FFFD, as "model.field: value"."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                lookup = {f"{field.name}__contains": "\ufffd"}
                values = model.objects.filter(**lookup).values_list(field.name, flat=True)
                found.extend(f"{model.__name__}.{field.name}: {value}" for value in values)
    return found


def assert_sample_stored_exactly(clinic, sample: bytes) -> None:
    names = expected_names(sample)
    groups = dict(ResourceGroup.objects.filter(clinic=clinic).values_list("mis_id", "name"))
    resources = dict(Resource.objects.filter(clinic=clinic).values_list("mis_id", "name"))
    assert groups == names["groups"]
    assert resources == names["resources"]
    assert groups[-99999] == "Кабинеты"
    assert resources[-90] == "Кабинет УЗИ №2"
    assert Appointment.objects.get(clinic=clinic).title == "Печеркина М.И. - повторный прием"
    assert replacement_characters() == []


def test_it_builds_a_windows_1251_sample_that_is_not_utf_8(sample_xml):
    # The encoded variants below only prove something if they really differ.
    with pytest.raises(UnicodeDecodeError):
        as_windows_1251(sample_xml).decode("utf-8")
    assert b'encoding="windows-1251"' in pasted_windows_1251(sample_xml)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_it_stores_exact_cyrillic(client, clinic, sample_xml, transport, encoding):
    response = TRANSPORTS[transport](client, ENCODINGS[encoding](sample_xml))

    assert response.status_code == 200, response.content.decode()
    assert etree.fromstring(response.content).get("status") == "ok"
    assert_sample_stored_exactly(clinic, sample_xml)


@pytest.mark.parametrize("transport", TEXT_FIELDS)
def test_it_reads_a_windows_1251_document_pasted_as_utf_8(client, clinic, sample_xml, transport):
    response = TRANSPORTS[transport](client, pasted_windows_1251(sample_xml))

    assert response.status_code == 200, response.content.decode()
    assert_sample_stored_exactly(clinic, sample_xml)


def test_it_reads_a_pasted_document_from_django_form_encoding(client, clinic, sample_xml):
    # A browser form posts the text as UTF-8, which is what the test client does with a str.
    text = pasted_windows_1251(sample_xml).decode("utf-8")

    response = client.post(IMPORT_URL, {"xml": text})

    assert response.status_code == 200, response.content.decode()
    assert_sample_stored_exactly(clinic, sample_xml)


def test_it_journals_the_size_of_the_document_not_of_the_request(client, clinic, sample_xml):
    data = as_windows_1251(sample_xml)

    send_urlencoded(client, data)

    assert ImportRecord.objects.get(clinic=clinic).size == len(data)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", "application/x-www-form-urlencoded"),
        (b"document=%3CMediExchange%2F%3E", "application/x-www-form-urlencoded"),
        (multipart_field(b"")[0].replace(b'name="xml"', b'name="file"'), None),
        (b"<MediExchange/>", "text/plain"),
        (b'{"xml": "<MediExchange/>"}', "application/json"),
    ],
    ids=["empty-form", "other-field", "multipart-other", "text", "json"],
)
def test_it_answers_400_in_xml_without_the_xml_field(client, clinic, body, content_type):
    content_type = content_type or multipart_field(b"")[1]

    response = client.post(IMPORT_URL, body, content_type=content_type)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/xml")
    result = etree.fromstring(response.content)
    assert (result.tag, result.get("status")) == ("ImportResult", "error")
    assert "field 'xml'" in result.findtext("Error")
    assert result.find("Error").get("code") == "no_document"
    assert not ResourceGroup.objects.exists()


# --- Documents that name no encoding ----------------------------------------------------


def undeclared_windows_1251(sample: bytes) -> bytes:
    """The sample as an old Delphi or 1C exporter writes it: cp1251, no XML declaration."""
    declaration, rest = sample.split(b"\n", 1)
    assert declaration.startswith(b"<?xml")
    return rest.decode("utf-8").encode("cp1251")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_it_reads_undeclared_windows_1251_with_a_warning(client, clinic, sample_xml, transport):
    response = TRANSPORTS[transport](client, undeclared_windows_1251(sample_xml))

    assert response.status_code == 200, response.content.decode()
    result = etree.fromstring(response.content)
    guessed = [w for w in result.iter("Warning") if w.get("code") == "encoding_guessed"]
    assert [(w.get("line"), w.text) for w in guessed] == [
        ("1", "no encoding is declared and the bytes are not UTF-8: read as windows-1251")
    ]
    assert_sample_stored_exactly(clinic, sample_xml)


# --- Chunked uploads --------------------------------------------------------------------


def send_chunked(client, body: bytes, content_type: str):
    """A body without Content-Length, as a server hands over a chunked upload it decoded."""
    return client.post(
        IMPORT_URL,
        b"",
        content_type=content_type,
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True},
    )


def urlencoded_body(data: bytes) -> tuple[bytes, str]:
    return b"xml=" + quote_from_bytes(data, safe="").encode(), "application/x-www-form-urlencoded"


CHUNKED_BODIES = {
    "application/xml": lambda data: (data, "application/xml"),
    "urlencoded": urlencoded_body,
    "multipart-field": multipart_field,
}


@pytest.mark.parametrize("transport", CHUNKED_BODIES)
def test_it_reads_a_chunked_upload(client, clinic, sample_xml, transport):
    body, content_type = CHUNKED_BODIES[transport](sample_xml)

    response = send_chunked(client, body, content_type)

    assert response.status_code == 200, response.content.decode()
    assert_sample_stored_exactly(clinic, sample_xml)


@pytest.mark.parametrize("transport", CHUNKED_BODIES)
@pytest.mark.parametrize(("excess", "status"), [(0, 200), (1, 413)], ids=["at-limit", "over"])
def test_it_limits_a_chunked_upload(
    settings, client, clinic, sample_xml, transport, excess, status
):
    body, content_type = CHUNKED_BODIES[transport](sample_xml)
    settings.IMPORT_MAX_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body) - excess

    response = send_chunked(client, body, content_type)

    assert response.status_code == status
    if status == 413:
        error = etree.fromstring(response.content).find("Error")
        assert error.get("code") == "too_large"
        assert not ResourceGroup.objects.exists()


def test_it_reads_no_body_it_cannot_delimit(client, clinic, sample_xml):
    # Without Content-Length and without a server that decoded the chunks, the end of the
    # body is unknown: nothing is read.
    response = client.post(
        IMPORT_URL,
        b"",
        content_type="application/xml",
        CONTENT_TYPE="application/xml",
        CONTENT_LENGTH="",
        **{"wsgi.input": io.BytesIO(sample_xml)},
    )

    assert response.status_code == 400
    assert etree.fromstring(response.content).find("Error").get("code") == "not_well_formed"
    assert not ResourceGroup.objects.exists()
