"""Rejecting a pending revision: the revision in force before it (its snapshot) becomes current again.

The restore is itself a new revision of the contract (``version`` + 1): head figures, line versions and
their allocation, and POBs as they were; each line's schedule is rebuilt by
:func:`revrec.contracts.revisions.revise` (retrospective) from the current schedule towards the snapshot's,
so periods closed since (a forced Period Close) keep what they posted and the open period books the
difference. A rejected NEW contract has no previous revision: its schedules drop to nothing from the open
period on (its lines and bills stay). The open period's entries are then regenerated.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from revrec.accounting import service as accounting
from revrec.accounting import settings as accounting_settings
from revrec.auth.service import Principal
from revrec.contracts import repository as contracts_repo
from revrec.contracts.bulk_write import insert_rows
from revrec.contracts.persist import SCHEDULE_COLUMNS, Context, schedule_row
from revrec.contracts.revisions import RETROSPECTIVE, Packed, revise
from revrec.controls import approvals_repository as repo
from revrec.db.tables import rc_schedule
from revrec.errors import Conflict
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy


def decode(state: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(state)
    return found


def _context(conn: Connection, caller: Principal, head: Any, by: str) -> Context:
    client = tenancy.get_client(conn, caller.client_id)
    assert client is not None
    policies = policies_for(conn, client)
    scope = periods.Scope(caller.client_id, int(head.book_id), int(head.org_id))
    opened = periods.current_open(conn, scope, policies.calendar)
    if opened is None:
        raise Conflict(f"no open period for the book and org of contract {head.id}")
    treatment = accounting_settings.load(conn, client.id).modification_treatment
    return Context(
        scope, policies.calendar, opened, client.reporting_currency, treatment, policies, created_by=by
    )


def _figures(conn: Connection, rc_id: int) -> dict[str, Any]:
    head = contracts_repo.contracts_by_id(conn, [rc_id])[0]
    lines = repo.allocated_by_line(conn, [rc_id]).get(rc_id, {})
    return {"version": head.version, "transaction_price": head.transaction_price,
            "allocated": dict(sorted(lines.items()))}  # fmt: skip


def _schedules(conn: Connection, ctx: Context, rc_id: int, kept_ids: list[int]) -> None:
    """Each line's schedule revised towards the snapshot's (nothing for lines the snapshot lacks)."""
    current_rows, kept_rows = repo.schedule_rows(conn, rc_id, kept_ids)
    current = {r.line_id: r for r in current_rows}
    kept = {r.line_id: r for r in kept_rows}
    empty = Packed(ctx.open.index, ([], [], []), ([], [], []))
    rows, retired = [], []
    for line_id in sorted(set(current) | set(kept)):
        now_row, then_row = current.get(line_id), kept.get(line_id)
        old = contracts_repo.packed_of(now_row) if now_row is not None else None
        target = contracts_repo.packed_of(then_row) if then_row is not None else empty
        new = revise(old, target, None, open_index=ctx.open.index, treatment=RETROSPECTIVE)
        if old is not None and new == old:
            continue
        source = now_row if now_row is not None else then_row
        assert source is not None
        if now_row is not None:
            retired.append(int(now_row.id))
        version = max(r.version for r in (now_row, then_row) if r is not None) + 1
        currencies = (source.curr, source.f_cur, source.r_cur)
        rows.append(schedule_row(ctx, rc_id, line_id, version, new, currencies))
    contracts_repo.retire(conn, "rc_schedule", retired)
    insert_rows(conn, rc_schedule, SCHEDULE_COLUMNS, rows)


def restore(
    conn: Connection, caller: Principal, rc_id: int, snapshot: Any, *, by: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Put the snapshot's revision back in force; the contract's figures before and after."""
    head = contracts_repo.contracts_by_id(conn, [rc_id])[0]
    ctx = _context(conn, caller, head, by)
    before = _figures(conn, rc_id)
    state: dict[str, Any] = decode(snapshot.state) if snapshot is not None else {"new": True}
    values: dict[str, Any] = {"version": int(head.version) + 1, "updt_prd_id": ctx.open.key,
                              "updated_at": contracts_repo.now()}  # fmt: skip
    if state.get("new"):
        _schedules(conn, ctx, rc_id, [])
    else:
        old = state["head"]
        values.update(
            {k: old[k] for k in ("template", "currency", "alloc_method", "error_code", "error_message")}
        )
        values["transaction_price"] = Decimal(old["transaction_price"])
        repo.restore_lines(conn, rc_id, state["lines"])
        _schedules(conn, ctx, rc_id, list(state["schedules"]))
        repo.restore_pobs(conn, ctx.scope.client_id, rc_id, state["pobs"])
    contracts_repo.update_contract(conn, rc_id, values)
    accounting.journalize(conn, ctx.scope, ctx.open)
    return before, _figures(conn, rc_id)
