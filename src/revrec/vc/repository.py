"""Storage of variable consideration: current estimates, the lines and schedules they touch, VC schedules,
and the VC journal entries of the open period (account types V, W, K)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import CompoundSelect, Connection, and_, delete, func, insert, or_, select, union, update

from revrec.accounting.vc_entries import VC_ACCOUNT_TYPES, VcEntry
from revrec.db.routing import of_contract
from revrec.db.stage_columns import sql_name
from revrec.db.tables import (
    journal_entry,
    rc_line,
    rc_schedule,
    revenue_contract,
    stage_line,
    vc_estimate,
    vc_reassessment,
    vc_schedule,
    vc_setting,
    vc_settlement,
)

#: BI3_RC_SCHD ids of VC schedule rows: 4*10**18 + vc_schedule.id * 2 + leg (revrec.biviews.vc_views), beyond
#: every other schedule id.
SCHD_ID_OFFSET = 4 * 10**18
#: ``journal_entry.origin`` of the rows the VC journal writes (migration 0029)
ORIGIN = "V"
_CHUNK = 500


def _chunks(values: Sequence[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def valid_estimates(
    conn: Connection, client_id: int, before: dt.date, lines: Sequence[str] | None = None
) -> list[Any]:
    """Valid (``N``) estimate rows dated before ``before`` (of SO lines ``lines`` only, when given), in
    (line, type, date, id) order."""
    e = vc_estimate.c
    query = (
        select(e.id, e.so_line_id, e.vc_type, e.est_date, e.ml_amt, e.exp_qty, e.actual_flag,
               *(getattr(e, f"scn{n}_{p}") for n in range(1, 5) for p in ("amt", "pct")))
        .where(e.client_id == client_id, e.processed_flag == "N", e.est_date < before)
        .order_by(e.so_line_id, e.vc_type, e.est_date, e.id)
    )  # fmt: skip
    if lines is not None:
        query = query.where(e.so_line_id.in_(lines))
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


def closed_totals(conn: Connection, scope: Any, open_key: int, lines: Sequence[str]) -> list[Any]:
    """Per (line, VC type) of SO lines ``lines``: the sums of alloc and rev (T/F/R) of the rows of periods
    before ``open_key``."""
    v = vc_schedule.c
    sums = [func.sum(getattr(v, f"{p}_{c}")).label(f"{p}_{c}") for p in ("alloc", "rev") for c in "tfr"]
    found: list[Any] = []
    for chunk in _chunks(lines):
        query = (
            select(v.rc_id, v.line_id, v.vc_type, v.curr, v.f_cur, v.r_cur, *sums)
            .where(*_scope(scope), v.period_key < open_key, v.line_id.in_(chunk))
            .group_by(v.rc_id, v.line_id, v.vc_type, v.curr, v.f_cur, v.r_cur)
        )
        found.extend(conn.execute(query))
    return found


def vc_contracts(
    conn: Connection, scope: Any, open_key: int, before: dt.date, changed_since: dt.datetime | None = None
) -> list[int]:
    """The scope's contracts with VC, in id order: those holding a line with a valid estimate dated before
    ``before`` or a settlement bill through ``open_key``, and those with a VC row in period ``open_key``; of
    those changed at or after ``changed_since`` only, when given (:func:`_changed`). The two sets meet in
    SQL: after a Period Close every contract with entries is stamped, and only the few with VC come back."""
    e, s, v = vc_estimate.c, vc_settlement.c, vc_schedule.c
    estimated = select(e.so_line_id).where(e.client_id == scope.client_id, e.processed_flag == "N",
                                           e.est_date < before)  # fmt: skip
    settled = select(s.line_id).where(*_settlement_scope(scope), s.period_key <= open_key)
    open_rows = select(v.rc_id).where(*_scope(scope), v.period_key == open_key)
    # one query per source: an OR of the two line sources made SQLite scan every contract line
    query: Any = union(_holding(scope, estimated), _holding(scope, settled), open_rows)
    if changed_since is not None:
        with_vc = query.subquery()
        rc_id = list(with_vc.c)[0]
        changed = _changed(scope, changed_since).subquery()
        query = select(rc_id).where(rc_id.in_(select(list(changed.c)[0])))
    return sorted({int(i) for i in conn.execute(query).scalars()})


def _holding(scope: Any, lines: Any) -> Any:
    """The scope's contracts holding a current line whose id is among ``lines`` (a subquery)."""
    c, r = revenue_contract.c, rc_line.c
    return (
        select(r.rc_id)
        .join(revenue_contract, of_contract(r))
        .where(r.client_id == scope.client_id, r.line_id.in_(lines), r.current_flag.is_(True),
               c.book_id == scope.book_id, c.org_id == scope.org_id)
    )  # fmt: skip


def contracts_of_period(conn: Connection, scope: Any, key: int) -> list[int]:
    """The contracts with VC schedule rows or settlement bills in period ``key``, in id order."""
    v, s = vc_schedule.c, vc_settlement.c
    rows = select(v.rc_id).where(*_scope(scope), v.period_key == key)
    bills = select(s.rc_id).where(*_settlement_scope(scope), s.period_key == key)
    return sorted({int(i) for i in conn.execute(rows.union(bills)).scalars()})


def replace_open(conn: Connection, scope: Any, open_key: int, rows: list[dict[str, Any]]) -> None:
    """Replace the VC schedule rows of the open period (closed periods are never touched)."""
    conn.execute(delete(vc_schedule).where(*_scope(scope), vc_schedule.c.period_key == open_key))
    if rows:
        conn.execute(insert(vc_schedule), rows)


def open_rows(conn: Connection, scope: Any, key: int, rc_ids: Sequence[int] | None = None) -> list[Any]:
    """The VC schedule rows of period ``key`` (of contracts ``rc_ids`` only, when given), in id order."""
    v = vc_schedule.c
    query = select(vc_schedule).where(*_scope(scope), v.period_key == key).order_by(v.id)
    if rc_ids is None:
        return list(conn.execute(query))
    found: list[Any] = []
    for chunk in _chunks(rc_ids):
        found.extend(conn.execute(query.where(v.rc_id.in_(chunk))))
    return found


def all_rows(conn: Connection, scope: Any) -> list[Any]:
    v = vc_schedule.c
    return list(conn.execute(select(vc_schedule).where(*_scope(scope)).order_by(v.period_key, v.id)))


def delete_entries(conn: Connection, scope: Any, key: int) -> None:
    """Delete the unposted entries the VC journal wrote in period ``key``: V/W/K, and the C legs of
    settlement bills (``origin`` V)."""
    j = journal_entry.c
    conn.execute(
        delete(journal_entry).where(
            and_(j.client_id == scope.client_id, j.book_id == scope.book_id, j.org_id == scope.org_id,
                 j.period_key == key, j.posted_flag.is_(False),
                 or_(j.acctg_type.in_(VC_ACCOUNT_TYPES), j.origin == ORIGIN))
        )
    )  # fmt: skip


def insert_entries(conn: Connection, scope: Any, key: int, found: Sequence[VcEntry]) -> int:
    """Insert VC journal entries of period ``key`` (``origin`` V)."""
    rows = [
        {"client_id": scope.client_id, "book_id": scope.book_id, "org_id": scope.org_id, "period_key": key,
         "rc_id": e.rc_id, "acctg_type": e.acctg_type, "acctg_seg": e.acctg_seg, "curr": e.currencies[0],
         "f_cur": e.currencies[1], "r_cur": e.currencies[2], "dr_t": e.debit[0], "cr_t": e.credit[0],
         "dr_f": e.debit[1], "cr_f": e.credit[1], "dr_r": e.debit[2], "cr_r": e.credit[2],
         "posted_flag": False, "origin": ORIGIN}
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


# --- incremental reassessment (migration 0027) ------------------------------------------------------------


def last_reassessment(conn: Connection, scope: Any) -> Any:
    """The scope's last reassessment (``period_key``, ``reassessed_at``), or None."""
    r = vc_reassessment.c
    query = select(r.period_key, r.reassessed_at).where(
        r.client_id == scope.client_id, r.book_id == scope.book_id, r.org_id == scope.org_id
    )
    return conn.execute(query).first()


def mark_reassessed(conn: Connection, scope: Any, key: int, started: dt.datetime) -> None:
    r = vc_reassessment.c
    mine = (r.client_id == scope.client_id, r.book_id == scope.book_id, r.org_id == scope.org_id)
    if conn.execute(
        update(vc_reassessment).where(*mine).values(period_key=key, reassessed_at=started)
    ).rowcount:
        return
    conn.execute(
        insert(vc_reassessment).values(
            client_id=scope.client_id, book_id=scope.book_id, org_id=scope.org_id, period_key=key,
            reassessed_at=started,
        )
    )  # fmt: skip


def setting_changed_at(conn: Connection, client_id: int) -> dt.datetime | None:
    return conn.execute(select(vc_setting.c.updated_at).where(vc_setting.c.client_id == client_id)).scalar()


def _changed(scope: Any, since: dt.datetime) -> CompoundSelect[Any]:
    """The scope's contracts changed at or after ``since`` (a revision, hold, approval, period close or
    transfer stamps ``updated_at``), and those holding a line of an estimate staged or re-validated since."""
    c, e = revenue_contract.c, vc_estimate.c
    stamped = select(c.id).where(
        c.client_id == scope.client_id,
        c.book_id == scope.book_id,
        c.org_id == scope.org_id,
        c.updated_at >= since,
    )
    estimated = select(e.so_line_id).where(e.client_id == scope.client_id, e.updt_dt >= since)
    return stamped.union(_holding(scope, estimated))


def lines_of_contracts(conn: Connection, scope: Any, rc_ids: Sequence[int]) -> list[Any]:
    """The current lines of contracts ``rc_ids`` (columns as :func:`contract_lines`)."""
    r = rc_line.c
    found: list[Any] = []
    for chunk in _chunks(sorted(set(rc_ids))):
        found.extend(
            conn.execute(
                select(r.rc_id, r.line_id, r.item_num, r.ssp, r.allocated, r.ord_qty, r.ext_sll_prc, r.curr,
                       r.f_cur, r.f_ex_rate, r.g_ex_rate)
                .where(r.client_id == scope.client_id, r.current_flag.is_(True), r.rc_id.in_(chunk))
                .order_by(r.rc_id, r.line_id)
            )
        )  # fmt: skip
    return found


def valid_estimates_of(conn: Connection, client_id: int, before: dt.date, lines: Sequence[str]) -> list[Any]:
    """:func:`valid_estimates` of SO lines ``lines`` only, in the same order."""
    found: list[Any] = []
    for chunk in _chunks(sorted(set(lines))):
        found.extend(valid_estimates(conn, client_id, before, chunk))
    found.sort(key=lambda row: (row.so_line_id, row.vc_type, row.est_date, row.id))
    return found


def sync_open(
    conn: Connection, scope: Any, open_key: int, rows: list[dict[str, Any]], rc_ids: set[int] | None
) -> set[int]:
    """Make the open period's VC rows of contracts ``rc_ids`` (None: all) equal to ``rows``, rewriting only
    the rows that differ (an unchanged row keeps its id and time); returns the contracts whose rows
    changed."""
    v = vc_schedule.c
    # read by contract (a reassessment in chunks of contracts used to read the whole period for each chunk)
    old = open_rows(conn, scope, open_key, None if rc_ids is None else sorted(rc_ids))
    kept = {_identity(row._mapping): row for row in old}
    wanted = {_identity(n) for n in rows}
    stale = [row for key, row in kept.items() if key not in wanted]
    fresh = [n for n in rows if _identity(n) not in kept]
    for chunk in _chunks([row.id for row in stale]):
        conn.execute(delete(vc_schedule).where(*_scope(scope), v.id.in_(chunk)))
    if fresh:
        conn.execute(insert(vc_schedule), fresh)
    return {int(row.rc_id) for row in stale} | {int(n["rc_id"]) for n in fresh}


_IDENTITY = ("rc_id", "line_id", "vc_type", "estimate_id", "actual_flag", "curr", "f_cur", "r_cur",
             *(f"{p}_{c}" for p in ("alloc", "rev") for c in "tfr"))  # fmt: skip


def _identity(row: Any) -> tuple[Any, ...]:
    return tuple(int(row[k]) if k.endswith(("_t", "_f", "_r")) or k == "rc_id" else row[k] for k in _IDENTITY)


def stamp_contracts(conn: Connection, client_id: int, rc_ids: set[int], at: dt.datetime) -> None:
    """Stamp ``updated_at`` (the BI views' ``INCR_UPDT_DT``) of contracts whose VC rows changed."""
    c = revenue_contract.c
    for chunk in _chunks(sorted(rc_ids)):
        conn.execute(
            update(revenue_contract)
            .where(c.client_id == client_id, c.id.in_(chunk), c.updated_at < at)  # never backwards
            .values(updated_at=at)
        )


# --- settlement bills (migration 0029, revrec.vc.settlement) -----------------------------------------------


def settlement_candidates(
    conn: Connection, upload_id: int, attribute: str, types: Sequence[str]
) -> list[tuple[int, str]]:
    """(staging id, attribute value) of the upload's lines of ``types`` whose ``attribute`` is set."""
    s = stage_line.c
    column = s[sql_name(attribute)]
    query = select(s.id, column).where(
        s.upload_id == upload_id,
        s.type.in_(list(types)),
        column.is_not(None),
        s.processed_flag.in_(("P", "N")),
    )
    return [(int(row_id), str(value)) for row_id, value in conn.execute(query)]


def scope_lines(conn: Connection, scope: Any, line_ids: Iterable[str]) -> dict[str, Any]:
    """Line id → its current rc_line (``rc_id``, ``line_id``, currencies) in a contract of the scope."""
    r, c = rc_line.c, revenue_contract.c
    found: dict[str, Any] = {}
    for chunk in _chunks(sorted(set(line_ids))):
        query = (
            select(r.rc_id, r.line_id, r.curr, r.f_cur)
            .join(revenue_contract, of_contract(r))
            .where(r.client_id == scope.client_id, r.current_flag.is_(True), r.line_id.in_(chunk),
                   c.book_id == scope.book_id, c.org_id == scope.org_id)
        )  # fmt: skip
        found.update({row.line_id: row for row in conn.execute(query)})
    return found


def insert_settlements(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(vc_settlement), rows)


def _settlement_scope(scope: Any) -> list[Any]:
    s = vc_settlement.c
    return [s.client_id == scope.client_id, s.book_id == scope.book_id, s.org_id == scope.org_id]


def settled_totals(
    conn: Connection, scope: Any, through: int, lines: Sequence[str] | None = None
) -> list[Any]:
    """Per (line, VC type): the sum of the settlement bills (T) of periods up to ``through`` (of SO lines
    ``lines`` only, when given), with the id of the last one."""
    s = vc_settlement.c
    query = (
        select(s.line_id, s.vc_type, func.sum(s.amount_t).label("amount_t"), func.max(s.id).label("last_id"),
               func.count().label("bills"))
        .where(*_settlement_scope(scope), s.period_key <= through)
        .group_by(s.line_id, s.vc_type)
    )  # fmt: skip
    if lines is None:
        return list(conn.execute(query))
    found: list[Any] = []
    for chunk in _chunks(sorted(set(lines))):
        found.extend(conn.execute(query.where(s.line_id.in_(chunk))))
    return found


def settlements(
    conn: Connection, scope: Any, key: int | None = None, rc_ids: Sequence[int] | None = None
) -> list[Any]:
    """The scope's settlement bills (of period ``key``, of contracts ``rc_ids`` only, when given), in
    (period, id) order."""
    s = vc_settlement.c
    query = select(vc_settlement).where(*_settlement_scope(scope))
    if key is not None:
        query = query.where(s.period_key == key)
    query = query.order_by(s.period_key, s.id)
    if rc_ids is None:
        return list(conn.execute(query))
    found: list[Any] = []
    for chunk in _chunks(rc_ids):
        found.extend(conn.execute(query.where(s.rc_id.in_(chunk))))
    return found
