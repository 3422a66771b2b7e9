"""The standard accounting reports (domain §12): revenue waterfall, deferred revenue roll-forward, contract
detail and journal entries. Columns, parameters and how each ties to the journal: docs/outbound.md.

Every report is one select (revrec.reports.schedules, :func:`journal_select`) streamed from the caller's
read transaction with a server-side cursor (``yield_per``), so memory is bounded by a batch of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, case, literal, select

from revrec.biviews.contracts import _period_name, decimal_amount
from revrec.biviews.reference_data import _ACCOUNT_TYPES
from revrec.biviews.views import Row
from revrec.db.tables import journal_entry
from revrec.engine.money import quantize
from revrec.reports import mje_rollforward, periods, schedules
from revrec.reports.periods import AS_OF, FROM, ORG, TO, Span
from revrec.reports.registry import Params, ReportGenerator

STREAM_BATCH = 500


def stream(conn: Connection, query: Select[Any]) -> Iterator[Row]:
    """The rows of ``query``, streamed (server-side cursor on PostgreSQL)."""
    result = conn.execute(query.execution_options(yield_per=STREAM_BATCH))
    try:
        for row in result:
            yield tuple(row)
    finally:
        result.close()


def _rows(build: Callable[[int, Span], Select[Any]]) -> Callable[[Connection, int, Params], Iterator[Row]]:
    def rows(conn: Connection, client_id: int, params: Params) -> Iterator[Row]:
        return stream(conn, build(client_id, periods.span(conn, client_id, params)))

    return rows


# --- contract detail: DEF_AMT and BLD_DEF_AMT from the selected figures ----------------------------------


def _money(value: Decimal | None, currency: str) -> Decimal | None:
    """``value`` written with its currency's decimals when that is exact (``1125.00``, not ``1125.000000``);
    as stored otherwise (never rounded)."""
    if value is None:
        return None
    exact = quantize(value, currency)
    return exact if exact == value else value


def _detail_rows(conn: Connection, client_id: int, params: Params) -> Iterator[Row]:
    for row in stream(conn, schedules.detail_select(client_id, periods.span(conn, client_id, params))):
        values: tuple[Any, ...] = tuple(row)
        *head, currency, sell, ssp, allocatable, allocated, carve, recognised, billed = values
        amounts = [_money(v, currency) for v in (sell, ssp, allocatable, allocated, carve)]
        yield (*head, currency, *amounts, recognised, _money(allocated - recognised, currency), billed,
               billed - recognised)  # fmt: skip


# --- journal entries --------------------------------------------------------------------------------------

JOURNAL_COLUMNS = (
    "PRD_ID", "PERIOD_NAME", "BOOK_ID", "ORG_ID", "RC_ID", "ACCTG_TYPE", "ACCOUNT_NAME", "ACCTG_SEG",
    "CURR", "DR_AMOUNT", "CR_AMOUNT", "F_CUR", "F_DR_AMOUNT", "F_CR_AMOUNT", "R_CUR", "R_DR_AMOUNT",
    "R_CR_AMOUNT", "POSTED_FLAG", "POST_BATCH_ID", "JE_ID", "MJE_ID",
)  # fmt: skip
ACCOUNT_NAMES = {str(head[0]): str(head[1]) for head, _ in _ACCOUNT_TYPES}


def journal_select(client_id: int, span: Span) -> Select[Any]:
    """The stored journal entry lines of FROM..TO (summarised per contract, account type and string)."""
    j = journal_entry.c
    amounts: list[Any] = []
    for x, currency in (("t", j.curr), ("f", j.f_cur), ("r", j.r_cur)):
        amounts += [currency, decimal_amount(j[f"dr_{x}"], currency), decimal_amount(j[f"cr_{x}"], currency)]
    where = [j.client_id == client_id, j.period_key >= span.first_key, j.period_key <= span.last_key]
    if span.org_id is not None:
        where.append(j.org_id == span.org_id)
    return (
        select(
            j.period_key,
            _period_name(j.period_key),
            j.book_id,
            j.org_id,
            j.rc_id,
            j.acctg_type,
            case(ACCOUNT_NAMES, value=j.acctg_type, else_=literal("")),
            j.acctg_seg,
            *amounts,
            j.posted_flag,
            j.post_batch_id,
            j.id,
            j.mje_id,  # a manual journal entry's row (RC_ID empty); revrec.mje
        )  # fmt: skip
        .where(*where)
        .order_by(j.period_key, j.book_id, j.org_id, j.rc_id, j.acctg_type, j.acctg_seg, j.id)
    )


def _rollforward_rows(conn: Connection, client_id: int, params: Params) -> Iterator[Row]:
    """The contracts' rows (MJE_ID empty), then the manual journal entries' (reports.mje_rollforward; their
    variable consideration columns are empty: an MJE books no VC schedule)."""
    span = periods.span(conn, client_id, params)
    for row in stream(conn, schedules.rollforward_select(client_id, span)):
        yield (*row, None)
    vc_gap = (None,) * (len(schedules.ROLLFORWARD_COLUMNS) - mje_rollforward.CONTRACT_COLUMN_COUNT)
    for row in stream(conn, mje_rollforward.rollforward_select(client_id, span)):
        yield (*row[:-1], *vc_gap, row[-1])


# --- the generators ---------------------------------------------------------------------------------------


def _generator(
    key: str, names: tuple[str, str, str], rep_desc: str, columns: tuple[str, ...],
    rows: Callable[[Connection, int, Params], Iterator[Row]], *, as_of: bool,
) -> ReportGenerator:  # fmt: skip
    """A report as of one period (AS_OF_PERIOD) or over a range (FROM_PERIOD..TO_PERIOD), with ORG_ID;
    ``names`` = (rep_name, category, layout_name)."""
    parameters, prepare = ((AS_OF, ORG), periods.as_of) if as_of else ((FROM, TO, ORG), periods.period_range)
    rep_name, category, layout_name = names
    return ReportGenerator(
        key, rep_name, category, layout_name, rep_desc, columns, rows, parameters=parameters, prepare=prepare
    )


WATERFALL = _generator(
    "revenue-waterfall", ("Waterfall Report", "Revenue", "Standard"),
    "Net revenue per line and period: recognised up to the as-of period, scheduled after it",
    schedules.WATERFALL_COLUMNS, _rows(schedules.waterfall_select), as_of=True,
)  # fmt: skip
ROLLFORWARD = _generator(
    "deferred-rollforward", ("RC Rollforward Report", "Revenue", "Standard"),
    "Deferred revenue per contract: opening, additions (billed), releases (recognised), closing",
    (*schedules.ROLLFORWARD_COLUMNS, "MJE_ID"), _rollforward_rows, as_of=False,
)  # fmt: skip
CONTRACT_DETAIL = _generator(
    "contract-detail", ("Revenue Contract Detail Report", "Transactions", "Standard"),
    "Contract lines: POB, SSP, allocation, carve, recognised, deferred, billed as of a period",
    schedules.DETAIL_COLUMNS, _detail_rows, as_of=True,
)  # fmt: skip
JOURNAL_ENTRIES = _generator(
    "journal-entries", ("Accounting Report", "Accounting", "Accounting Detail"),
    "Journal entry lines per period, contract, account type and account string",
    JOURNAL_COLUMNS, _rows(journal_select), as_of=False,
)  # fmt: skip

STANDARD = (WATERFALL, ROLLFORWARD, CONTRACT_DETAIL, JOURNAL_ENTRIES)
