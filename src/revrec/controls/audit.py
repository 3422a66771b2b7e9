"""The audit trail of control actions: who did what, when, to which object, with the state before and
after and the reason given. Rows are only ever inserted (nothing updates or deletes them), so the trail is
the complete history of every control action of a client.

Callers record inside the same transaction as the action itself, so an action and its audit row commit or
roll back together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from revrec.db.tables import control_audit

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded control action."""

    id: int
    client_id: int
    action: str
    object_type: str
    object_id: str
    actor: str
    acted_at: datetime
    reason: str | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


def _encode(state: Mapping[str, Any] | None) -> str | None:
    """JSON of a state; Decimals travel as strings (never through float), dates in ISO form."""
    if state is None:
        return None

    def default(value: object) -> str:
        if isinstance(value, Decimal):
            return str(value)
        if hasattr(value, "isoformat"):
            return str(value.isoformat())
        raise TypeError(f"cannot record a value of type {type(value).__name__} in the audit trail")

    return json.dumps(dict(state), sort_keys=True, default=default)


def record(
    conn: Connection,
    *,
    client_id: int,
    action: str,
    object_type: str,
    object_id: str | int,
    actor: str,
    reason: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Append one action to the client's audit trail; its id."""
    row_id = conn.execute(
        insert(control_audit)
        .values(
            client_id=client_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            actor=actor,
            acted_at=now or datetime.now(UTC),
            reason=reason,
            before_state=_encode(before),
            after_state=_encode(after),
        )
        .returning(control_audit.c.id)
    ).scalar_one()
    return int(row_id)


def entries(
    conn: Connection,
    client_id: int,
    *,
    object_type: str | None = None,
    object_id: str | int | None = None,
    action: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[AuditEntry]:
    """The client's audit entries in the order they were recorded, optionally for one object or action;
    ``after_id`` pages forward (the id of the last entry already read)."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(control_audit).where(control_audit.c.client_id == client_id, control_audit.c.id > after_id)
    if object_type is not None:
        query = query.where(control_audit.c.object_type == object_type)
    if object_id is not None:
        query = query.where(control_audit.c.object_id == str(object_id))
    if action is not None:
        query = query.where(control_audit.c.action == action)
    rows = conn.execute(query.order_by(control_audit.c.id).limit(limit)).all()
    return [
        AuditEntry(
            id=row.id,
            client_id=row.client_id,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            actor=row.actor,
            acted_at=row.acted_at,
            reason=row.reason,
            before=json.loads(row.before_state) if row.before_state else None,
            after=json.loads(row.after_state) if row.after_state else None,
        )
        for row in rows
    ]
