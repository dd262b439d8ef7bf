"""The integrators' test console: an import document checked as import.php would, written nowhere.

It answers what `import.php?dry_run=1` answers for the same document (the same XML and status),
without a journal entry: nothing about the console's use is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange import protocol
from exchange.errors import Forbidden
from exchange.importing import import_document
from exchange.keys import clinic_for_key, normalize_key


@dataclass(frozen=True, slots=True)
class ConsoleAnswer:
    status: int
    xml: bytes

    @property
    def text(self) -> str:
        return self.xml.decode()


class KeyMismatch(ValueError):
    """The document names another client key than the one given to the console."""


def console_dry_run(*, client_key: str, data: bytes, encoding: str | None) -> ConsoleAnswer:
    """The dry-run answer to `data` (bytes; `encoding` overrides its declaration, as a form's
    text field does) for the clinic of `client_key`.

    The key given to the console must be the one the document carries: import.php reads the
    document's `ClientKey`, so a document with another key would get another answer there.
    """
    clinic = clinic_for_key(client_key)
    if clinic is None:
        return ConsoleAnswer(Forbidden.status, protocol.render_import_errors(Forbidden().problems))
    document = protocol.parse_document(data, encoding=encoding)
    if document.client_key is not None and (
        normalize_key(document.client_key) != normalize_key(client_key)
    ):
        raise KeyMismatch
    if document.errors:
        return ConsoleAnswer(400, protocol.render_import_errors(document.errors))
    summary = import_document(clinic=clinic, document=document, dry_run=True)
    result = protocol.render_import_result(
        dry_run=summary.dry_run,
        sections=summary.sections(),
        warnings=summary.warnings,
        conflicts=summary.conflicts,
    )
    return ConsoleAnswer(200, result)
