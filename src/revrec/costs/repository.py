"""All SQL of costs: staged cost lines, the related revenue lines, ``rc_cost`` and ``rc_cost_schedule``.

Every query names its ``client_id``. Amounts of ``rc_cost``/``rc_cost_schedule`` are integer minor units.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from revrec.db.routing import same_client
from revrec.db.tables import (
    flagged,
    rc_cost,
    rc_cost_schedule,
    rc_line,
    rc_schedule,
    revenue_contract,
    stage_error,
    stage_line,
)

S = stage_line.c
_STAGED = (
    S.id, S.cost_line_id, S.so_line_id, S.cost_type, S.cost_amt, S.curr, S.f_cur, S.f_ex_rate, S.g_ex_rate,
    S.start_date, S.item_num, S.cost_def_segments, S.cost_rev_segments,
)  # fmt: skip


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def staged_costs(conn: Connection, client_id: int, after: int, limit: int) -> list[Any]:
    """Valid cost lines waiting in staging (N), in id order after ``after``."""
    where = and_(S.client_id == client_id, flagged(S.processed_flag, "N"), S.type == "CST", S.id > after)
    return list(conn.execute(select(*_STAGED).where(where).order_by(S.id).limit(limit)))


def related_lines(conn: Connection, client_id: int, line_ids: Iterable[str], book_id: int) -> dict[str, Any]:
    """The current contract line of each of ``line_ids`` with its contract and schedule (by line id)."""
    L, H, R = rc_line.c, revenue_contract.c, rc_schedule.c
    wanted = sorted(set(line_ids))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = (
            select(
                L.line_id,
                L.rc_id,
                L.allocated,
                L.curr,
                L.item_num,
                S.prod_fmly,
                H.org_id,
                R.first_index,
                R.rev_t,
                R.cv_t,
            )  # fmt: skip
            .select_from(rc_line)
            .join(revenue_contract, H.id == L.rc_id)
            .outerjoin(stage_line, S.id == L.stage_row_id)
            .outerjoin(
                rc_schedule, and_(R.rc_id == L.rc_id, R.line_id == L.line_id, R.current_flag.is_(True))
            )
            .where(
                L.client_id == client_id, L.current_flag.is_(True), L.line_id.in_(chunk), H.book_id == book_id
            )
        )
        found.update({row.line_id: row for row in conn.execute(query)})
    return found


def recorded_cost_ids(conn: Connection, client_id: int, cost_line_ids: Iterable[str]) -> set[str]:
    C = rc_cost.c
    wanted = sorted(set(cost_line_ids))
    query = select(C.cost_line_id).where(C.client_id == client_id, C.cost_line_id.in_(wanted))
    return set(conn.execute(query).scalars())


def insert_cost(conn: Connection, values: dict[str, Any]) -> int:
    return int(conn.execute(insert(rc_cost).values(**values).returning(rc_cost.c.id)).scalar_one())


def insert_schedule(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(rc_cost_schedule), list(rows))


def mark_rows(conn: Connection, client_id: int, row_ids: Sequence[int], flag: str, by: str) -> None:
    stamp = now()
    for start in range(0, len(row_ids), 500):
        chunk = list(row_ids[start : start + 500])
        conn.execute(
            update(stage_line)
            .where(same_client(S.client_id, client_id), S.id.in_(chunk))
            .values(processed_flag=flag, updt_by=by, updt_dt=stamp)
        )


def insert_errors(conn: Connection, client_id: int, errors: Sequence[tuple[int, str, str, str]]) -> None:
    """(row id, code, column, message) problems of cost lines found at processing time."""
    if errors:
        rows = [
            {
                "client_id": client_id,
                "kind": "transaction",
                "row_id": r,
                "code": code,
                "col_name": col,
                "message": m,
            }
            for r, code, col, m in errors
        ]
        conn.execute(insert(stage_error), rows)


def cost_by_line_id(conn: Connection, client_id: int, cost_line_id: str) -> Any:
    C = rc_cost.c
    return conn.execute(
        select(rc_cost).where(C.client_id == client_id, C.cost_line_id == cost_line_id)
    ).first()


def schedule_of(conn: Connection, client_id: int, cost_id: int) -> list[Any]:
    K = rc_cost_schedule.c
    query = (
        select(rc_cost_schedule)
        .where(K.client_id == client_id, K.cost_id == cost_id)
        .order_by(K.period_key, K.id)
    )
    return list(conn.execute(query))


def replace_amortisation_after(
    conn: Connection, client_id: int, cost_id: int, period_key: int, rows: Sequence[dict[str, Any]]
) -> None:
    """Drop the AMORTISE rows of periods after ``period_key`` and insert ``rows`` (an impairment)."""
    K = rc_cost_schedule.c
    conn.execute(
        delete(rc_cost_schedule).where(
            K.client_id == client_id,
            K.cost_id == cost_id,
            K.entry_kind == "AMORTISE",
            K.period_key > period_key,
        )
    )
    insert_schedule(conn, rows)


def period_rows(conn: Connection, client_id: int, book_id: int, org_id: int, period_key: int) -> list[Any]:
    """The cost schedule rows of one period with their cost's accounts and currencies."""
    K, C = rc_cost_schedule.c, rc_cost.c
    query = (
        select(
            K.rc_id, K.dr_type, K.cr_type, K.amount_t, K.amount_f, K.amount_r, C.curr, C.f_cur, C.r_cur,
            C.asset_segments, C.expense_segments, C.payable_segments, C.impairment_segments,
        )
        .join(rc_cost, and_(C.client_id == K.client_id, C.id == K.cost_id))
        .where(K.client_id == client_id, C.book_id == book_id, C.org_id == org_id, K.period_key == period_key)
        .order_by(K.id)
    )  # fmt: skip
    return list(conn.execute(query))


def rollforward(conn: Connection, client_id: int, through_key: int, org_id: int | None) -> list[Any]:
    """Per period (through ``through_key``), cost type, currency and movement: the summed T amounts."""
    K, C = rc_cost_schedule.c, rc_cost.c
    where = [K.client_id == client_id, K.period_key <= through_key]
    if org_id is not None:
        where.append(C.org_id == org_id)
    query = (
        select(
            K.period_key, C.cost_type, C.curr, K.entry_kind, func.sum(K.amount_t).label("amount"),
        )
        .join(rc_cost, and_(C.client_id == K.client_id, C.id == K.cost_id))
        .where(*where)
        .group_by(K.period_key, C.cost_type, C.curr, K.entry_kind)
        .order_by(K.period_key, C.cost_type, C.curr)
    )  # fmt: skip
    return list(conn.execute(query))


def decode(series: str | None) -> list[int]:
    return [] if series is None else [int(v) for v in json.loads(series)]
