"""The console's report pages: the standard report generators (``reports.standard``) run synchronously for
display, with their rows streamed — the page keeps the first rows and the per-period totals only (bounded
memory), the CSV download streams every row.  Filters the generators take (periods, org) go to SQL; the
book, first-period, item, SO and customer filters are applied to the streamed rows (the generators have no
such parameter yet)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection

from revrec.console import charts
from revrec.console import repository as repo
from revrec.errors import InvalidInput
from revrec.reports import periods
from revrec.reports.registry import ReportGenerator
from revrec.reports.standard import ROLLFORWARD, WATERFALL
from revrec.transfer.service import period_key

REPORTS: dict[str, ReportGenerator] = {WATERFALL.key: WATERFALL, ROLLFORWARD.key: ROLLFORWARD}
SHOWN = 500
#: A page reads at most this many rows of a report (its chart needs them all); larger: run in background.
PAGE_LIMIT = 5_000
DEFAULT = WATERFALL.key


@dataclass(frozen=True)
class ReportQuery:
    report: str = WATERFALL.key
    from_period: str = ""
    to_period: str = ""
    org_id: str = ""
    item_num: str = ""
    so_num: str = ""
    cust_num: str = ""
    book_id: str = ""

    def link(self) -> str:
        """This report's criteria as a query string (the CSV link and the pages keep every filter)."""
        return urlencode({k: v for k, v in asdict(self).items() if v})

    def generator(self) -> ReportGenerator:
        if self.report not in REPORTS:
            raise InvalidInput(f"Unknown report {self.report!r}; choose one of {', '.join(REPORTS)}")
        return REPORTS[self.report]

    def params(self) -> dict[str, str]:
        if self.report == WATERFALL.key:
            return {periods.AS_OF: self.to_period, periods.ORG: self.org_id}
        return {periods.FROM: self.from_period, periods.TO: self.to_period, periods.ORG: self.org_id}


@dataclass
class ReportView:
    columns: tuple[str, ...]
    resolved: dict[str, str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    chart: str = ""
    truncated: bool = False


def _row_filters(conn: Connection, client_id: int, q: ReportQuery, columns: tuple[str, ...]) -> list[Any]:
    """Predicates on the report's rows for the filters its generator has no parameter for: book, the
    waterfall's first period, SO number and item (on the waterfall's lines; on the roll-forward, the contracts
    having such a line) and customer number (the contracts with a line of that customer)."""
    at = columns.index
    tests: list[Any] = []
    if q.book_id:
        if not q.book_id.isdigit():
            raise InvalidInput(f"The book is a number (BOOK_ID); {q.book_id!r} is not one")
        book, column = int(q.book_id), at("BOOK_ID")
        tests.append(lambda r: r[column] == book)
    waterfall = q.report == WATERFALL.key
    if waterfall and q.from_period:
        first, prd = period_key(q.from_period), at("PRD_ID")
        tests.append(lambda r: r[prd] >= first)
    line_terms = {"item_num": q.item_num, "so_num": q.so_num} if not waterfall else {}
    if waterfall:
        for name, value in (("ITEM_NUM", q.item_num), ("SO_NUM", q.so_num)):
            if value:
                tests.append(lambda r, i=at(name), v=value: r[i] == v)
    if q.cust_num:
        line_terms["cust_num"] = q.cust_num
    wanted = {k: v for k, v in line_terms.items() if v}
    if wanted:
        contracts = repo.contracts_with(conn, client_id, **wanted)
        rc = at("RC_ID")
        tests.append(lambda r: r[rc] in contracts)
    return tests


def check_filters(conn: Connection, client_id: int, q: ReportQuery, columns: tuple[str, ...]) -> None:
    """InvalidInput when a filter is malformed (before a background run is queued)."""
    _row_filters(conn, client_id, q, columns)


def description(generator: ReportGenerator, resolved: dict[str, str], q: ReportQuery) -> str:
    """The report's description with its parameters and the console filters it was run with."""
    filters = {"book": q.book_id, "customer": q.cust_num, "item": q.item_num, "SO": q.so_num}
    if q.report == WATERFALL.key:
        filters["from period"] = q.from_period
    shown = ", ".join(f"{k} {v}" for k, v in filters.items() if v)
    return generator.description(resolved) + (f"; filtered by {shown}" if shown else "")


def rows(
    conn: Connection, client_id: int, q: ReportQuery
) -> tuple[ReportGenerator, dict[str, str], Iterator[Any]]:
    """The report's resolved parameters and its rows, filtered as asked (see :func:`_row_filters`)."""
    generator = q.generator()
    resolved = generator.resolve(conn, client_id, q.params())
    tests = _row_filters(conn, client_id, q, generator.columns)
    found: Iterable[Any] = generator.rows(conn, client_id, resolved)
    if tests:
        found = (r for r in found if all(test(r) for test in tests))
    return generator, resolved, iter(found)


def _key_and_amounts(generator: ReportGenerator, row: Any) -> list[tuple[str, Decimal]]:
    """What a row adds to the chart, in reporting currency: net revenue per period, or the four measures."""
    cols = generator.columns
    if generator is WATERFALL:
        return [(str(row[cols.index("PRD_ID")]), row[cols.index("R_NET_AMT")])]
    return [(m.title(), row[cols.index(f"R_{m}")]) for m in ("OPENING", "ADDITIONS", "RELEASES", "CLOSING")]


def view(conn: Connection, client_id: int, q: ReportQuery) -> ReportView:
    """The first SHOWN rows and the chart of the totals; a report of more than PAGE_LIMIT rows is not
    read further (``truncated``: no chart, run it in the background for all of it)."""
    generator, resolved, found = rows(conn, client_id, q)
    shown = ReportView(generator.columns, resolved)
    for row in found:
        shown.count += 1
        if shown.count > PAGE_LIMIT:
            shown.truncated = True
            break
        if len(shown.rows) < SHOWN:
            shown.rows.append(tuple(row))
        for key, amount in _key_and_amounts(generator, row):
            shown.totals[key] = shown.totals.get(key, Decimal(0)) + amount
    if shown.truncated:
        return shown
    labels = sorted(shown.totals) if generator is WATERFALL else list(shown.totals)
    title = f"{generator.rep_name} ({', '.join(f'{k}={v}' for k, v in sorted(resolved.items()))})"
    shown.chart = charts.bar_chart(title, labels, [shown.totals[k] for k in labels])
    return shown


def csv_chunks(columns: tuple[str, ...], found: Iterator[Any], batch: int = 1000) -> Iterator[str]:
    """The CSV text of ``found`` in chunks of ``batch`` rows (streamed to the client)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for n, row in enumerate(found, 1):
        writer.writerow(["" if v is None else v for v in row])
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
