"""Hostile or broken requests get a short XML answer: nothing fetched, expanded or stored."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import quote_from_bytes
from urllib.request import urlopen

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client
from lxml import etree

from exchange.keys import clinic_revoke_key
from exchange.models import Clinic, ImportRecord, ResourceGroup
from tests.conftest import SAMPLE_KEY
from tests.exchange.conftest import EXPORT_URL, IMPORT_URL, document
from tests.exchange.snapshots import clinic_state
from tests.factories import make_order, make_resource

GROUP = '<ResourceGroups><rg id="1" name="{name}" pos="0"/></ResourceGroups>'


def with_doctype(doctype: str, body: str, key: str = SAMPLE_KEY) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n'
        f'<MediExchange ClientKey="{key}">\n{body}\n</MediExchange>\n'
    ).encode()


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    doctype = "<!DOCTYPE MediExchange [\n" + "\n".join(entities) + "\n]>"
    return with_doctype(doctype, GROUP.format(name="&lol9;"))


def quadratic_blowup() -> bytes:
    # No nesting to trip a depth check: one 50 kB entity, referenced 20 000 times (1 GB).
    doctype = f'<!DOCTYPE MediExchange [<!ENTITY a "{"x" * 50_000}">]>'
    return with_doctype(doctype, GROUP.format(name="&a;" * 20_000))


def assert_xml_error(
    response, status: int, root: str = "ImportResult", *, code: str
) -> etree._Element:
    """Checks what every error answer shares: the status, XML, never HTML or a traceback,
    and a stable code (on every <Error>, or on the <ExportError>)."""
    assert response.status_code == status
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    body = response.content
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    for leak in (b"<html", b"<!DOCTYPE", b"Traceback", b'File "'):
        assert leak.lower() not in body.lower()
    result = etree.fromstring(body)
    assert result.tag == root
    if root == "ImportResult":
        assert result.get("status") == "error"
        assert result.findall("Error")
        assert {error.get("code") for error in result.iter("Error")} == {code}
    else:
        assert result.get("status") == str(status)
        assert result.get("code") == code
    return result


def assert_nothing_stored(clinic: Clinic) -> None:
    assert clinic_state(clinic) == {
        "groups": [], "resources": [], "schedules": [], "appointments": [], "orders": []
    }  # fmt: skip


@pytest.fixture
def listener():
    """A local HTTP server that records every request, to prove nothing is fetched."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = b'<!ENTITY leak "fetched">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    # The listener must hear a fetch if one happens, or the tests below prove nothing.
    with urlopen(f"{url}/probe", timeout=5) as answer:
        assert answer.read() == b'<!ENTITY leak "fetched">'
    assert requests == ["/probe"]
    requests.clear()
    yield url, requests
    server.shutdown()
    server.server_close()
    thread.join()


def test_it_refuses_an_external_entity_and_leaks_no_file(client, clinic):
    if "root:" not in Path("/etc/passwd").read_text():
        pytest.skip("no root entry in /etc/passwd to leak")
    doctype = '<!DOCTYPE MediExchange [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    data = with_doctype(doctype, '<ResourceGroups><rg id="1" pos="0">&xxe;</rg></ResourceGroups>')

    response = client.post(IMPORT_URL, data, content_type="application/xml")

    result = assert_xml_error(response, 400, code="doctype")
    assert b"root:" not in response.content
    assert "DOCTYPE" in result.findtext("Error")
    assert_nothing_stored(clinic)


@pytest.mark.parametrize(
    ("doctype", "body"),
    [
        ('<!DOCTYPE MediExchange SYSTEM "{url}/external.dtd">', ""),
        ('<!DOCTYPE MediExchange [<!ENTITY % remote SYSTEM "{url}/param.dtd"> %remote;]>', ""),
        (
            '<!DOCTYPE MediExchange [<!ENTITY ext SYSTEM "{url}/entity.xml">]>',
            '<ResourceGroups><rg id="1" pos="0">&ext;</rg></ResourceGroups>',
        ),
    ],
    ids=["external-dtd", "parameter-entity", "external-entity"],
)
def test_it_fetches_nothing_a_doctype_points_to(client, clinic, listener, doctype, body):
    url, requests = listener
    data = with_doctype(doctype.format(url=url), body)

    response = client.post(IMPORT_URL, data, content_type="application/xml")

    assert_xml_error(response, 400, code="doctype")
    assert b"fetched" not in response.content
    assert requests == []
    assert_nothing_stored(clinic)


def test_it_fetches_nothing_an_xinclude_points_to(client, clinic, listener):
    url, requests = listener
    body = (
        '<ResourceGroups xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<xi:include href="{url}/include.xml" parse="text"/></ResourceGroups>'
    )

    response = client.post(IMPORT_URL, document(body), content_type="application/xml")

    assert response.status_code == 200
    assert requests == []
    assert not ResourceGroup.objects.exists()


@pytest.mark.parametrize(
    "data", [billion_laughs(), quadratic_blowup()], ids=["laughs", "quadratic"]
)
def test_it_refuses_entity_expansion_bombs(client, clinic, data):
    # Finishing at all is the point: an expanded bomb would take gigabytes and minutes.
    response = client.post(IMPORT_URL, data, content_type="application/xml")

    result = assert_xml_error(response, 400, code="doctype")
    assert "DOCTYPE" in result.findtext("Error")
    assert b"lollol" not in response.content
    assert b"xxxxx" not in response.content
    assert_nothing_stored(clinic)


@pytest.mark.parametrize(
    "doctype",
    ["<!DOCTYPE MediExchange>", '<!DOCTYPE MediExchange [<!ENTITY clinic "Клиника">]>'],
    ids=["bare", "harmless-entity"],
)
def test_it_refuses_any_doctype(client, clinic, sample_xml, doctype):
    declaration, rest = sample_xml.split(b"\n", 1)
    data = declaration + b"\n" + doctype.encode() + b"\n" + rest

    response = client.post(IMPORT_URL, data, content_type="application/xml")

    result = assert_xml_error(response, 400, code="doctype")
    error = result.find("Error")
    assert (error.get("line"), error.get("element"), error.text) == (
        "3", "MediExchange", "a DOCTYPE is not allowed"
    )  # fmt: skip
    assert_nothing_stored(clinic)


def test_it_refuses_a_document_nested_too_deep(client, clinic):
    body = "<x>" * 5000 + "</x>" * 5000

    response = client.post(IMPORT_URL, document(body), content_type="application/xml")

    assert_xml_error(response, 400, code="not_well_formed")
    assert_nothing_stored(clinic)


def truncation_points(sample: bytes) -> dict[str, int]:
    inside_a_letter = sample.index("Кабинеты".encode()) + 1
    inside_a_tag = sample.index(b"<Schedules>") + 5
    return {
        "after-declaration": sample.index(b"\n") + 1,
        "inside-a-letter": inside_a_letter,
        "inside-a-tag": inside_a_tag,
        "before-the-end": len(sample) - len(b"</MediExchange>\n"),
    }


@pytest.mark.parametrize(
    "point", ["after-declaration", "inside-a-letter", "inside-a-tag", "before-the-end"]
)
def test_it_refuses_a_truncated_document_with_a_line(client, clinic, sample_xml, point):
    data = sample_xml[: truncation_points(sample_xml)[point]]

    response = client.post(IMPORT_URL, data, content_type="application/xml")

    result = assert_xml_error(response, 400, code="not_well_formed")
    lines = [int(error.get("line")) for error in result.iter("Error")]
    assert lines
    assert all(1 <= line <= data.count(b"\n") + 1 for line in lines)
    assert_nothing_stored(clinic)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "no_document"),  # the test client sends no Content-Type with no body
        (b"\x00\xff\xfe", "not_well_formed"),
        (b'{"ClientKey": "x"}', "not_well_formed"),
        (b"<html><body>hi</body></html>", "wrong_root"),
        (b"<a><b></a>", "wrong_root"),
    ],
    ids=["empty", "binary", "json", "html", "mismatched"],
)
def test_it_refuses_what_is_not_a_mediexchange_document(client, clinic, body, code):
    response = client.post(IMPORT_URL, body, content_type="application/xml")

    assert_xml_error(response, 400, code=code)
    assert_nothing_stored(clinic)
    assert not ImportRecord.objects.exists()


# --- Size limit -----------------------------------------------------------------------


def urlencoded(data: bytes) -> tuple[bytes, str]:
    return b"xml=" + quote_from_bytes(data, safe="").encode(), "application/x-www-form-urlencoded"


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = "xXxBoundaryxXx"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="xml"\r\n\r\n'.encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def raw(data: bytes) -> tuple[bytes, str]:
    return data, "application/xml"


ENCODERS = {"urlencoded": urlencoded, "multipart": multipart, "raw": raw}
SMALL_DOCUMENT = document(GROUP.format(name="Врач-кардиолог"))


@pytest.mark.parametrize("csrf", [False, True], ids=["client", "csrf-client"])
@pytest.mark.parametrize("transport", ENCODERS)
@pytest.mark.parametrize(("excess", "status"), [(0, 200), (1, 413)], ids=["at-limit", "over"])
def test_it_limits_the_body_size(settings, clinic, transport, csrf, excess, status):
    body, content_type = ENCODERS[transport](SMALL_DOCUMENT)
    settings.IMPORT_MAX_BYTES = len(body) - excess
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body) - excess

    response = Client(enforce_csrf_checks=csrf).post(IMPORT_URL, body, content_type=content_type)

    if status == 200:
        assert response.status_code == 200, response.content.decode()
        assert ResourceGroup.objects.get(clinic=clinic).name == "Врач-кардиолог"
    else:
        result = assert_xml_error(response, 413, code="too_large")
        assert result.findtext("Error") == (
            f"the body is larger than the limit of {len(body) - 1} bytes"
        )
        assert_nothing_stored(clinic)


def test_it_limits_a_multipart_file_too(settings, clinic):
    settings.IMPORT_MAX_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    upload = SimpleUploadedFile("export.xml", SMALL_DOCUMENT + b" " * 1000)

    response = Client(enforce_csrf_checks=True).post(IMPORT_URL, {"xml": upload})

    assert_xml_error(response, 413, code="too_large")
    assert_nothing_stored(clinic)


def test_it_answers_413_when_django_limit_is_lower(settings, client, clinic):
    # Django's own limit must not answer 400 in HTML when someone sets it lower.
    body, content_type = urlencoded(SMALL_DOCUMENT)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body) - 1

    response = client.post(IMPORT_URL, body, content_type=content_type)

    assert_xml_error(response, 413, code="too_large")
    assert_nothing_stored(clinic)


# --- Keys -----------------------------------------------------------------------------


def import_with_key(client, key: str | None):
    attribute = "" if key is None else f' ClientKey="{key}"'
    data = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<MediExchange{attribute}>\n'
        f"{GROUP.format(name='Врач')}\n</MediExchange>\n"
    ).encode()
    return client.post(IMPORT_URL, data, content_type="application/xml")


def export_with_key(client, key: str | None):
    params = {"start": "0"} if key is None else {"client_key": key, "start": "0"}
    return client.get(EXPORT_URL, params)


UNKNOWN_KEY = "0F0F0F0F-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("send", "root"),
    [(import_with_key, "ImportResult"), (export_with_key, "ExportError")],
    ids=["import", "export"],
)
@pytest.mark.parametrize("case", ["missing", "empty", "blank", "revoked", "inactive"])
def test_it_answers_every_bad_key_alike(client, clinic, send, root, case):
    reference = send(client, UNKNOWN_KEY)
    key = {"missing": None, "empty": "", "blank": "   "}.get(case, SAMPLE_KEY)
    if case == "revoked":
        clinic_revoke_key(clinic=clinic)
    if case == "inactive":
        Clinic.objects.filter(pk=clinic.pk).update(is_active=False)

    response = send(client, key)

    assert_xml_error(response, 403, root, code="bad_key")
    assert response.content == reference.content
    assert response.headers == reference.headers
    assert_nothing_stored(clinic)
    assert not ImportRecord.objects.exists()


def test_it_accepts_the_key_before_a_bad_key_case_is_made(client, clinic):
    # The cases above turn a working key into a refused one: it worked before.
    assert import_with_key(client, SAMPLE_KEY).status_code == 200
    assert export_with_key(client, SAMPLE_KEY).status_code == 200


# --- Methods and failures -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "allow", "root"),
    [
        ("get", IMPORT_URL, "POST", "ImportResult"),
        ("put", IMPORT_URL, "POST", "ImportResult"),
        ("delete", IMPORT_URL, "POST", "ImportResult"),
        ("head", IMPORT_URL, "POST", None),
        ("put", EXPORT_URL, "GET, HEAD, POST", "ExportError"),
        ("patch", EXPORT_URL, "GET, HEAD, POST", "ExportError"),
    ],
)
def test_it_answers_405_in_xml_with_allow(client, clinic, method, url, allow, root):
    response = getattr(client, method)(url)

    assert response.status_code == 405
    assert response["Allow"] == allow
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    if root is not None:
        assert_xml_error(response, 405, root, code="method")


def test_it_answers_500_in_xml_without_a_traceback(client, clinic, sample_xml, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret internals at /srv/portal/exchange/importing.py")

    monkeypatch.setattr("exchange.views.import_document", explode)

    response = client.post(IMPORT_URL, sample_xml, content_type="application/xml")

    result = assert_xml_error(response, 500, code="internal")
    assert result.findtext("Error") == "internal error; nothing was changed"
    for leak in (b"RuntimeError", b"secret", b"importing.py"):
        assert leak not in response.content
    assert ImportRecord.objects.get(clinic=clinic).outcome == ImportRecord.Outcome.FAILED
    assert_nothing_stored(clinic)


def test_it_answers_503_in_xml_when_the_database_fails(client, clinic, sample_xml, monkeypatch):
    def fail(**kwargs):
        raise OperationalError("could not connect to server: secret-host")

    monkeypatch.setattr("exchange.views.import_document", fail)

    response = client.post(IMPORT_URL, sample_xml, content_type="application/xml")

    result = assert_xml_error(response, 503, code="db_unavailable")
    assert b"secret-host" not in response.content
    assert "retry later" in result.findtext("Error")
    assert ImportRecord.objects.get(clinic=clinic).outcome == ImportRecord.Outcome.FAILED


def test_it_answers_500_in_xml_when_the_export_fails(client, clinic, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret export internals")
        yield  # a generator, like the real one: it fails once read

    monkeypatch.setattr("exchange.views.exported_orders", explode)

    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": "0"})

    assert_xml_error(response, 500, "ExportError", code="internal")
    assert b"secret" not in response.content


def test_it_answers_503_in_xml_when_the_export_query_fails(client, clinic):
    make_order(make_resource(clinic))
    with connection.cursor() as cursor:
        # Rolled back with the test's transaction.
        cursor.execute("ALTER TABLE exchange_order RENAME TO exchange_order_away")

    response = client.get(EXPORT_URL, {"client_key": SAMPLE_KEY, "start": "0"})

    result = assert_xml_error(response, 503, "ExportError", code="db_unavailable")
    assert "retry later" in result.text
