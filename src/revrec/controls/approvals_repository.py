"""All SQL of the approvals: approval steps (``rc_approval``), the revision in force before a pending one
(``rc_revision_snapshot``) and the contract state a snapshot holds. Every query is scoped by client."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from revrec.contracts.persist import REALLOCATED_FIELDS
from revrec.contracts.repository import now
from revrec.db.tables import rc_approval, rc_line, rc_pob, rc_revision_snapshot, rc_schedule, revenue_contract
from revrec.periods.service import Scope

PENDING = "Pending"
APPROVED = "Approved"
REJECTED = "Rejected"
SUPERSEDED = "Superseded"  # a later revision replaced the one the step was for
CANCELLED = "Cancelled"  # an earlier step rejected the revision
WITHDRAWN = "Withdrawn"  # a snapshot no longer needed: a later revision needs no approval

HEAD_FIELDS = (
    "version",
    "template",
    "currency",
    "transaction_price",
    "alloc_method",
    "error_code",
    "error_message",
    "updt_prd_id",
)
LINE_FIELDS = REALLOCATED_FIELDS  # a line version's figures, as a revision sets them
POB_FIELDS = ("pob_key", "template", "lead_line_id", "start_date", "end_date")


def _plain(value: Any) -> Any:
    """A JSON-safe value: Decimals as strings (exact), dates in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def contract_state(conn: Connection, rc_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The revision in force of each contract: head fields, current lines, current schedule ids, POBs."""
    if not rc_ids:
        return {}
    heads = conn.execute(select(revenue_contract).where(revenue_contract.c.id.in_(rc_ids))).all()
    found: dict[int, dict[str, Any]] = {
        h.id: {
            "head": {f: _plain(getattr(h, f)) for f in HEAD_FIELDS},
            "lines": {},
            "schedules": [],
            "pobs": [],
        }
        for h in heads
    }
    lines = select(rc_line).where(rc_line.c.rc_id.in_(rc_ids), rc_line.c.current_flag.is_(True))
    for row in conn.execute(lines):
        found[row.rc_id]["lines"][row.line_id] = {
            "id": row.id,
            **{f: _plain(getattr(row, f)) for f in LINE_FIELDS},
        }
    schedules = select(rc_schedule.c.rc_id, rc_schedule.c.id).where(
        rc_schedule.c.rc_id.in_(rc_ids), rc_schedule.c.current_flag.is_(True)
    )
    for row in conn.execute(schedules):
        found[row.rc_id]["schedules"].append(row.id)
    for row in conn.execute(select(rc_pob).where(rc_pob.c.rc_id.in_(rc_ids)).order_by(rc_pob.c.id)):
        found[row.rc_id]["pobs"].append({f: _plain(getattr(row, f)) for f in POB_FIELDS})
    return found


def allocated_by_line(conn: Connection, rc_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """Contract id → line id → allocated amount of the current line versions."""
    found: dict[int, dict[str, Decimal]] = {}
    ids = list(rc_ids)
    if not ids:
        return found
    query = select(rc_line.c.rc_id, rc_line.c.line_id, rc_line.c.allocated).where(
        rc_line.c.rc_id.in_(ids), rc_line.c.current_flag.is_(True)
    )
    for row in conn.execute(query):
        found.setdefault(row.rc_id, {})[row.line_id] = row.allocated
    return found


def open_snapshots(conn: Connection, rc_ids: Sequence[int]) -> dict[int, Any]:
    """Contract id → its undecided snapshot row (at most one per contract)."""
    if not rc_ids:
        return {}
    s = rc_revision_snapshot.c
    rows = conn.execute(select(rc_revision_snapshot).where(s.rc_id.in_(rc_ids), s.resolution.is_(None))).all()
    return {row.rc_id: row for row in rows}


def rejected_new_contracts(conn: Connection, rc_ids: Sequence[int]) -> set[int]:
    """The contracts among ``rc_ids`` whose latest snapshot is a NEW contract's, rejected: nothing of
    theirs is in force (a later revision is checked again as a new contract)."""
    if not rc_ids:
        return set()
    s = rc_revision_snapshot.c
    latest = select(func.max(s.id)).where(s.rc_id.in_(rc_ids)).group_by(s.rc_id)
    rows = conn.execute(select(s.rc_id, s.state).where(s.id.in_(latest), s.resolution == REJECTED)).all()
    return {int(row.rc_id) for row in rows if json.loads(row.state).get("new")}


def insert_snapshot(conn: Connection, client_id: int, rc_id: int, version: int, state: dict[str, Any]) -> int:
    return int(
        conn.execute(
            insert(rc_revision_snapshot)
            .values(
                client_id=client_id, rc_id=rc_id, version=version, state=json.dumps(state), created_at=now()
            )
            .returning(rc_revision_snapshot.c.id)
        ).scalar_one()
    )


def resolve_snapshot(conn: Connection, snapshot_id: int, resolution: str) -> None:
    conn.execute(
        update(rc_revision_snapshot)
        .where(rc_revision_snapshot.c.id == snapshot_id)
        .values(resolution=resolution, resolved_at=now())
    )


def insert_steps(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(rc_approval), list(rows))


def steps(
    conn: Connection,
    client_id: int,
    *,
    rc_id: int | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 1000,
) -> list[Any]:
    a = rc_approval.c
    query = select(rc_approval).where(a.client_id == client_id, a.id > after_id)
    if rc_id is not None:
        query = query.where(a.rc_id == rc_id)
    if status is not None:
        query = query.where(a.status == status)
    return list(conn.execute(query.order_by(a.id).limit(limit)).all())


def close_pending(conn: Connection, rc_id: int, status: str, by: str, comment: str | None) -> int:
    """Every pending step of the contract to ``status`` (superseded or cancelled); how many."""
    a = rc_approval.c
    return conn.execute(
        update(rc_approval)
        .where(a.rc_id == rc_id, a.status == PENDING)
        .values(status=status, approver_comments=comment, updated_by=by, updated_at=now())
    ).rowcount


def decide(conn: Connection, step_id: int, status: str, by: str, comment: str | None, at: datetime) -> None:
    conn.execute(
        update(rc_approval)
        .where(rc_approval.c.id == step_id)
        .values(
            status=status,
            approved_by_user=by,
            approved_by_name=by,
            approver_comments=comment,
            approval_date=at,
            updated_by=by,
            updated_at=at,
        )
    )


def pending_contracts(conn: Connection, scope: Scope) -> list[int]:
    """Contracts of the scope with a pending approval step."""
    a = rc_approval.c
    query = (
        select(a.rc_id)
        .where(
            a.client_id == scope.client_id,
            a.book_id == scope.book_id,
            a.org_id == scope.org_id,
            a.status == PENDING,
        )
        .group_by(a.rc_id)
        .order_by(a.rc_id)
    )
    return [int(r) for r in conn.execute(query).scalars()]


def schedule_rows(conn: Connection, rc_id: int, ids: Sequence[int]) -> tuple[list[Any], list[Any]]:
    """The contract's current schedule rows, and the rows ``ids`` (a snapshot's, current or not)."""
    c = rc_schedule.c
    current = list(conn.execute(select(rc_schedule).where(c.rc_id == rc_id, c.current_flag.is_(True))).all())
    kept = (
        list(conn.execute(select(rc_schedule).where(c.rc_id == rc_id, c.id.in_(list(ids)))).all())
        if ids
        else []
    )
    return current, kept


def restore_lines(conn: Connection, rc_id: int, lines: dict[str, dict[str, Any]]) -> None:
    """The contract's current lines become the given versions again, with their figures then."""
    conn.execute(update(rc_line).where(rc_line.c.rc_id == rc_id).values(current_flag=False))
    for values in lines.values():
        conn.execute(
            update(rc_line)
            .where(rc_line.c.id == values["id"])
            .values(current_flag=True, **_line_values(values))
        )


def _line_values(values: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {f: values.get(f) for f in LINE_FIELDS}
    for money in ("ssp", "allocatable", "allocated", "carve", "ord_qty", "ext_lst_prc"):
        found[money] = None if found[money] is None else Decimal(str(found[money]))
    for money in ("disc_amt", "disc_pct"):  # discount rules (migration 0020)
        found[money] = None if found[money] is None else Decimal(str(found[money]))
    if found["end_date"] is not None:
        found["end_date"] = date.fromisoformat(found["end_date"])
    return found


def restore_pobs(conn: Connection, client_id: int, rc_id: int, pobs: Sequence[dict[str, Any]]) -> None:
    conn.execute(delete(rc_pob).where(rc_pob.c.rc_id == rc_id))
    rows = [
        {
            "client_id": client_id,
            "rc_id": rc_id,
            **p,
            **{d: None if p[d] is None else date.fromisoformat(p[d]) for d in ("start_date", "end_date")},
        }
        for p in pobs
    ]
    if rows:
        conn.execute(insert(rc_pob), rows)
