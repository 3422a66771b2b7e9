"""What each console page shows, composed from the domain packages' services and repositories (no
business rule lives here: amounts come as stored, explanations from ``revrec.explain``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from revrec.accounting import settings as accounting_settings
from revrec.auth.service import Principal
from revrec.console import charts, manual
from revrec.console import repository as repo
from revrec.contracts import repository as contracts_repo
from revrec.engine.money import from_minor
from revrec.errors import NotFound
from revrec.explain import repository as explain_repo
from revrec.policies.service import policies_for
from revrec.programs import service as programs
from revrec.tenancy import repository as tenancy


def dashboard(conn: Connection, caller: Principal) -> dict[str, Any]:
    return {
        "periods": repo.open_periods(conn, caller.client_id),
        "checklist": {
            **repo.checklist(conn, caller.client_id),
            **repo.control_counts(conn, caller.client_id),
            **repo.mje_counts(conn, caller.client_id),
        },
        "jobs": programs.list_jobs(conn, caller.client_id, limit=10),
    }


@dataclass
class GridRow:
    """One line's net revenue (revenue + carve) per period, in minor units, from calendar index ``first``."""

    line_id: str
    first: int
    minor: list[int]
    cells: list[int] = field(default_factory=list)
    amounts: list[Decimal] = field(default_factory=list)


def _grid(conn: Connection, caller: Principal, rc_id: int) -> tuple[list[int], list[GridRow]]:
    """Net revenue per line and period (from the stored running totals), and the periods they span."""
    client = tenancy.get_client(conn, caller.client_id)
    assert client is not None
    keys = policies_for(conn, client).calendar.keys
    rows = []
    for line_id, (_, _, packed) in sorted(contracts_repo.current_schedules(conn, [rc_id]).items()):
        running = [r + c for r, c in zip(packed.rev[0], packed.cv[0], strict=True)]
        amounts = [b - a for a, b in zip([0, *running[:-1]], running, strict=True)]
        rows.append(GridRow(line_id, packed.first_index, amounts))
    if not rows:
        return [], []
    first = min(r.first for r in rows)
    last = max(r.first + len(r.minor) for r in rows)
    for r in rows:
        r.cells = [0] * (r.first - first) + r.minor + [0] * (last - r.first - len(r.minor))
    return list(keys[first:last]), rows


WATCHED = ("ord_qty", "ext_sll_prc", "end_date", "allocated", "return_flag")


def revisions(conn: Connection, rc_id: int) -> list[dict[str, Any]]:
    """Each line version after the first, with the watched fields that changed from the version before."""
    history, before = [], None
    for row in repo.line_versions(conn, rc_id):
        if before is not None and before.line_id == row.line_id:
            changed = [
                (f, getattr(before, f), getattr(row, f))
                for f in WATCHED
                if getattr(before, f) != getattr(row, f)
            ]
            history.append(
                {
                    "line_id": row.line_id,
                    "version": row.version,
                    "period": row.crtd_prd_id,
                    "changes": changed,
                }
            )
        before = row
    return history


def contract(conn: Connection, caller: Principal, rc_id: int) -> dict[str, Any]:
    head = explain_repo.contract_head(conn, caller.client_id, rc_id)
    if head is None:
        raise NotFound(f"No revenue contract with id {rc_id} for this client")
    periods, rows = _grid(conn, caller, rc_id)
    currency = head.currency
    for r in rows:
        r.amounts = [from_minor(m, currency) for m in r.cells]
    totals = [sum((r.amounts[i] for r in rows), Decimal(0)) for i in range(len(periods))]
    chart = charts.bar_chart(f"Revenue per period of {head.rc_key}", [str(p) for p in periods], totals)
    lines = explain_repo.current_lines(conn, rc_id)
    return {
        "head": head,
        "lines": lines,
        "events": repo.events_of(conn, caller.client_id, [row.line_id for row in lines]),
        "revisions": revisions(conn, rc_id),
        "treatment": accounting_settings.load(conn, caller.client_id).modification_treatment,
        "periods": periods,
        "grid": rows,
        "totals": totals,
        "chart": chart,
        **repo.contract_parts(conn, rc_id),
        **repo.contract_controls(conn, caller.client_id, rc_id),
        **manual.contract_manual(conn, caller, rc_id),
    }
