"""Rows of the views that are not tables: the accounting calendar and the account types.

BI3_CALENDAR lists the periods of the client's calendar policy, one row per period, for the fiscal years
from ``today - years_before`` to ``today + years_after`` (the default monthly calendar spans 1947–2199,
which no client wants to download); a calendar with explicit periods lists all of them. ``END_DATE`` is the
period's last day (revrec's periods are half-open ``[start, end)``). Quarters split each fiscal year's
periods into four groups in order (3 + 3 + 3 + 3 for twelve periods, 4 + 3 + 3 + 3 for thirteen).

``PERIOD_STATUS`` and ``OPEN_FLAG`` (appended after Zuora's columns) give each period's status in the client's
primary book: Open, Soft Close or Closed (empty: never opened), and ``Y`` for its current (Open or Soft Close)
period; BI3_BOOK's ``OPEN_PRD_ID`` names that period per book.

BI3_ACCT_TYPE is revrec's account model (docs/accounting-model, `reference/accounting-model.md`), the same
for every client: R, L, X, Y, A, U, C, and the contract-cost types G, I, P, H (docs/judgment.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

from sqlalchemy import Connection

from revrec.biviews import repository
from revrec.biviews.views import Row, ViewQuery
from revrec.engine.calendar import AccountingCalendar, Period
from revrec.periods.repository import CURRENT_STATUSES, primary_book
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
YEARS_BEFORE = "calendar_years_before"
YEARS_AFTER = "calendar_years_after"


def period_name(period: Period) -> str:
    """``JAN-2026`` for key 202601; a key that is not YYYYMM is named after its start month."""
    year, month = divmod(period.key, 100)
    if not 1 <= month <= 12:
        year, month = period.start.year, period.start.month
    return f"{MONTHS[month - 1]}-{year:04d}"


def _fiscal_years(calendar: AccountingCalendar) -> dict[int, list[Period]]:
    years: dict[int, list[Period]] = {}
    for period in calendar.periods:
        years.setdefault(period.fiscal_year, []).append(period)
    return years


def calendar_rows(
    calendar: AccountingCalendar,
    client_id: int,
    first_year: int,
    last_year: int,
    statuses: Mapping[int, str] | None = None,
) -> Iterator[Row]:
    """BI3_CALENDAR rows for fiscal years ``first_year..last_year`` (every period when explicit), with the
    period status in the primary book (``statuses`` by period key; none: never opened)."""
    statuses = statuses or {}
    one_day = dt.timedelta(days=1)
    for fiscal_year, periods in sorted(_fiscal_years(calendar).items()):
        if not calendar.custom_periods and not first_year <= fiscal_year <= last_year:
            continue
        year_start, year_end = periods[0].start, periods[-1].end - one_day
        size = len(periods)
        quarters = [(i * 4) // size + 1 for i in range(size)]
        for i, period in enumerate(periods):
            in_quarter = [p for p, q in zip(periods, quarters, strict=True) if q == quarters[i]]
            yield (
                period.key, period_name(period), period.number or i + 1,
                period.start, period.end - one_day, year_start, quarters[i],
                in_quarter[0].start, fiscal_year, in_quarter[-1].end - one_day, year_end,
                client_id, None, None, None, None, None,
                statuses.get(period.key), period.key in statuses and statuses[period.key] in CURRENT_STATUSES,
            )  # fmt: skip


def calendar_view_rows(conn: Connection, query: ViewQuery) -> Iterator[Row]:
    client = tenancy.get_client(conn, query.client_id)
    if client is None:
        return iter(())
    calendar = policies_for(conn, client).calendar
    this_year = dt.datetime.now(dt.UTC).year
    first = this_year - query.options.get(YEARS_BEFORE, 10)
    last = this_year + query.options.get(YEARS_AFTER, 10)
    return calendar_rows(calendar, client.id, first, last, period_statuses(conn, client.id))


_RANK = {"Open": 0, "Soft Close": 1, "Closed": 2}


def period_statuses(conn: Connection, client_id: int) -> dict[int, str]:
    """Status of each period ever opened in the client's primary book; with several orgs the least
    advanced one (a period still Open in one org is Open)."""
    primary = primary_book(conn, client_id)
    if primary is None:
        return {}
    found: dict[int, str] = {}
    for key, status in repository.period_statuses(conn, client_id, primary.id):
        if key not in found or _RANK.get(status, 3) < _RANK.get(found[key], 3):
            found[key] = status
    return found


# Columns: ID, NAME, WF_TYPE, WF_SUMM_TYPE, REVENUE_SUMMARY, BALANCE_SHEET_ACCT_FLAG, P_L_ACCT_FLAG,
# COST_FLAG, VC_ACCT_FLAG, VC_CLR_ACCT_FLAG, INCL_IN_NETTING_FLAG, INCL_IN_MANUAL_JE_FLAG, WATERFALL_FLAG,
# ACCT_GROUP, DEF_REC_FLAG, then CLIENT_ID and the audit columns (filled per client), then
# ALLOW_MAPPING_FLAG, DEF_OFFSET_FLAG, ENABLED_FLAG, PAYABLES_ACCT_FLAG, REV_OFFSET_FLAG, REV_DISPLAY_SEQ.
_ACCOUNT_TYPES: tuple[tuple[tuple[object, ...], tuple[object, ...]], ...] = (
    (("R", "Revenue (Contractual)", "Revenue", "Net Revenue", "Revenue", "N", "Y", "N", "N", "N", "N", "Y",
      "Y", "Revenue", "REC"), ("Y", "N", "Y", "N", "N", 1)),
    (("L", "Contract Liability", None, None, None, "Y", "N", "N", "N", "N", "Y", "Y", "N", "Liability",
      "DEF"), ("Y", "Y", "Y", "N", "N", 3)),
    (("X", "Adjustment Revenue", "Adjustments", "Net Revenue", "Revenue", "N", "Y", "N", "N", "N", "N", "Y",
      "Y", "Revenue", "REC"), ("Y", "N", "Y", "N", "N", 2)),
    (("Y", "Adjustment Liability", None, None, None, "Y", "N", "N", "N", "N", "Y", "Y", "N", "Liability",
      "DEF"), ("Y", "Y", "Y", "N", "N", 4)),
    (("A", "Contract Asset", None, None, None, "Y", "N", "N", "N", "N", "Y", "N", "N", "Asset", None),
     ("Y", "N", "Y", "N", "N", 5)),
    (("U", "Unbilled Receivable", "Unbilled Revenue", None, None, "Y", "N", "N", "N", "N", "N", "N", "N",
      "Asset", None), ("Y", "N", "Y", "N", "N", 6)),
    (("C", "Billing Clearing", None, None, None, "Y", "N", "N", "N", "N", "N", "N", "N", "Clearing", None),
     ("Y", "N", "Y", "N", "N", 7)),
    # rights of return (docs/accounting.md "Rights of return")
    (("N", "Refund Liability", None, None, None, "Y", "N", "N", "N", "N", "N", "Y", "N", "Liability", None),
     ("Y", "N", "Y", "N", "N", 8)),
    (("S", "Right of Return Asset", None, None, None, "Y", "N", "Y", "N", "N", "N", "Y", "N", "Asset", None),
     ("Y", "N", "Y", "N", "N", 9)),
    (("O", "Cost of Sales", None, None, None, "N", "Y", "Y", "N", "N", "N", "Y", "N", "Cost", None),
     ("Y", "N", "Y", "N", "N", 10)),
    (("Q", "Inventory", None, None, None, "Y", "N", "Y", "N", "N", "N", "Y", "N", "Asset", None),
     ("Y", "N", "Y", "N", "N", 11)),
    # contract costs (ASC 340-40, revrec.costs): asset, amortisation expense, payable, impairment loss
    (("G", "Contract Cost Asset", None, None, None, "Y", "N", "Y", "N", "N", "N", "Y", "N", "Asset", "DEF"),
     ("Y", "N", "Y", "N", "N", 12)),
    (("I", "Contract Cost Expense", None, None, None, "N", "Y", "Y", "N", "N", "N", "Y", "N", "Expense",
      "REC"), ("Y", "N", "Y", "N", "N", 13)),
    (("P", "Cost Payable", None, None, None, "Y", "N", "Y", "N", "N", "N", "N", "N", "Liability", None),
     ("Y", "N", "Y", "Y", "N", 14)),
    (("H", "Contract Cost Impairment", "Contract Impairment", None, None, "N", "Y", "Y", "N", "N", "N", "Y",
      "N", "Expense", None), ("Y", "N", "Y", "N", "N", 15)),
    # Variable consideration (docs/judgment.md): VC liability, VC revenue, VC clearing.
    (("V", "VC Liability", None, None, None, "Y", "N", "N", "Y", "N", "N", "Y", "N", "Liability", "DEF"),
     ("Y", "Y", "Y", "N", "N", 16)),
    (("W", "VC Revenue", "Variable Consideration", "Net Revenue", "Revenue", "N", "Y", "N", "Y", "N", "N",
      "Y", "Y", "Revenue", "REC"), ("Y", "N", "Y", "N", "N", 17)),
    (("K", "VC Clearing", None, None, None, "Y", "N", "N", "Y", "Y", "N", "N", "N", "Clearing", None),
     ("Y", "N", "Y", "N", "N", 18)),
)  # fmt: skip


def account_type_rows(_conn: Connection, query: ViewQuery) -> Iterator[Row]:
    """BI3_ACCT_TYPE: the account types (R L X Y A U C, returns N S O Q, costs G I P H, VC V W K),
    ``CLIENT_ID`` of the caller, audit columns empty."""
    for head, tail in _ACCOUNT_TYPES:
        yield (*head, query.client_id, None, None, None, None, None, *tail)
