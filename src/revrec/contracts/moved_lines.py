"""SO lines re-sent with values that group them into another contract (e.g. another Doc Num).

The line leaves its old contract and joins the new one; its history goes with neither side's closed
periods. In the old contract, its current schedule gets a last version that keeps every closed period as
it was and is zero from the open period on: what the old contract recognised for it is reversed in the
open period (the remaining lines are reallocated by the old contract's own revision). In the new contract
the line is a line joining it (or a new contract's line): its schedule starts in the open period with the
catch-up, and its new ``rc_line`` version (the old one retired) records the move. Bills already collected
stay with the old contract. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from revrec.contracts import repository as repo
from revrec.contracts.compute import Computation
from revrec.contracts.persist import Context, Rows, schedule_row
from revrec.contracts.revisions import Packed, revise


def find(computation: Computation, heads: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Line id → current ``rc_line`` row of the lines of ``current`` (their stored versions) that the
    computation puts into another contract than the one holding them (a stored one of ``heads`` by key, or
    a new one)."""
    moved: dict[str, Any] = {}
    for item in computation.contracts:
        head = heads.get(item.contract.key)
        for line in item.contract.lines:
            row = current.get(line.line_id)
            if row is not None and (head is None or int(head.id) != int(row.rc_id)):
                moved[line.line_id] = row
    return moved


def leave(conn: Connection, ctx: Context, moved: Mapping[str, Any], rows: Rows) -> None:
    """The moved lines' schedules in their old contracts: retired, and replaced (to ``rows``) by a version
    reversed from the open period on when they recognised something before it."""
    if not moved:
        return
    found = repo.current_line_schedules(
        conn, ctx.scope.client_id, {(int(row.rc_id), line_id) for line_id, row in moved.items()}
    )
    for row in found:
        old = repo.packed_of(row)
        empty = Packed(ctx.open.index, ([], [], []), ([], [], []))
        reversed_ = revise(old, empty, None, open_index=ctx.open.index)  # closed periods kept, then zero
        if reversed_ != empty:
            currencies = (row.curr, row.f_cur, row.r_cur)
            rows.schedules.append(
                schedule_row(ctx, int(row.rc_id), row.line_id, row.version + 1, reversed_, currencies)
            )
    repo.retire(conn, "rc_schedule", [int(row.id) for row in found])
