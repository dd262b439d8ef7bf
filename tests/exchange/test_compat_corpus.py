"""Documents shaped like real MIS exports, each with the answer it must get.

`data/compat/<name>.xml` is posted as the body; `<name>.expected` holds the status line and
the answer. After a deliberate change of behaviour, `UPDATE_GOLDEN=1 pytest` rewrites the
expected files; the diff is then read like any other change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.exchange.conftest import IMPORT_URL

CORPUS = Path(__file__).parent / "data" / "compat"
DOCUMENTS = sorted(CORPUS.glob("*.xml"))


def test_the_corpus_is_large_enough():
    assert len(DOCUMENTS) >= 10


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.stem)
def test_it_answers_each_mis_document_as_expected(client, clinic, path):
    response = client.post(IMPORT_URL, path.read_bytes(), content_type="application/xml")

    answer = f"HTTP {response.status_code}\n{response.content.decode()}"
    expected = path.with_suffix(".expected")
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(answer, encoding="utf-8")
    assert answer == expected.read_text(encoding="utf-8")
