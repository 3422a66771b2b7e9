"""All SQL of the explanations: a contract's head, current lines, schedules and source upload lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from revrec.db.tables import rc_line, revenue_contract, stage_line


def contract_head(conn: Connection, client_id: int, rc_id: int) -> Any:
    """The contract ``rc_id`` of ``client_id`` (None when it does not exist or is another client's)."""
    query = select(revenue_contract).where(
        revenue_contract.c.id == rc_id, revenue_contract.c.client_id == client_id
    )
    return conn.execute(query).first()


def current_lines(conn: Connection, rc_id: int) -> list[Any]:
    """The current line versions of contract ``rc_id``, in line-id order."""
    c = rc_line.c
    query = select(rc_line).where(c.rc_id == rc_id, c.current_flag.is_(True)).order_by(c.line_id)
    return list(conn.execute(query))


def source_uploads(conn: Connection, row_ids: Iterable[int]) -> dict[int, int]:
    """Staging row id → the upload it came from."""
    ids = sorted(set(row_ids))
    found: dict[int, int] = {}
    for start in range(0, len(ids), 900):
        query = select(stage_line.c.id, stage_line.c.upload_id).where(
            stage_line.c.id.in_(ids[start : start + 900])
        )
        found.update((int(r.id), int(r.upload_id)) for r in conn.execute(query))
    return found
