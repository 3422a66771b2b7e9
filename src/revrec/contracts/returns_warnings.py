"""Warning REVREC-ENG-040 (actual returns beyond the expected returns of a line) in ``rc_warning``.

The reserve refresh (revrec.contracts.returns_reserve) finds them whenever the open period's journal is
regenerated; this module makes the stored ones of the scope equal to those: one still found keeps its row
(and the open period that first found it), a new one is inserted, one no longer found (the terms were
reassessed, or the returns corrected) is deleted. Contract writes leave them alone
(revrec.contracts.warnings.MANAGED_ELSEWHERE). They have no job: the ``contract-warnings`` report lists
them (``CODE=REVREC-ENG-040``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import Connection, delete, insert, select

from revrec.contracts.repository import now
from revrec.db.id_lists import among, batches
from revrec.db.tables import rc_warning, revenue_contract
from revrec.engine.errors import EngineError
from revrec.engine.returns import EXCESS_RETURNS
from revrec.periods.service import Scope


def sync(conn: Connection, scope: Scope, period: int, current: Mapping[int, list[EngineError]]) -> int:
    """Store ``current`` (contract id → its ENG-040 warnings) as the scope's; returns how many are new."""
    w, c = rc_warning.c, revenue_contract.c
    in_scope = select(c.id).where(
        c.client_id == scope.client_id, c.book_id == scope.book_id, c.org_id == scope.org_id
    )
    stored = {
        (int(row.rc_id), row.line_id, row.message): int(row.id)
        for row in conn.execute(
            select(w.id, w.rc_id, w.line_id, w.message).where(
                w.client_id == scope.client_id, w.code == EXCESS_RETURNS, w.rc_id.in_(in_scope)
            )
        )
    }
    rows = []
    stamp = now()
    for rc_id, warnings in current.items():
        for warning in warnings:
            if stored.pop((rc_id, warning.line_id, warning.message[:500]), None) is not None:
                continue
            rows.append(
                {
                    "client_id": scope.client_id,
                    "rc_id": rc_id,
                    "line_id": warning.line_id,
                    "code": warning.code,
                    "message": warning.message[:500],
                    "detail": json.dumps(dict(warning.values), sort_keys=True),
                    "job_id": None,
                    "prd_id": period,
                    "created_at": stamp,
                }  # fmt: skip
            )
    for chunk in batches(conn, stored.values()):
        conn.execute(delete(rc_warning).where(among(conn, w.id, chunk)))
    if rows:
        conn.execute(insert(rc_warning), rows)
    return len(rows)
