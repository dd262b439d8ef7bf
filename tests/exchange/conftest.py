from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from lxml import etree

from tests.conftest import SAMPLE_KEY

IMPORT_URL = "/services/import.php"
EXPORT_URL = "/services/export.php"


def document(body: str, key: str = SAMPLE_KEY) -> bytes:
    """A MediExchange document around `body`, as UTF-8 bytes."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<MediExchange ClientKey="{key}">\n{body}\n</MediExchange>\n'
    ).encode()


@pytest.fixture
def post_xml(client: Client) -> Callable:
    """Posts a document as the raw body; returns (response, parsed XML root)."""

    def post(data: bytes, query: str = ""):
        response = client.post(IMPORT_URL + query, data=data, content_type="application/xml")
        return response, etree.fromstring(response.content)

    return post


def imported(post_xml: Callable, body: str) -> etree._Element:
    """Imports a document around `body` that must apply cleanly; returns `<ImportResult>`."""
    response, result = post_xml(document(body))
    assert response.status_code == 200, response.content
    assert (result.get("status"), result.find("Warning")) == ("ok", None), response.content
    return result
