"""All SQL of the manual journal entries: heads, lines, approval steps, and their posted journal rows.
Every query is scoped by client."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from revrec.db.tables import flagged, journal_entry, mje_approval, mje_head, mje_line, stage_mje
from revrec.engine.manual_entries import LineOut
from revrec.periods.service import Scope

DRAFT, PENDING, POSTED, REJECTED = "Draft", "Pending", "Posted", "Rejected"
APPROVED, CANCELLED = "Approved", "Cancelled"  # step statuses (with Pending and Rejected)


def insert_head(conn: Connection, values: dict[str, Any]) -> int:
    return int(conn.execute(insert(mje_head).values(values).returning(mje_head.c.id)).scalar_one())


def insert_lines(conn: Connection, client_id: int, mje_id: int, lines: Sequence[LineOut]) -> None:
    rows = [
        {
            "client_id": client_id,
            "mje_id": mje_id,
            "line_num": n,
            "acctg_type": x.acctg_type,
            "acctg_seg": x.acctg_seg,
            "description": x.description,
            "dr_t": x.dr[0],
            "dr_f": x.dr[1],
            "dr_r": x.dr[2],
            "cr_t": x.cr[0],
            "cr_f": x.cr[1],
            "cr_r": x.cr[2],
        }
        for n, x in enumerate(lines, start=1)
    ]
    conn.execute(insert(mje_line), rows)


def head(conn: Connection, client_id: int, mje_id: int) -> Any:
    h = mje_head.c
    return conn.execute(select(mje_head).where(h.client_id == client_id, h.id == mje_id)).first()


def numbers_taken(conn: Connection, client_id: int, numbers: Sequence[str]) -> set[str]:
    h = mje_head.c
    if not numbers:
        return set()
    query = select(h.mje_num).where(h.client_id == client_id, h.mje_num.in_(list(numbers)))
    return set(conn.execute(query).scalars())


def heads(
    conn: Connection, client_id: int, *, status: str | None, period: int | None, after_id: int, limit: int
) -> list[Any]:
    h = mje_head.c
    query = select(mje_head).where(h.client_id == client_id, h.id > after_id)
    if status is not None:
        query = query.where(h.status == status)
    if period is not None:
        query = query.where(h.period_key == period)
    return list(conn.execute(query.order_by(h.id).limit(limit)))


def lines(conn: Connection, mje_ids: Sequence[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {i: [] for i in mje_ids}
    if not mje_ids:
        return found
    m = mje_line.c
    for row in conn.execute(
        select(mje_line).where(m.mje_id.in_(list(mje_ids))).order_by(m.mje_id, m.line_num)
    ):
        found[int(row.mje_id)].append(row)
    return found


def as_line_out(row: Any) -> LineOut:
    return LineOut(
        row.acctg_type,
        row.acctg_seg,
        row.description,
        (row.dr_t, row.dr_f, row.dr_r),
        (row.cr_t, row.cr_f, row.cr_r),
    )


def update_head(conn: Connection, mje_id: int, **values: Any) -> None:
    conn.execute(update(mje_head).where(mje_head.c.id == mje_id).values(values))


def transition(conn: Connection, mje_id: int, before: Sequence[str], **values: Any) -> bool:
    """Update the head only while its status is one of ``before`` (a guarded UPDATE: of two concurrent
    requests one wins, the other finds 0 rows); whether it was updated."""
    h = mje_head.c
    query = update(mje_head).where(h.id == mje_id, h.status.in_(list(before))).values(values)
    return conn.execute(query).rowcount == 1


def mark_reversed(conn: Connection, mje_id: int, reversal_id: int, by: str, at: datetime) -> bool:
    """Link the reversal, unless the entry was reversed meanwhile; whether it was linked."""
    h = mje_head.c
    query = (
        update(mje_head)
        .where(h.id == mje_id, h.reversed_by.is_(None))
        .values(reversed_by=reversal_id, updated_by=by, updated_at=at)
    )
    return conn.execute(query).rowcount == 1


def stamp_entries_of_batch(conn: Connection, client_id: int, batch_id: int, by: str, at: datetime) -> int:
    """The entries whose rows GL transfer batch ``batch_id`` took: their last change is the transfer
    (BI3_MJE and BI3_RI_ACCT_SUMM are windowed on it); how many."""
    h, j = mje_head.c, journal_entry.c
    taken = select(j.mje_id).where(
        j.client_id == client_id, j.post_batch_id == batch_id, j.mje_id.is_not(None)
    )
    query = (
        update(mje_head).where(h.client_id == client_id, h.id.in_(taken)).values(updated_by=by, updated_at=at)
    )
    return int(conn.execute(query).rowcount)


def post_rows(conn: Connection, row: Any, entry_lines: Sequence[LineOut]) -> int:
    """The entry's journal rows (posted; never regenerated); how many."""
    rows = [
        {
            "client_id": row.client_id,
            "book_id": row.book_id,
            "org_id": row.org_id,
            "period_key": row.period_key,
            "rc_id": None,
            "mje_id": row.id,
            "acctg_type": x.acctg_type,
            "acctg_seg": x.acctg_seg,
            "curr": row.curr,
            "f_cur": row.f_cur,
            "r_cur": row.r_cur,
            "dr_t": x.dr[0],
            "dr_f": x.dr[1],
            "dr_r": x.dr[2],
            "cr_t": x.cr[0],
            "cr_f": x.cr[1],
            "cr_r": x.cr[2],
            "posted_flag": True,
            "post_batch_id": None,
        }
        for x in entry_lines
    ]
    conn.execute(insert(journal_entry), rows)
    return len(rows)


def journal_rows(conn: Connection, client_id: int, mje_id: int) -> list[Any]:
    j = journal_entry.c
    return list(conn.execute(select(journal_entry).where(j.client_id == client_id, j.mje_id == mje_id)))


# --- approval steps -------------------------------------------------------------------------------------


def insert_steps(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(mje_approval), list(rows))


def steps(conn: Connection, client_id: int, mje_id: int) -> list[Any]:
    a = mje_approval.c
    query = select(mje_approval).where(a.client_id == client_id, a.mje_id == mje_id).order_by(a.sequence)
    return list(conn.execute(query))


def steps_of(conn: Connection, client_id: int, mje_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Entry id → its steps in sequence order (one query for a page of entries)."""
    found: dict[int, list[Any]] = {i: [] for i in mje_ids}
    if not mje_ids:
        return found
    a = mje_approval.c
    query = select(mje_approval).where(a.client_id == client_id, a.mje_id.in_(list(mje_ids)))
    for row in conn.execute(query.order_by(a.mje_id, a.sequence)):
        found[int(row.mje_id)].append(row)
    return found


def decide(conn: Connection, step_id: int, status: str, by: str, comment: str | None, at: datetime) -> bool:
    """Decide a step still pending; whether it was (a concurrent decision finds 0 rows)."""
    a = mje_approval.c
    query = (
        update(mje_approval)
        .where(a.id == step_id, a.status == PENDING)
        .values(status=status, decided_by=by, decided_at=at, comment=comment)
    )
    return conn.execute(query).rowcount == 1


def cancel_pending(conn: Connection, mje_id: int, comment: str) -> None:
    a = mje_approval.c
    conn.execute(
        update(mje_approval)
        .where(a.mje_id == mje_id, a.status == PENDING)
        .values(status=CANCELLED, comment=comment)
    )


# --- Period Close ---------------------------------------------------------------------------------------


def pending_in_scope(conn: Connection, scope: Scope) -> list[str]:
    """Entry numbers of the scope awaiting approval."""
    h = mje_head.c
    query = select(h.mje_num).where(
        h.client_id == scope.client_id,
        h.book_id == scope.book_id,
        h.org_id == scope.org_id,
        h.status == PENDING,
    )
    return list(conn.execute(query.order_by(h.id)).scalars())


def errored_staging(conn: Connection, client_id: int) -> tuple[int, list[str]]:
    """Staging rows of ``Standard MJE`` uploads in error (``E``): how many, and their entry numbers."""
    m = stage_mje.c
    errored = (m.client_id == client_id, flagged(m.processed_flag, "E"))
    count = int(conn.execute(select(func.count()).where(*errored)).scalar_one())
    if not count:
        return 0, []
    numbers = conn.execute(select(m.mje_num).where(*errored).distinct().order_by(m.mje_num)).scalars()
    return count, [str(n) for n in numbers]


def due_reversals(conn: Connection, scope: Scope, period_key: int) -> list[Any]:
    """Posted entries of ``period_key`` to reverse in the next period and not reversed yet."""
    h = mje_head.c
    query = select(mje_head).where(
        h.client_id == scope.client_id,
        h.book_id == scope.book_id,
        h.org_id == scope.org_id,
        h.period_key == period_key,
        h.status == POSTED,
        h.auto_reverse.is_(True),
        h.reversed_by.is_(None),
        h.reversal_of.is_(None),
    )
    return list(conn.execute(query.order_by(h.id)))


def count_unposted_reversals(conn: Connection, client_id: int) -> int:
    h = mje_head.c
    query = select(func.count()).where(
        h.client_id == client_id, h.status == POSTED, h.auto_reverse.is_(True), h.reversed_by.is_(None)
    )
    return int(conn.execute(query).scalar_one())
