"""A manual revenue action awaiting approval survives a later revision of its contract.

A manual revenue action caught by a ``MANUAL_ADJUSTMENT`` rule leaves its contract pending (its steps are
``rc_approval`` rows of that type, its revision in force kept as a snapshot). When Data Collection or Event
Process revises the contract before the decision, the revision supersedes the pending steps as any later
revision does (:mod:`revrec.controls.approvals`); without this module it would then be checked against
``REVISION`` rules only, and a revision within their amounts would withdraw the request and put the action
in force undecided. Instead the action's pending steps are **carried over**: the same roles of the same
rules, first in order, followed by the steps of any rule that catches the revision itself. The contract
stays pending; approving the last step puts the revision (with the action) in force, rejecting restores
the revision in force before the action and ends the action. Behaviour: docs/controls.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from revrec.contracts.repository import now
from revrec.controls import approvals_repository as repo
from revrec.controls.approvals_rules import MANUAL_ADJUSTMENT
from revrec.db.tables import rc_approval

_COPIED = ("client_id", "rc_id", "book_id", "org_id", "obj_type", "rule_id", "rule_name", "rule_desc",
           "approval_type", "approver_user", "approver_name", "start_date")  # fmt: skip


def held_steps(conn: Connection, client_id: int, rc_id: int) -> list[Any]:
    """The contract's pending steps of a manual revenue action, in sequence (read before they are
    superseded)."""
    a = rc_approval.c
    query = (
        select(rc_approval)
        .where(
            a.client_id == client_id,
            a.rc_id == rc_id,
            a.status == repo.PENDING,
            a.approval_type == MANUAL_ADJUSTMENT,
        )
        .order_by(a.approver_sequence, a.id)
    )
    return list(conn.execute(query).all())


def carry_over(conn: Connection, held: Sequence[Any], by: str) -> int:
    """New pending steps, numbered from 1, for the manual action's steps ``held``; how many."""
    if not held:
        return 0
    stamp = now()
    rows = [
        {
            **{name: getattr(step, name) for name in _COPIED},
            "status": repo.PENDING,
            "approver_sequence": n,
            "pending_since": stamp,
            "created_by": by,
            "created_at": stamp,
            "updated_by": by,
            "updated_at": stamp,
        }
        for n, step in enumerate(held, start=1)
    ]
    conn.execute(insert(rc_approval), rows)
    return len(rows)


def carried_note(held: Sequence[Any]) -> str:
    """The audit reason's clause for the carried-over steps."""
    names = sorted({str(step.rule_name) for step in held})
    return f"{MANUAL_ADJUSTMENT} approval of the pending manual action carried over: " + ", ".join(names)
