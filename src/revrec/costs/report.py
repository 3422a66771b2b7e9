"""Report ``contract-cost-rollforward`` (Zuora's "Cost Capitalized Rollforward Report"): the contract cost
asset (G) per period, cost type and currency — opening, capitalised, amortised, impaired, closing.

``closing = opening + capitalised − amortised − impaired`` and the next period opens at this closing, by
construction; costs expensed when incurred never reach the asset and are not shown. Amounts are in the
costs' transaction currency, from ``rc_cost_schedule`` (so periods after the open one show what is
scheduled, not yet booked).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import Connection

from revrec.biviews.views import Row
from revrec.costs import repository as repo
from revrec.engine.money import from_minor
from revrec.reports import periods
from revrec.reports.periods import FROM, ORG, TO
from revrec.reports.registry import Params, ReportGenerator

COLUMNS = (
    "PERIOD_ID", "COST_TYPE", "CURR", "OPENING_BALANCE", "CAPITALIZED", "AMORTIZED", "IMPAIRED",
    "CLOSING_BALANCE",
)  # fmt: skip
_MOVES = {"CAPITALISE": 0, "AMORTISE": 1, "IMPAIR": 2}


def rollforward_rows(conn: Connection, client_id: int, params: Params) -> Iterator[Row]:
    """The report's rows, by period, cost type and currency."""
    first, last = int(params[FROM]), int(params[TO])
    org_id = int(params[ORG]) if ORG in params else None
    moves: dict[tuple[str, str], dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for row in repo.rollforward(conn, client_id, last, org_id):
        if row.entry_kind in _MOVES:
            moves[(row.cost_type, row.curr)][int(row.period_key)][_MOVES[row.entry_kind]] += int(row.amount)
    keys = [k for k in periods.known_periods(conn, client_id, params.get(ORG)) if first <= k <= last]
    for (cost_type, curr), by_period in sorted(moves.items()):
        balance = sum(c - a - i for key, (c, a, i) in by_period.items() if key < first)
        for key in keys:
            capitalised, amortised, impaired = by_period.get(key, (0, 0, 0))
            closing = balance + capitalised - amortised - impaired
            if balance or capitalised or amortised or impaired:
                amounts = (balance, capitalised, amortised, impaired, closing)
                yield (key, cost_type, curr, *(from_minor(a, curr) for a in amounts))
            balance = closing


CONTRACT_COST_ROLLFORWARD = ReportGenerator(
    "contract-cost-rollforward", "Cost Capitalized Rollforward Report", "Revenue", "Standard",
    "Contract cost asset per period and cost type: opening, capitalised, amortised, impaired, closing",
    COLUMNS, rollforward_rows, parameters=(FROM, TO, ORG), prepare=periods.period_range,
)  # fmt: skip
