"""The hostile cases, replayed over real HTTP against the live test server."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from lxml import etree

from tests.conftest import SAMPLE_KEY


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    seconds: float

    def xml(self) -> etree._Element:
        return etree.fromstring(self.body)


def send(url: str, data: bytes | None = None, *, method: str | None = None, headers=None) -> Answer:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            status, content_type = response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        body = error.read()
        status, content_type = error.code, error.headers.get("Content-Type", "")
    return Answer(status, content_type, body, time.perf_counter() - started)


@pytest.fixture
def portal(live_server, clinic):
    """Sends to the live server; `portal.post_xml(body)` posts an import document."""

    class Portal:
        url = live_server.url

        def get(self, path: str, **kwargs) -> Answer:
            return send(self.url + path, **kwargs)

        def post_xml(self, data: bytes) -> Answer:
            headers = {"Content-Type": "application/xml"}
            return send(self.url + "/services/import.php", data, headers=headers)

        def export(self, start: int = 0) -> Answer:
            return self.get(f"/services/export.php?client_key={SAMPLE_KEY}&start={start}")

    return Portal()
