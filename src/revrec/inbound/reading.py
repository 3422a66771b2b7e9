"""Reading an upload: UTF-8 text lines from byte chunks, shared between the record loop and ``csv.reader``.

Lines keep their endings and are split on ``\\n`` only (a lone ``\\r`` stays inside its line, for the CSV
reader to judge); a UTF-8 BOM at the start is dropped. Reading stops with a :class:`StopReading` naming its
row at the first line that is not UTF-8 (:class:`InvalidUtf8`), after every line before it was read, or
that is longer than the line limit (:class:`LineTooLong`), before more than the limit of it is held: memory
stays bounded whatever the body (a 60 MB body without a newline is never joined).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from revrec.inbound.codes import message
from revrec.inbound.problems import RowError

_UTF8_BOM: Final = b"\xef\xbb\xbf"


class StopReading(ValueError):
    """Raised by :func:`decode_lines` at a line it cannot give; ``error`` is its RowError."""

    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


class InvalidUtf8(StopReading):
    """The line is not UTF-8."""


class LineTooLong(StopReading):
    """The line is longer than the limit."""


class RecordTooLong(ValueError):
    """Raised by :class:`Feed` when one record's lines exceed its limit (the reader names the row)."""


def _decode(raw: bytes, row: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.end]
        raise InvalidUtf8(RowError(row, None, repr(bad), "RREV-03001", message("RREV-03001"))) from None


def _too_long(row: int, limit: int) -> LineTooLong:
    return LineTooLong(RowError(row, None, None, "RREV-03015", message("RREV-03015", limit=limit)))


def decode_lines(byte_chunks: Iterable[bytes], max_line: int | None = None) -> Iterator[str]:
    """Decode UTF-8 byte chunks into text lines (endings kept, BOM dropped).

    InvalidUtf8 on bad bytes; LineTooLong at a line of more than ``max_line`` bytes (its end included),
    before more of it is held.
    """
    limit = max_line if max_line is not None else -1
    parts: list[bytes] = []
    held = 0  # bytes of the line in ``parts``
    row = 0
    for chunk in byte_chunks:
        start = 0
        while (nl := chunk.find(b"\n", start)) >= 0:
            piece = chunk[start : nl + 1]
            if parts:
                parts.append(piece)
                piece, parts, held = b"".join(parts), [], 0
            row += 1
            if row == 1 and piece.startswith(_UTF8_BOM):
                piece = piece[3:]
            if 0 <= limit < len(piece):
                raise _too_long(row, limit)
            yield _decode(piece, row)
            start = nl + 1
        if start < len(chunk):
            parts.append(chunk[start:])
            held += len(chunk) - start
            if 0 <= limit < held:
                raise _too_long(row + 1, limit)
    if parts:
        piece = b"".join(parts)
        row += 1
        piece = piece[3:] if row == 1 and piece.startswith(_UTF8_BOM) else piece
        if 0 <= limit < len(piece):
            raise _too_long(row, limit)
        yield _decode(piece, row)


class Feed:
    """The lines of an upload, shared by the record loop and ``csv.reader``: ``again`` is read first.

    ``used`` counts the characters read since the caller last reset it (at each record's start); a line
    that takes it over ``limit`` raises :class:`RecordTooLong` (a quoted cell may span many lines).
    """

    def __init__(self, lines: Iterator[str], limit: int) -> None:
        self.lines = lines
        self.limit = limit
        self.used = 0
        self.again: str | None = None

    def __iter__(self) -> Feed:
        return self

    def __next__(self) -> str:
        line = self.again
        if line is None:
            line = next(self.lines)
            self.used += len(line)
            if self.used > self.limit:
                raise RecordTooLong
            return line
        self.again = None
        return line
