"""All SQL of the manual revenue actions (``rc_manual_action``, insert-only) and the overrides in force
that every recomputation of a contract applies. Every query is scoped by client."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, insert, or_, select

from revrec.db.id_lists import among, batches
from revrec.db.tables import rc_line, rc_manual_action, rc_revision_snapshot, revenue_contract
from revrec.engine.lines import ManualRelease
from revrec.engine.overrides import Overrides

RELEASE = "RELEASE"
SSP_OVERRIDE = "SSP_OVERRIDE"
ALLOCATION_OVERRIDE = "ALLOCATION_OVERRIDE"
WITHDRAWAL = "WITHDRAWAL"
REJECTION = "REJECTION"  # an approver rejected the revision the action made
ACTIONS = (RELEASE, SSP_OVERRIDE, ALLOCATION_OVERRIDE)
ENDINGS = (WITHDRAWAL, REJECTION)

_a = rc_manual_action.c
#: how many times the look-ups of actions name their batch of contract ids (revrec.db.id_lists.batches)
NAMED = 3


def insert_action(conn: Connection, values: Mapping[str, Any]) -> int:
    return int(conn.execute(insert(rc_manual_action).values(**values).returning(_a.id)).scalar_one())


def action(conn: Connection, client_id: int, action_id: int) -> Any:
    query = select(rc_manual_action).where(_a.client_id == client_id, _a.id == action_id)
    return conn.execute(query).one_or_none()


def actions(conn: Connection, client_id: int, rc_id: int) -> list[Any]:
    """Every action of the contract, in the order taken (withdrawals and rejections included)."""
    query = select(rc_manual_action).where(_a.client_id == client_id, _a.rc_id == rc_id).order_by(_a.id)
    return list(conn.execute(query).all())


def ended(conn: Connection, client_id: int, rc_ids: Iterable[int]) -> dict[int, Any]:
    """Action id → the withdrawal or rejection that ended it."""
    found: dict[int, Any] = {}
    for chunk in batches(conn, rc_ids, times=NAMED):
        query = select(rc_manual_action).where(_endings(conn, client_id, chunk))
        found.update((int(row.target_id), row) for row in conn.execute(query))
    return found


def _endings(conn: Connection, client_id: int, chunk: list[int]) -> Any:
    """Rows ending an action of the contracts ``chunk``: withdrawals (unless rejected themselves) and
    rejections."""
    rejected = select(_a.target_id).where(
        _a.client_id == client_id, among(conn, _a.rc_id, chunk), _a.kind == REJECTION
    )
    return and_(
        _a.client_id == client_id,
        among(conn, _a.rc_id, chunk),
        _a.kind.in_(ENDINGS),
        or_(_a.kind == REJECTION, _a.id.not_in(rejected)),
    )


def in_force(conn: Connection, client_id: int, rc_ids: Iterable[int]) -> list[Any]:
    """The actions of the contracts that no withdrawal or rejection has ended, in the order taken (one
    statement a batch of contracts: an array parameter on PostgreSQL, revrec.db.id_lists)."""
    found: list[Any] = []
    for chunk in batches(conn, rc_ids, times=NAMED):
        endings = select(_a.target_id).where(_endings(conn, client_id, chunk))
        query = select(rc_manual_action).where(
            _a.client_id == client_id,
            among(conn, _a.rc_id, chunk),
            _a.kind.in_(ACTIONS),
            _a.id.not_in(endings),
        )
        found.extend(conn.execute(query).all())
    return sorted(found, key=lambda row: row.id)


def pob_lines(conn: Connection, rc_ids: Iterable[int]) -> dict[tuple[int, str], list[str]]:
    """(contract id, POB key) → the line ids of its current lines."""
    found: dict[tuple[int, str], list[str]] = {}
    c = rc_line.c
    for chunk in batches(conn, rc_ids):
        query = select(c.rc_id, c.pob_key, c.line_id).where(
            among(conn, c.rc_id, chunk), c.current_flag.is_(True), c.pob_key.is_not(None)
        )
        for row in conn.execute(query.order_by(c.line_id)):
            found.setdefault((int(row.rc_id), row.pob_key), []).append(row.line_id)
    return found


def parse_fraction(text: str) -> Fraction:
    numerator, _, denominator = text.partition("/")
    return Fraction(int(numerator), int(denominator or 1))


def overrides_of(rows: Iterable[Any], pobs: Mapping[tuple[int, str], list[str]]) -> Overrides:
    """The overrides the actions ``rows`` (in force, in the order taken) put on their contract: the latest
    SSP and allocated amount per line win; every release counts."""
    ssp: dict[str, Decimal] = {}
    allocated: dict[str, Decimal] = {}
    releases: list[ManualRelease] = []
    for row in rows:
        if row.kind == SSP_OVERRIDE:
            ssp[row.line_id] = Decimal(row.amount)
        elif row.kind == ALLOCATION_OVERRIDE:
            allocated.update((k, Decimal(v)) for k, v in json.loads(row.amounts).items())
        elif row.kind == RELEASE:
            lines = [row.line_id] if row.level == "LINE" else pobs.get((int(row.rc_id), row.pob_key), [])
            fraction = parse_fraction(row.fraction)
            percent = Decimal(fraction.numerator * 100) / Decimal(fraction.denominator)  # shown only
            releases.extend(
                ManualRelease(line_id, row.release_date, percent, fraction=fraction) for line_id in lines
            )
    return Overrides(ssp, allocated, tuple(releases))


def overrides_by_key(conn: Connection, client_id: int, rc_ids: Iterable[int]) -> dict[str, Overrides]:
    """Contract key → the overrides in force, for the contracts of ``rc_ids`` that have any (one query when
    none has)."""
    rows = in_force(conn, client_id, rc_ids)
    if not rows:
        return {}
    by_rc: dict[int, list[Any]] = {}
    for row in rows:
        by_rc.setdefault(int(row.rc_id), []).append(row)
    rc = revenue_contract.c
    keys: dict[int, str] = {}
    for chunk in batches(conn, by_rc):
        keys.update(conn.execute(select(rc.id, rc.rc_key).where(among(conn, rc.id, chunk))).all())
    pobs = pob_lines(conn, by_rc) if any(r.kind == RELEASE and r.level == "POB" for r in rows) else {}
    return {keys[rc_id]: overrides_of(found, pobs) for rc_id, found in by_rc.items()}


def current_lines(conn: Connection, rc_id: int) -> list[Any]:
    """The contract's current lines: line id, POB, SSP, allocated amount and currency."""
    c = rc_line.c
    query = select(c.line_id, c.pob_key, c.ssp, c.allocated, c.curr).where(
        c.rc_id == rc_id, c.current_flag.is_(True)
    )
    return list(conn.execute(query.order_by(c.line_id)).all())


def undecided_snapshots(conn: Connection, ids: Iterable[int]) -> set[int]:
    """Of the snapshots ``ids``, those whose approval request is not decided yet."""
    wanted = list(ids)
    if not wanted:
        return set()
    s = rc_revision_snapshot.c
    return set(conn.execute(select(s.id).where(s.id.in_(wanted), s.resolution.is_(None))).scalars())


def reject_actions(conn: Connection, client_id: int, snapshot_id: int, by: str, reason: str, at: Any) -> int:
    """A rejected approval request ends the actions that made the rejected revision; how many."""
    query = select(rc_manual_action).where(_a.client_id == client_id, _a.snapshot_id == snapshot_id)
    rows = list(conn.execute(query).all())
    for row in rows:
        insert_action(
            conn,
            {
                "client_id": client_id, "rc_id": row.rc_id, "kind": REJECTION, "target_id": row.id,
                "reason": reason, "actor": by, "acted_at": at, "period": row.period,
                "version_before": row.version_after, "version_after": row.version_after + 1,
            },
        )  # fmt: skip
    return len(rows)


def in_force_clause(kind: str, rc_id: Any, line_id: Any = None) -> ColumnElement[bool]:
    """SQL: the contract ``rc_id`` (of the line ``line_id``) has an action of ``kind`` in force (BI views)."""
    m, e, r = (rc_manual_action.alias(name) for name in ("m", "e", "r"))
    rejected = select(r.c.target_id).where(r.c.kind == REJECTION, r.c.rc_id == m.c.rc_id)
    ending = select(e.c.id).where(
        e.c.target_id == m.c.id,
        e.c.kind.in_(ENDINGS),
        or_(e.c.kind == REJECTION, e.c.id.not_in(rejected)),
    )
    conditions = [m.c.rc_id == rc_id, m.c.kind == kind, ~exists(ending)]
    if line_id is not None:
        conditions.append(m.c.line_id == line_id)
    return exists(select(m.c.id).where(*conditions))
