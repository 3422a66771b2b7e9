"""CSV output of BI views and reports, with bounded memory.

Format (RFC 4180): UTF-8 without BOM, comma separated, CRLF line ends, a header row of UPPER CASE column
names on every page, fields quoted only when they hold a comma, a quote or a line break (quotes doubled).
Cells are written by :func:`revrec.biviews.columns.cell`.

Pages are written to a spooled temporary file (in memory up to 1 MiB, then on disk) or to a gzip file on
disk, and streamed back in 64 KiB chunks; nothing ever holds a whole page, let alone a whole result.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import operator
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from revrec.biviews.cells import Cells, typed_cells
from revrec.biviews.views import Row

CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1 << 20
GZIP_LEVEL = 1


def write_cells(handle: IO[str], header: Sequence[str], cells: Iterable[Cells]) -> int:
    """Write the header and rows of cells to a text handle; the number of data rows."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(header)
    counter = itertools.count()
    # counted in C: zip stops on the end of ``cells`` without advancing ``counter``
    writer.writerows(map(_first, zip(cells, counter, strict=False)))
    return next(counter)


_first = operator.itemgetter(0)


def write_rows(handle: IO[str], header: Sequence[str], rows: Iterable[Row], projection: Sequence[int]) -> int:
    """Write the header and ``rows`` (Python values, projected) to a text handle; the number of data rows."""
    return write_cells(handle, header, typed_cells(rows, projection))


def spool_page(header: Sequence[str], cells: Iterable[Cells], *, gzipped: bool) -> tuple[IO[bytes], int]:
    """One page as CSV (or gzip-compressed CSV) in a spooled file, rewound; and its row count."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - caller closes
    raw: IO[bytes] = (
        gzip.GzipFile(fileobj=spool, mode="wb", compresslevel=GZIP_LEVEL)  # type: ignore[assignment]
        if gzipped
        else spool
    )
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    written = write_cells(text, header, cells)
    text.flush()
    text.detach()
    if gzipped:
        raw.close()  # writes the gzip trailer; the spool stays open
    spool.seek(0)
    return spool, written


def iter_file(handle: IO[bytes]) -> Iterator[bytes]:
    """The content of an open binary file in chunks; closes it at the end."""
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def iter_gunzip(handle: IO[bytes]) -> Iterator[bytes]:
    """The decompressed content of an open gzip file in chunks; closes it at the end."""
    with handle, gzip.GzipFile(fileobj=handle, mode="rb") as unzipped:
        while chunk := unzipped.read(CHUNK):
            yield chunk


class GzipPageWriter:
    """Writes cells as a sequence of gzip CSV page files ``page-000001.csv.gz`` ... of ``page_size`` rows.

    Each page is written under a temporary name and renamed when complete, so a page file that exists is
    whole; ``on_page(pages, rows, last)`` is called after each rename with the totals so far, and whether
    that page is the last (the writer reads one row ahead to know it).
    """

    def __init__(self, directory: Path, header: Sequence[str], page_size: int):
        self.directory = directory
        self.header = list(header)
        self.page_size = page_size
        self.pages = 0
        self.rows = 0

    def write(self, cells: Iterable[Cells], on_page: Callable[[int, int, bool], None]) -> None:
        remaining = iter(cells)
        first = next(remaining, None)
        while first is not None:
            part = page_path(self.directory, self.pages + 1).with_suffix(".part")
            with gzip.open(part, "wt", encoding="utf-8", newline="", compresslevel=GZIP_LEVEL) as handle:
                page = itertools.chain((first,), itertools.islice(remaining, self.page_size - 1))
                written = write_cells(handle, self.header, page)
            first = next(remaining, None)  # the next page's first row: None when this page is the last
            os.replace(part, page_path(self.directory, self.pages + 1))
            self.pages += 1
            self.rows += written
            on_page(self.pages, self.rows, first is None)


def page_path(directory: Path, number: int) -> Path:
    return directory / f"page-{number:06d}.csv.gz"
