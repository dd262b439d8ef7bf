"""A document's bytes before they are XML: which encoding to read them in, and on which
line each start tag begins."""

from __future__ import annotations

import codecs
import re
from itertools import islice

GUESSED_ENCODING = "windows-1251"
_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?\sencoding\s*=", re.ASCII)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# A start tag begins with `<` and a name. Character data and attribute values cannot hold a
# raw `<`, so outside comments, CDATA sections, processing instructions and a DOCTYPE
# (the "hidden" stretches below) every such `<` is one.
_START_TAG = re.compile(rb"<(?![/!?])")
_HIDDEN = re.compile(rb"<!--|<!\[CDATA\[|<\?|<!DOCTYPE")
_HIDDEN_ENDS = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
# An internal subset holds `>` of its own: it ends with `]` and then `>`.
_DOCTYPE_REST = re.compile(rb"[^\[>]*(?:\[.*?\]\s*)?>", re.DOTALL)
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\0<", b"<\0")


def choose_encoding(data: bytes, encoding: str | None) -> tuple[str | None, bool]:
    """(the encoding to read `data` in, None to trust the document; whether it is a guess).

    Older Delphi and 1C exporters write windows-1251 without a declaration: bytes that name
    no encoding and are not UTF-8 are read as windows-1251 (Cyrillic in windows-1251 is
    practically never valid UTF-8, so a UTF-8 document is never misread).
    """
    if encoding is not None or data.startswith(_BOMS) or data[:2] in (b"\0<", b"<\0"):
        return encoding, False
    if _DECLARED_ENCODING.match(data, 0, 1024):
        return None, False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # In slices, so that a large document is never held twice as text.
        for offset in range(0, len(data), 1 << 20):
            decoder.decode(data[offset : offset + (1 << 20)])
    except UnicodeDecodeError:
        return GUESSED_ENCODING, True
    return None, False


class SourceLines:
    """The line where the n-th start tag of a document begins.

    libxml2 gives an element the line where its start tag *ends* (MIS documents wrap long
    tags, and an integrator looks for where the element begins), and none past 65 535 once
    the tree is cleared as it is read. The parser counts start tags as it meets them and asks
    here, in increasing order: one forward pass over the bytes, done by `bytes.count` and the
    regex engine, so its cost does not depend on how the document is laid out.
    """

    FIRST_WINDOW = 256
    LAST_WINDOW = 1 << 20

    def __init__(self, data: bytes) -> None:
        # UTF-16 is not ASCII-compatible: its tags are not found in the bytes, and libxml2's
        # lines are used as they are.
        self.data = b"" if data.startswith(_UTF16) else data
        self.rank = 0  # start tags passed
        self.position = 0  # just past the `<` of the last one passed
        self.line = 1  # the line of `position`
        self.hidden = self._next_hidden(0)

    def line_of(self, rank: int) -> int | None:
        """The line where the `rank`-th start tag (from 1) begins; None for one passed."""
        if rank == self.rank:
            return self.line
        if rank < self.rank:
            return None
        data, wanted, window = self.data, rank - self.rank, self.FIRST_WINDOW
        if wanted == 1:
            # Mostly the very next start tag: one search finds it.
            match = _START_TAG.search(data, self.position, self.hidden[0])
            if match is not None:
                self.line += data.count(b"\n", self.position, match.start())
                self.position, self.rank = match.end(), rank
                return self.line
        while self.position < len(data):
            hidden_at, hidden_end = self.hidden
            end = min(hidden_at, self.position + window)
            if end < hidden_at:
                # Cut before a `<`, so that no `</`, `<!` or `<?` is split in two.
                cut = data.find(b"<", end, hidden_at)
                end = hidden_at if cut < 0 else cut
            count = self._start_tags(self.position, end)
            if count >= wanted:
                tags = _START_TAG.finditer(data, self.position, end)
                match = next(islice(tags, wanted - 1, None))
                self.line += data.count(b"\n", self.position, match.start())
                self.position, self.rank = match.end(), rank
                return self.line
            wanted -= count
            self.rank += count
            self.line += data.count(b"\n", self.position, end)
            self.position = end
            if end == hidden_at:
                self.line += data.count(b"\n", hidden_at, hidden_end)
                self.position = hidden_end
                self.hidden = self._next_hidden(hidden_end)
            window = min(window * 2, self.LAST_WINDOW)
        return None

    def _start_tags(self, start: int, end: int) -> int:
        # Outside the hidden stretches a `<` begins a start or an end tag: every `<?` begins
        # a hidden stretch, and any other `<!` breaks the document there, before the parser
        # asks for a tag after it.
        return self.data.count(b"<", start, end) - self.data.count(b"</", start, end)

    def _next_hidden(self, start: int) -> tuple[int, int]:
        """Where the next comment, CDATA section, PI or DOCTYPE begins and ends."""
        data = self.data
        match = _HIDDEN.search(data, start)
        if match is None:
            return len(data), len(data)
        opening = match.group()
        if opening == b"<!DOCTYPE":
            rest = _DOCTYPE_REST.match(data, match.end())
            end = -1 if rest is None else rest.end()
        else:
            closing = data.find(_HIDDEN_ENDS[opening], match.end())
            end = -1 if closing < 0 else closing + len(_HIDDEN_ENDS[opening])
        return match.start(), len(data) if end < 0 else end
