"""The integrators' page at /services/: the guide in Russian and English, and its test console."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import html

import exchange
from exchange.models import ImportRecord, Order, OrderEvent
from exchange.orders import OrderChangeRefused
from tests.conftest import OTHER_KEY, SAMPLE_KEY
from tests.factories import make_order, make_resource

PAGE = "/services/"
EXAMPLES = Path(__file__).parents[2] / "templates" / "exchange" / "includes" / "examples"
# Codes no MIS can meet: a patient's own refusal.
PATIENTS_ONLY_CODES = {"not_cancellable"}


def every_row() -> dict[str, list]:
    """Every row of every table the portal has, to prove that nothing was written."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in apps.get_models()
    }


def console(client: Client, *, key: str = SAMPLE_KEY, url: str = PAGE, **fields):
    return client.post(url, {"client_key": key, **fields})


def answer(response) -> tuple[str, str]:
    """The console's answer: its status line and its XML."""
    tree = html.fromstring(response.content.decode())
    status = tree.xpath("normalize-space(//p[@class='console__status'])")
    return status, tree.xpath("string(//section[@id='console']//pre/code)")


def form_errors(response) -> list[str]:
    """The console's refusals: the form's own errors and its fields'."""
    tree = html.fromstring(response.content.decode())
    found = tree.xpath("//ul[@class='alert__list']/li | //ul[@class='errorlist']/li")
    found += tree.xpath("//p[@class='console__refusal']")
    return [" ".join(e.text_content().split()) for e in found]


def test_it_describes_the_exchange_in_russian(client):
    response = client.get(PAGE)
    tree = html.fromstring(response.content.decode())

    assert response.status_code == 200
    assert tree.get("lang") == "ru"
    assert tree.findtext(".//h1") == "Обмен с МИС: руководство для интеграторов"
    headings = [h.text_content() for h in tree.xpath("//section/h2")]
    assert headings[:3] == ["Ключ клиента", "Адреса и ответы", "Загрузка: import.php"]
    assert "Тестовая консоль" in headings
    assert "http://testserver/services/import.php" in response.content.decode()
    assert tree.xpath("//a[@hreflang='en']/@href") == ["/services/en/"]


def test_it_describes_the_exchange_in_english(client):
    response = client.get(PAGE + "en/")
    tree = html.fromstring(response.content.decode())

    assert tree.get("lang") == "en"
    assert tree.findtext(".//h1") == "The MIS exchange: a guide for integrators"
    headings = [h.text_content() for h in tree.xpath("//section/h2")]
    assert headings[:3] == ["The client key", "Addresses and answers", "Import: import.php"]
    assert "Test console" in headings
    assert "Ключ клиента" not in response.content.decode()


def codes_in_the_code() -> set[str]:
    """Every `code` a warning, conflict or error can carry, as the exchange package sets them."""
    source = "\n".join(p.read_text() for p in Path(exchange.__file__).parent.rglob("*.py"))
    # Codes are lower-case words joined by underscores. The pattern says so, because under
    # `make mutate` the package read here is mutmut's copy, which holds every mutant of a
    # function beside the original (`code="XXdoctypeXX"`, `code="DOCTYPE"`).
    codes = set(re.findall(r'\bcode\s*=\s*"([a-z_]+)"', source))
    refusals = [OrderChangeRefused]
    while refusals:
        refusal = refusals.pop()
        # The apps built on the exchange have refusals of their own, which no MIS meets.
        if refusal.__module__.startswith("exchange."):
            codes.add(refusal.code)
        refusals.extend(refusal.__subclasses__())
    return codes - PATIENTS_ONLY_CODES


@pytest.mark.parametrize("url", [PAGE, PAGE + "en/"])
def test_it_lists_every_code_an_mis_can_meet(client, url):
    tree = html.fromstring(client.get(url).content.decode())
    listed = {code.text for code in tree.xpath("//section[@id='answers']//tbody/tr/td[1]/code")}

    assert listed == codes_in_the_code()


def test_its_example_document_gets_its_example_answer(client, clinic):
    document = (EXAMPLES / "document.xml").read_bytes()
    expected = (EXAMPLES / "result_ok.xml").read_text()

    response = client.post(
        "/services/import.php?dry_run=1", data=document, content_type="application/xml"
    )

    assert response.content.decode() == expected.replace('status="ok"', 'status="ok" dry_run="1"')


def test_the_console_answers_as_the_endpoints_dry_run_and_writes_nothing(
    client, clinic, sample_xml
):
    endpoint = client.post(
        "/services/import.php?dry_run=1", data=sample_xml, content_type="application/xml"
    )
    ImportRecord.objects.all().delete()
    before = every_row()

    response = console(client, text=sample_xml.decode())

    assert answer(response) == ("HTTP 200", endpoint.content.decode())
    assert '<ImportResult status="ok" dry_run="1">' in answer(response)[1]
    assert every_row() == before
    assert not ImportRecord.objects.exists()


def test_the_console_reads_an_uploaded_file_in_its_own_encoding(client, clinic, sample_xml):
    windows_1251 = (
        sample_xml.decode().replace('encoding="utf-8"', 'encoding="windows-1251"').encode("cp1251")
    )
    before = every_row()

    response = console(client, upload=SimpleUploadedFile("export.xml", windows_1251))

    status, xml = answer(response)
    assert status == "HTTP 200"
    assert '<Resources total="70" created="70" updated="0" retired="0"/>' in xml
    assert every_row() == before


def test_the_console_applies_no_order_decision(client, clinic):
    order = make_order(make_resource(clinic))
    document = (
        f'<MediExchange ClientKey="{SAMPLE_KEY}"><Orders>'
        f'<o id="{order.pk}" status="1"/></Orders></MediExchange>'
    )
    before = every_row()

    status, xml = answer(console(client, text=document))

    assert status == "HTTP 200"
    assert '<Orders updated="1" conflicts="0"/>' in xml
    assert every_row() == before
    assert Order.objects.get(pk=order.pk).status == Order.Status.RECEIVED
    assert not OrderEvent.objects.exists()


def test_the_console_answers_a_wrong_key_as_the_endpoint_does(client, clinic, sample_xml):
    wrong_key = "00000000-0000-4000-8000-000000000000"
    document = sample_xml.replace(SAMPLE_KEY.encode(), wrong_key.encode())
    endpoint = client.post("/services/import.php", data=document, content_type="application/xml")

    response = console(client, key=wrong_key, text=document.decode())

    assert answer(response) == ("HTTP 403", endpoint.content.decode())
    assert endpoint.status_code == 403
    assert not ImportRecord.objects.exists()


def test_the_console_lists_a_documents_errors(client, clinic):
    document = f'<MediExchange ClientKey="{SAMPLE_KEY}"><Schedules><s date="x"'

    status, xml = answer(console(client, text=document))

    assert status == "HTTP 400"
    assert '<ImportResult status="error">' in xml


def test_the_console_wants_the_documents_own_key(client, clinic, other_clinic, sample_xml):
    response = console(client, key=OTHER_KEY, text=sample_xml.decode())

    assert answer(response) == ("", "")
    assert form_errors(response) == [
        "В атрибуте ClientKey документа другой ключ, а import.php проверяет именно его."
    ]


def test_the_console_wants_a_document(client, clinic):
    response = console(client, text="  ")

    assert "Вставьте документ или выберите файл." in form_errors(response)


def test_the_console_refuses_a_post_without_csrf(clinic, sample_xml):
    browser = Client(enforce_csrf_checks=True)

    response = console(browser, text=sample_xml.decode())

    assert response.status_code == 403
    assert answer(response) == ("", "")


def test_the_console_refuses_a_document_over_its_limit(client, clinic, sample_xml, settings):
    settings.CONSOLE_MAX_BYTES = 10 * 1024
    assert len(sample_xml) > settings.CONSOLE_MAX_BYTES

    response = console(client, upload=SimpleUploadedFile("export.xml", sample_xml))

    assert answer(response) == ("", "")
    assert form_errors(response) == [
        "Документ больше 10,0 КБ — это предел для консоли. Проверьте здесь его часть или "
        "отправьте документ целиком в import.php с dry_run=1."
    ]


def test_the_console_refuses_a_body_far_over_its_limit_unread(client, clinic, settings):
    settings.CONSOLE_MAX_BYTES = 1000

    response = console(client, text="x" * 200_000)

    assert response.status_code == 413
    assert answer(response) == ("", "")
    assert "Документ больше 1000 байт — это предел для консоли." in form_errors(response)[0]


def test_the_english_console_speaks_english(client, clinic):
    response = console(client, url=PAGE + "en/", text=" ")

    assert "Paste a document or choose a file." in form_errors(response)
