"""Reading an upload: UTF-8 text lines from byte chunks, shared between the record loop and ``csv.reader``.

Lines keep their endings and are split on ``\\n`` only (a lone ``\\r`` stays inside its line, for the CSV
reader to judge); a UTF-8 BOM at the start is dropped; the first line that is not UTF-8 raises
:class:`InvalidUtf8` naming its row, after every line before it was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from revrec.inbound.codes import message
from revrec.inbound.problems import RowError

_UTF8_BOM: Final = b"\xef\xbb\xbf"


class InvalidUtf8(ValueError):
    """Raised by :func:`decode_lines` at the first line that is not UTF-8; ``error`` is its RowError."""

    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _decode(raw: bytes, row: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.end]
        raise InvalidUtf8(RowError(row, None, repr(bad), "RREV-03001", message("RREV-03001"))) from None


def decode_lines(byte_chunks: Iterable[bytes]) -> Iterator[str]:
    """Decode UTF-8 byte chunks into text lines (endings kept, BOM dropped); InvalidUtf8 on bad bytes."""
    parts: list[bytes] = []
    row = 0
    for chunk in byte_chunks:
        start = 0
        while (nl := chunk.find(b"\n", start)) >= 0:
            piece = chunk[start : nl + 1]
            if parts:
                parts.append(piece)
                piece, parts = b"".join(parts), []
            row += 1
            if row == 1 and piece.startswith(_UTF8_BOM):
                piece = piece[3:]
            yield _decode(piece, row)
            start = nl + 1
        if start < len(chunk):
            parts.append(chunk[start:])
    if parts:
        piece = b"".join(parts)
        row += 1
        yield _decode(piece[3:] if row == 1 and piece.startswith(_UTF8_BOM) else piece, row)


class Feed:
    """The lines of an upload, shared by the record loop and ``csv.reader``: ``again`` is read first."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.again: str | None = None

    def __iter__(self) -> Feed:
        return self

    def __next__(self) -> str:
        line = self.again
        if line is None:
            return next(self.lines)
        self.again = None
        return line
