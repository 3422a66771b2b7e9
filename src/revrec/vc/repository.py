"""Storage of variable consideration: current estimates, the lines and schedules they touch, VC schedules,
and the VC journal entries of the open period (account types V, W, K)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select

from revrec.accounting.vc_entries import VC_ACCOUNT_TYPES, VcEntry
from revrec.db.tables import journal_entry, rc_line, rc_schedule, revenue_contract, vc_estimate, vc_schedule

#: BI3_RC_SCHD ids of VC schedule rows: 4*10**18 + vc_schedule.id, beyond every other schedule id.
SCHD_ID_OFFSET = 4 * 10**18
_CHUNK = 500


def _chunks(values: Sequence[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def valid_estimates(conn: Connection, client_id: int, before: dt.date) -> list[Any]:
    """Valid (``N``) estimate rows dated before ``before``, in (line, type, date, id) order."""
    e = vc_estimate.c
    query = (
        select(e.id, e.so_line_id, e.vc_type, e.est_date, e.ml_amt, e.exp_qty, e.actual_flag,
               *(getattr(e, f"scn{n}_{p}") for n in range(1, 5) for p in ("amt", "pct")))
        .where(e.client_id == client_id, e.processed_flag == "N", e.est_date < before)
        .order_by(e.so_line_id, e.vc_type, e.est_date, e.id)
    )  # fmt: skip
    return list(conn.execute(query))


def contract_lines(conn: Connection, scope: Any, line_ids: Sequence[str]) -> list[Any]:
    """Current lines of the scope's contracts that hold any of ``line_ids`` (all lines of those contracts)."""
    rc_ids: set[int] = set()
    r, c = rc_line.c, revenue_contract.c
    for chunk in _chunks(sorted(set(line_ids))):
        rc_ids.update(
            conn.execute(
                select(r.rc_id)
                .join(revenue_contract, revenue_contract.c.id == r.rc_id)
                .where(r.client_id == scope.client_id, r.current_flag.is_(True), r.line_id.in_(chunk),
                       c.book_id == scope.book_id, c.org_id == scope.org_id)
            ).scalars()
        )  # fmt: skip
    found: list[Any] = []
    for chunk in _chunks(sorted(rc_ids)):
        found.extend(
            conn.execute(
                select(r.rc_id, r.line_id, r.item_num, r.ssp, r.allocated, r.ord_qty, r.ext_sll_prc, r.curr,
                       r.f_cur, r.f_ex_rate, r.g_ex_rate)
                .where(r.client_id == scope.client_id, r.current_flag.is_(True), r.rc_id.in_(chunk))
                .order_by(r.rc_id, r.line_id)
            )
        )  # fmt: skip
    return found


def schedules(conn: Connection, client_id: int, rc_ids: Sequence[int]) -> list[Any]:
    s = rc_schedule.c
    found: list[Any] = []
    for chunk in _chunks(sorted(set(rc_ids))):
        found.extend(
            conn.execute(
                select(s.line_id, s.first_index, s.rev_t, s.cv_t).where(
                    s.client_id == client_id, s.current_flag.is_(True), s.rc_id.in_(chunk)
                )
            )
        )
    return found


def _scope(scope: Any) -> list[Any]:
    v = vc_schedule.c
    return [v.client_id == scope.client_id, v.book_id == scope.book_id, v.org_id == scope.org_id]


def closed_totals(conn: Connection, scope: Any, open_key: int) -> list[Any]:
    """Per (line, VC type): the sums of alloc and rev (T/F/R) of the rows of periods before ``open_key``."""
    v = vc_schedule.c
    sums = [func.sum(getattr(v, f"{p}_{c}")).label(f"{p}_{c}") for p in ("alloc", "rev") for c in "tfr"]
    query = (
        select(v.rc_id, v.line_id, v.vc_type, v.curr, v.f_cur, v.r_cur, *sums)
        .where(*_scope(scope), v.period_key < open_key)
        .group_by(v.rc_id, v.line_id, v.vc_type, v.curr, v.f_cur, v.r_cur)
    )
    return list(conn.execute(query))


def replace_open(conn: Connection, scope: Any, open_key: int, rows: list[dict[str, Any]]) -> None:
    """Replace the VC schedule rows of the open period (closed periods are never touched)."""
    conn.execute(delete(vc_schedule).where(*_scope(scope), vc_schedule.c.period_key == open_key))
    if rows:
        conn.execute(insert(vc_schedule), rows)


def open_rows(conn: Connection, scope: Any, key: int) -> list[Any]:
    v = vc_schedule.c
    return list(conn.execute(select(vc_schedule).where(*_scope(scope), v.period_key == key).order_by(v.id)))


def all_rows(conn: Connection, scope: Any) -> list[Any]:
    v = vc_schedule.c
    return list(conn.execute(select(vc_schedule).where(*_scope(scope)).order_by(v.period_key, v.id)))


def replace_entries(conn: Connection, scope: Any, key: int, found: Sequence[VcEntry]) -> int:
    """Replace the unposted V/W/K entries of period ``key``."""
    j = journal_entry.c
    conn.execute(
        delete(journal_entry).where(
            and_(j.client_id == scope.client_id, j.book_id == scope.book_id, j.org_id == scope.org_id,
                 j.period_key == key, j.posted_flag.is_(False), j.acctg_type.in_(VC_ACCOUNT_TYPES))
        )
    )  # fmt: skip
    rows = [
        {"client_id": scope.client_id, "book_id": scope.book_id, "org_id": scope.org_id, "period_key": key,
         "rc_id": e.rc_id, "acctg_type": e.acctg_type, "acctg_seg": e.acctg_seg, "curr": e.currencies[0],
         "f_cur": e.currencies[1], "r_cur": e.currencies[2], "dr_t": e.debit[0], "cr_t": e.credit[0],
         "dr_f": e.debit[1], "cr_f": e.credit[1], "dr_r": e.debit[2], "cr_r": e.credit[2],
         "posted_flag": False}
        for e in found
    ]  # fmt: skip
    if rows:
        conn.execute(insert(journal_entry), rows)
    return len(rows)


def vc_journal(conn: Connection, scope: Any) -> list[Any]:
    j = journal_entry.c
    query = select(journal_entry).where(
        j.client_id == scope.client_id, j.book_id == scope.book_id, j.org_id == scope.org_id,
        j.acctg_type.in_(VC_ACCOUNT_TYPES),
    )  # fmt: skip
    return list(conn.execute(query))
