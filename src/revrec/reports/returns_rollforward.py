"""The ``returns-rollforward`` report: the refund liability (N) and the right-of-return asset (S) per
period and currency (transaction currency), from the stored reserve positions (``rc_return_reserve``,
revrec.contracts.returns_reserve), for FROM_PERIOD..TO_PERIOD (default: the open period) and ORG_ID.

Per period: opening (the positions at the end of the previous period), the change of the expected returns
(new sales and the period-end reassessment), what the period's actual returns settled, closing; the
period's actual returns (consideration refunded); the asset's opening, change and closing. A line without
a row in a period keeps its last position. Opening + expected change - settled = closing, exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from revrec.biviews.views import Row
from revrec.contracts.returns_reserve import reserve_rows
from revrec.engine.money import from_minor
from revrec.reports import periods
from revrec.reports.periods import FROM, ORG, TO
from revrec.reports.registry import Params, ReportGenerator

COLUMNS = (
    "PERIOD_ID", "CURRENCY", "REFUND_LIAB_OPENING", "EXPECTED_RETURNS_CHANGE", "SETTLED_BY_RETURNS",
    "REFUND_LIAB_CLOSING", "ACTUAL_RETURNS", "RETURN_ASSET_OPENING", "RETURN_ASSET_CHANGE",
    "RETURN_ASSET_CLOSING",
)  # fmt: skip

_FIELDS = ("expected_t", "returned_t", "n_t", "s_t")


def _rows(conn: Connection, client_id: int, params: Params) -> Iterator[Row]:
    first, last = int(params[FROM]), int(params[TO])
    org_id = int(params[ORG]) if ORG in params else None
    keys = [k for k in periods.known_periods(conn, client_id, params.get(ORG)) if k <= last]
    by_line: dict[str, list[Any]] = defaultdict(list)
    for row in reserve_rows(conn, client_id, through=last, org_id=org_id):
        by_line[row.line_id].append(row)
    # per (period, currency): the lines' positions at the period's end (expected, returned, N, S)
    ends: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for rows in by_line.values():
        at = 0
        current: Any = None
        for key in keys:
            while at < len(rows) and rows[at].period_key <= key:
                current, at = rows[at], at + 1
            if current is not None:
                total = ends[(key, current.curr)]
                for i, name in enumerate(_FIELDS):
                    total[i] += int(getattr(current, name))
    currencies = sorted({c for _, c in ends})
    for index, key in enumerate(keys):
        if key < first:
            continue
        for currency in currencies:
            before = ends.get((keys[index - 1], currency), [0, 0, 0, 0]) if index else [0, 0, 0, 0]
            after = ends.get((key, currency), [0, 0, 0, 0])
            if before == after == [0, 0, 0, 0]:
                continue
            expected_change = after[0] - before[0]
            settled = before[2] + expected_change - after[2]
            amounts = (
                before[2], expected_change, settled, after[2], after[1] - before[1],
                before[3], after[3] - before[3], after[3],
            )  # fmt: skip
            yield (key, currency, *(from_minor(a, currency) for a in amounts))


RETURNS_ROLLFORWARD = ReportGenerator(
    key="returns-rollforward",
    rep_name="Returns Reserve Rollforward Report",
    category="Revenue",
    layout_name="Standard",
    rep_desc="Refund liability and right-of-return asset per period: opening, expected, settled, closing",
    columns=COLUMNS,
    rows=_rows,
    parameters=(FROM, TO, ORG),
    prepare=periods.period_range,
)
