"""The manual journal entries' rows of the deferred revenue roll-forward (docs/outbound.md, report
``deferred-rollforward``): per entry and currencies, its movements of the contract liability accounts
(account types L and Y), credit positive as the contracts' rows: opening = net credit posted before FROM,
additions = credits FROM..TO, releases = debits FROM..TO, closing = opening + additions − releases. An
entry tied to a contract shows that contract's id in RC_ID; the entry's id is in MJE_ID."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, literal, or_, select

from revrec.biviews.contracts import decimal_amount
from revrec.db.tables import journal_entry, mje_head
from revrec.reports.periods import Span

DEFERRED_TYPES = ("L", "Y")
CONTRACT_COLUMN_COUNT = 20  # FROM..ORG_ID and the T/F/R currency and measures: the columns an MJE row fills


def rollforward_select(client_id: int, span: Span) -> Select[Any]:
    j, h = journal_entry.c, mje_head.c

    def moved(amount: Any, before: bool) -> Any:
        condition = j.period_key < span.first_key if before else j.period_key >= span.first_key
        return func.sum(case((condition, amount), else_=literal(0)))

    sums: list[Any] = []
    for x in ("t", "f", "r"):
        sums += [
            moved(j[f"cr_{x}"] - j[f"dr_{x}"], True).label(f"open_{x}"),
            moved(j[f"cr_{x}"], False).label(f"add_{x}"),
            moved(j[f"dr_{x}"], False).label(f"rel_{x}"),
        ]
    where = [
        j.client_id == client_id,
        j.mje_id.is_not(None),
        j.acctg_type.in_(DEFERRED_TYPES),
        j.period_key <= span.last_key,
    ]
    if span.org_id is not None:
        where.append(j.org_id == span.org_id)
    grouped = (
        select(j.mje_id, j.book_id, j.org_id, j.curr, j.f_cur, j.r_cur, *sums)
        .where(*where)
        .group_by(j.mje_id, j.book_id, j.org_id, j.curr, j.f_cur, j.r_cur)
        .subquery("mje_moves")
    )
    g = grouped.c
    values: list[Any] = []
    moves = []
    for x, currency in (("t", g.curr), ("f", g.f_cur), ("r", g.r_cur)):
        opening, additions, releases = g[f"open_{x}"], g[f"add_{x}"], g[f"rel_{x}"]
        figures = (opening, additions, releases, opening + additions - releases)
        values += [currency, *(decimal_amount(v, currency) for v in figures)]
        moves += [opening != 0, additions != 0, releases != 0]
    return (
        select(
            literal(span.first_key), literal(span.last_key), h.rc_id, g.book_id, g.org_id, *values, g.mje_id
        )
        .select_from(grouped.join(mje_head, h.id == g.mje_id))
        .where(or_(*moves))
        .order_by(g.mje_id, g.curr, g.f_cur, g.r_cur)
    )
