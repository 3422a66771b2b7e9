"""All SQL of the policies package."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from revrec.db.tables import client_policy


def load(conn: Connection, client_id: int) -> dict[str, Any] | None:
    raw = conn.execute(
        select(client_policy.c.document).where(client_policy.c.client_id == client_id)
    ).scalar()
    return json.loads(raw) if raw is not None else None


def save(conn: Connection, client_id: int, document: dict[str, Any]) -> None:
    text = json.dumps(document, sort_keys=True)
    stamp = datetime.now(UTC)
    if load(conn, client_id) is None:
        conn.execute(insert(client_policy).values(client_id=client_id, document=text, updated_at=stamp))
    else:
        conn.execute(
            update(client_policy)
            .where(client_policy.c.client_id == client_id)
            .values(document=text, updated_at=stamp)
        )
