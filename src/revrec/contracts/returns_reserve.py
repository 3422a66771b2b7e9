"""Persistence of rights of return: the open period's reserve position of every line with return terms
(table ``rc_return_reserve``), written whenever the open period's journal is regenerated.

Inputs per line, read set-based (one query for the lines with their current schedules, one for their
returns): revenue its current schedule recognised through the open period (revenue and carve, T/F/R), the
actual returns through it (RORD and CM-R lines of the SO line: the reduction of its consideration, in T,
converted to F and R at the line's rates as bills are), and the terms of the setup section ``returns``
(revrec.contracts.returns_settings). The pure engine (revrec.engine.returns) gives the position per
currency. Rows of closed periods are never written again; the open period's rows are replaced, so the
current terms (the period-end reassessment) and the current schedules apply; a line that had a position
and lost its terms gets a zero row (its reserve is released in the open period); a zero position that was
zero (or absent) before is not written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select

from revrec.contracts import returns_warnings
from revrec.contracts.returns_settings import ReturnTermsDoc, engine_terms, load, matcher, terms_for
from revrec.contracts.revisions import decode_triple, run_at
from revrec.db.tables import (
    rc_bill,
    rc_cost,
    rc_line,
    rc_return_reserve,
    rc_schedule,
    revenue_contract,
    stage_line,
)
from revrec.engine.errors import EngineError
from revrec.engine.money import from_minor, to_minor
from revrec.engine.returns import ZERO, ReservePosition, ReturnTerms, excess_returns, position
from revrec.periods.service import OpenPeriod, Scope

RETURN_TYPES = ("CM-R", "RORD")
# rc_cost.treatment of a fulfilment cost line that is the cost of goods sold with a right of return: the
# Cost Process books nothing for it, the reserve's inventory (Q) and cost of sales (O) carry it
GOODS_COST = "RETURN_RESERVE"


def _convert(units: int, rate: Decimal, source: str, target: str) -> int:
    return to_minor(from_minor(units, source) * rate, target) if units else 0


def _lines(conn: Connection, scope: Scope, docs: list[ReturnTermsDoc], key: int) -> list[Any]:
    """The scope's current lines that some terms name (item or product family) or that had a position."""
    ln, s, c = rc_line.c, rc_schedule.c, revenue_contract.c
    items = sorted({d.item for d in docs if d.item is not None})
    families = sorted({d.product_family for d in docs if d.product_family is not None})
    earlier = _earlier_query(scope, key)
    wanted = or_(ln.item_num.in_(items), stage_line.c.prod_fmly.in_(families), ln.line_id.in_(earlier))
    query = (
        select(
            ln.rc_id,
            ln.line_id,
            ln.item_num,
            stage_line.c.prod_fmly,
            ln.curr,
            ln.f_cur,
            ln.f_ex_rate,
            ln.g_ex_rate,
            ln.rev_segments,
            s.r_cur,
            s.first_index,
            s.rev_t,
            s.rev_f,
            s.rev_r,
            s.cv_t,
            s.cv_f,
            s.cv_r,
        )  # fmt: skip
        .select_from(
            rc_line.join(revenue_contract, c.id == ln.rc_id)
            .outerjoin(stage_line, stage_line.c.id == ln.stage_row_id)
            .join(
                rc_schedule,
                (s.client_id == ln.client_id) & (s.line_id == ln.line_id) & s.current_flag.is_(True),
            )
        )
        .where(
            ln.client_id == scope.client_id,
            ln.current_flag.is_(True),
            c.book_id == scope.book_id,
            c.org_id == scope.org_id,
            wanted,
        )
    )
    return list(conn.execute(query))


def _returned(conn: Connection, scope: Scope, key: int) -> dict[str, int]:
    """Per SO line: the consideration of its actual returns through period ``key`` (T minor units, >= 0)."""
    b, c = rc_bill.c, revenue_contract.c
    query = (
        select(b.line_id, b.ext_sll_prc, b.curr)
        .select_from(rc_bill.join(revenue_contract, c.id == b.rc_id))
        .where(
            b.client_id == scope.client_id,
            b.type.in_(RETURN_TYPES),
            b.prd_id <= key,
            c.book_id == scope.book_id,
            c.org_id == scope.org_id,
        )
    )
    found: dict[str, int] = defaultdict(int)
    for row in conn.execute(query):
        found[row.line_id] += abs(to_minor(row.ext_sll_prc, row.curr))
    return found


def _goods_costs(conn: Connection, scope: Scope) -> dict[tuple[str, str], tuple[int, int, int]]:
    """Per (SO line, transaction currency): the cost of its goods sent as fulfilment cost lines (T, F, R
    minor units)."""
    k = rc_cost.c
    query = (
        select(k.line_id, k.curr, func.sum(k.amount_t), func.sum(k.amount_f), func.sum(k.amount_r))
        .where(
            k.client_id == scope.client_id,
            k.book_id == scope.book_id,
            k.org_id == scope.org_id,
            k.treatment == GOODS_COST,
        )
        .group_by(k.line_id, k.curr)
    )
    return {(row[0], row[1]): (int(row[2]), int(row[3]), int(row[4])) for row in conn.execute(query)}


def _whole(row: Any) -> tuple[int, int, int]:
    """The line's whole revenue (revenue and carve) per currency: the last running totals of its schedule."""
    rev = decode_triple(row.rev_t, row.rev_f, row.rev_r)
    cv = decode_triple(row.cv_t, row.cv_f, row.cv_r) if row.cv_t else ([], [], [])
    return (
        (rev[0][-1] if rev[0] else 0) + (cv[0][-1] if cv[0] else 0),
        (rev[1][-1] if rev[1] else 0) + (cv[1][-1] if cv[1] else 0),
        (rev[2][-1] if rev[2] else 0) + (cv[2][-1] if cv[2] else 0),
    )


def _terms(doc: ReturnTermsDoc, expected: int | None, cost: int | None, base: int) -> ReturnTerms:
    """The engine's terms; ``cost`` (the goods' cost lines, in the currency at hand) replaces the cost
    percent when there is one and the line has a consideration to measure it against."""
    terms = engine_terms(doc, expected)
    if cost is None or base <= 0:
        return terms
    return ReturnTerms(
        terms.return_percent, terms.cost_percent, terms.recovery_percent, terms.expected_amount, cost, base
    )


def _earlier_query(scope: Scope, key: int) -> Any:
    """The lines whose latest position before period ``key`` is not zero (the others need no row)."""
    r = rc_return_reserve.c
    latest = (
        select(
            r.line_id,
            func.row_number().over(partition_by=r.line_id, order_by=r.period_key.desc()).label("rn"),
            or_(*(r[f"{k}_{c}"] != 0 for k in ("n", "s", "o", "q") for c in "tfr")).label("open_position"),
        )
        .where(r.client_id == scope.client_id, r.period_key < key)
        .subquery("rsv_latest")
    )
    return select(latest.c.line_id).where(latest.c.rn == 1, latest.c.open_position)


def _earlier_lines(conn: Connection, scope: Scope, key: int) -> set[str]:
    return set(conn.execute(_earlier_query(scope, key)).scalars())


def _recognised(row: Any, index: int) -> tuple[int, int, int]:
    rev = decode_triple(row.rev_t, row.rev_f, row.rev_r)
    cv = decode_triple(row.cv_t, row.cv_f, row.cv_r) if row.cv_t else ([], [], [])
    first = int(row.first_index)
    t, f, r = (run_at(first, rev[i], index) + run_at(first, cv[i], index) for i in range(3))
    return t, f, r


def _positions(
    row: Any,
    doc: ReturnTermsDoc | None,
    recognised: tuple[int, int, int],
    returned_t: int,
    goods_cost: tuple[int, int, int] | None = None,
) -> tuple[ReservePosition, ReservePosition, ReservePosition]:
    if doc is None:
        return ZERO, ZERO, ZERO
    returned_f = _convert(returned_t, row.f_ex_rate, row.curr, row.f_cur)
    returned_r = _convert(returned_f, row.g_ex_rate, row.f_cur, row.r_cur)
    returned = (returned_t, returned_f, returned_r)
    expected: tuple[int | None, ...] = (None, None, None)
    if doc.expected_amount is not None:
        expected_t = to_minor(doc.expected_amount, row.curr)
        expected_f = _convert(expected_t, row.f_ex_rate, row.curr, row.f_cur)
        expected = (expected_t, expected_f, _convert(expected_f, row.g_ex_rate, row.f_cur, row.r_cur))
    whole = _whole(row)
    # the cost fraction of a cost line: its cost against the line's whole consideration before returns
    found = [
        position(
            recognised[i],
            returned[i],
            _terms(doc, expected[i], None if goods_cost is None else goods_cost[i], whole[i] + returned[i]),
        )
        for i in range(3)
    ]
    return found[0], found[1], found[2]


def _cost_percent(
    doc: ReturnTermsDoc, goods_cost: tuple[int, int, int] | None, row: Any, returned: int
) -> Decimal:
    """The cost percent stored with the row: the setup's, or the cost lines' against the consideration."""
    base = _whole(row)[0] + returned
    if goods_cost is None or base <= 0:
        return doc.cost_percent
    return (Decimal(goods_cost[0] * 100) / Decimal(base)).quantize(Decimal("0.0000000001"))


def _empty(found: ReservePosition) -> bool:
    return not (found.refund_liability or found.asset or found.cost_of_sales or found.inventory)


def refresh(conn: Connection, scope: Scope, open_period: OpenPeriod) -> int:
    """Replace the open period's reserve rows of the scope; returns how many were written. Costs one
    look-up for a client without return terms and without reserve history."""
    docs = load(conn, scope.client_id)
    earlier = _earlier_lines(conn, scope, open_period.key)
    r = rc_return_reserve.c
    in_scope = select(revenue_contract.c.id).where(
        revenue_contract.c.client_id == scope.client_id,
        revenue_contract.c.book_id == scope.book_id,
        revenue_contract.c.org_id == scope.org_id,
    )
    conn.execute(
        delete(rc_return_reserve).where(
            r.client_id == scope.client_id, r.period_key == open_period.key, r.rc_id.in_(in_scope)
        )
    )
    if not docs and not earlier:
        returns_warnings.sync(conn, scope, open_period.key, {})
        return 0
    found = matcher(docs)
    returned = _returned(conn, scope, open_period.key)
    goods = _goods_costs(conn, scope)
    stamp = dt.datetime.now(dt.UTC)
    rows = []
    warnings: dict[int, list[EngineError]] = defaultdict(list)
    for row in _lines(conn, scope, docs, open_period.key):
        doc = terms_for(found, row.item_num, row.prod_fmly)
        if doc is None and row.line_id not in earlier:
            continue
        returned_t = returned.get(row.line_id, 0)
        goods_cost = goods.get((row.line_id, row.curr))  # a cost in another currency is not comparable
        t, f, rr = _positions(row, doc, _recognised(row, open_period.index), returned_t, goods_cost)
        if doc is not None:
            warning = excess_returns(
                t, row.line_id, returned=from_minor(t.returned, row.curr),
                expected=from_minor(t.expected, row.curr), period=open_period.key,
            )  # fmt: skip
            if warning is not None:
                warnings[int(row.rc_id)].append(warning)
        if row.line_id not in earlier and all(_empty(p) for p in (t, f, rr)):
            continue  # nothing booked before, nothing to book now
        if doc is None:
            doc = ReturnTermsDoc.model_validate({"item": row.item_num or row.line_id, "return_percent": 0})
        rows.append(
            {
                "client_id": scope.client_id,
                "rc_id": row.rc_id,
                "line_id": row.line_id,
                "period_key": open_period.key,
                "curr": row.curr,
                "f_cur": row.f_cur,
                "r_cur": row.r_cur,
                "return_pct": doc.return_percent,
                "expected_amount": doc.expected_amount,
                "cost_pct": _cost_percent(doc, goods_cost, row, returned_t),
                "recovery_pct": doc.recovery_cost_percent,
                "gross_t": t.gross,
                "returned_t": t.returned,
                "expected_t": t.expected,
                **{f"n_{c}": p.refund_liability for c, p in zip("tfr", (t, f, rr), strict=True)},
                **{f"s_{c}": p.asset for c, p in zip("tfr", (t, f, rr), strict=True)},
                **{f"o_{c}": p.cost_of_sales for c, p in zip("tfr", (t, f, rr), strict=True)},
                **{f"q_{c}": p.inventory for c, p in zip("tfr", (t, f, rr), strict=True)},
                "r_seg": row.rev_segments or "",
                "n_seg": doc.refund_liability_account,
                "s_seg": doc.return_asset_account,
                "o_seg": doc.cost_of_sales_account,
                "q_seg": doc.inventory_account,
                "crtd_dt": stamp,
            }
        )
    if rows:
        conn.execute(insert(rc_return_reserve), rows)
    returns_warnings.sync(conn, scope, open_period.key, warnings)
    return len(rows)


def reserve_rows(
    conn: Connection,
    client_id: int,
    period: int | None = None,
    *,
    through: int | None = None,
    org_id: int | None = None,
    book_id: int | None = None,
) -> list[Any]:
    """Stored reserve rows of a client (one period, those through ``through``, or all; of one org), in
    line and period order."""
    r, c = rc_return_reserve.c, revenue_contract.c
    query = (
        select(rc_return_reserve)
        .select_from(rc_return_reserve.join(revenue_contract, c.id == r.rc_id))
        .where(r.client_id == client_id)
    )
    if period is not None:
        query = query.where(r.period_key == period)
    if through is not None:
        query = query.where(r.period_key <= through)
    if org_id is not None:
        query = query.where(c.org_id == org_id)
    if book_id is not None:
        query = query.where(c.book_id == book_id)
    return list(conn.execute(query.order_by(r.line_id, r.period_key)))


def latest_positions(conn: Connection, scope: Scope, period: int) -> dict[tuple[int, str], dict[str, int]]:
    """Per (contract, transaction currency): the sum of its lines' latest positions through ``period``
    (T minor units), as net credits per account type (N and Q credit, S and O debit)."""
    latest: dict[str, Any] = {}
    for row in reserve_rows(
        conn, scope.client_id, through=period, org_id=scope.org_id, book_id=scope.book_id
    ):
        latest[row.line_id] = row  # rows come in period order per line
    found: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in latest.values():
        total = found[(int(row.rc_id), row.curr)]
        total["N"] += int(row.n_t)
        total["Q"] += int(row.q_t)
        total["S"] -= int(row.s_t)
        total["O"] -= int(row.o_t)
    return found
