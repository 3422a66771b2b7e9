"""Approvals of revenue contracts: which contracts await approval, the steps, approve and reject.

Data Collection calls :func:`gate` before it writes a chunk's contracts and :func:`request` after: a new
contract or a revision that an enabled rule (:mod:`revrec.controls.approvals_rules`) catches gets one
``Pending`` step per approver role, in order, and the revision in force before it is kept as a snapshot.
The pending revision is computed and stored (its figures show in the open period's unposted entries), but
Period Close refuses to post while a step is pending unless forced (:func:`blockers`).

Approving takes the steps in order, each by a user whose role is the step's; the last approval puts the
revision in force. Rejecting puts the snapshot back (:mod:`revrec.controls.approvals_restore`) as a new
revision, so the previous numbers are in force again; closed periods never move. A revision of a contract
that already awaits approval supersedes its pending steps and is checked against the same snapshot (the
revision in force); the pending steps of a manual revenue action are carried over to it
(:mod:`revrec.controls.manual_pending`), so the action never comes into force undecided. A rejected NEW
contract has nothing in force: its schedules drop to nothing from the
open period on, and a later revision of it is checked again as a new contract (NEW_CONTRACT rules, its
transaction price), so it never comes back into force without approval. Every step is a ``rc_approval``
row (BI3_APPR_DTL); every action is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from revrec.auth.service import Principal
from revrec.contracts.persist import Context
from revrec.contracts.repository import contracts_by_id, lock_client, now
from revrec.controls import approvals_repository as repo
from revrec.controls import approvals_restore, audit, manual_pending, manual_repository
from revrec.controls.approvals_rules import MANUAL_ADJUSTMENT, NEW_CONTRACT, REVISION, ApprovalRule, load
from revrec.errors import Conflict, Forbidden, InvalidInput, NotFound
from revrec.periods.service import Scope

OBJECT = "RC"
SYSTEM = "revrec"


@dataclass
class Gate:
    """What :func:`request` needs from before a chunk is written: rules and the revisions in force."""

    rules: list[ApprovalRule]
    in_force: dict[int, dict[str, Any]] = field(default_factory=dict)  # rc id → state (new snapshots)
    open: dict[int, Any] = field(default_factory=dict)  # rc id → its undecided snapshot row
    rejected_new: set[int] = field(default_factory=set)  # rejected new contracts: nothing in force


def gate(conn: Connection, client_id: int, heads: Mapping[str, Any]) -> Gate | None:
    """Before contracts are revised: the state in force of those a rule may catch (None: no rules)."""
    rules = load(conn, client_id)
    if not rules:
        return None
    ids = [int(h.id) for h in heads.values()]
    found = Gate(rules, open=repo.open_snapshots(conn, ids))
    found.rejected_new = repo.rejected_new_contracts(conn, [i for i in ids if i not in found.open])
    if any(r.applies_to == REVISION for r in rules):
        found.in_force = repo.contract_state(conn, [i for i in ids if i not in found.open])
    return found


def _change(before: Mapping[str, Any], after: Mapping[str, Decimal]) -> Decimal:
    """Σ |allocated now − allocated in force| over the lines of either revision."""
    total = Decimal(0)
    for line_id in set(before) | set(after):
        old = Decimal(before[line_id]["allocated"]) if line_id in before else Decimal(0)
        total += abs(after.get(line_id, Decimal(0)) - old)
    return total


def _in_force(
    conn: Connection, found: Gate, rc_id: int, is_new: bool, head: Any, by: str
) -> tuple[dict[str, Any] | None, Any]:
    """The revision in force of a written contract (``{"new": True}`` for a new one) and its undecided
    snapshot; pending steps of an earlier revision are superseded."""
    snapshot = found.open.get(rc_id)
    if snapshot is None:
        new = is_new or rc_id in found.rejected_new  # a rejected new contract has nothing in force
        return ({"new": True} if new else found.in_force.get(rc_id)), None
    repo.close_pending(conn, rc_id, repo.SUPERSEDED, by, f"superseded by revision {head.version}")
    return approvals_restore.decode(snapshot.state), snapshot


def request(
    conn: Connection, ctx: Context, found: Gate | None, new_ids: Mapping[str, int], revised: Sequence[int]
) -> int:
    """After a chunk is written: approval steps for the contracts a rule catches; how many contracts."""
    if found is None:
        return 0
    by = ctx.created_by or SYSTEM
    fresh = set(new_ids.values())
    contracts = {int(r.id): r for r in contracts_by_id(conn, [*fresh, *revised])}
    allocated = repo.allocated_by_line(conn, revised)
    requested = 0
    for rc_id, head in contracts.items():
        held = manual_pending.held_steps(conn, ctx.scope.client_id, rc_id) if rc_id in found.open else []
        state, snapshot = _in_force(conn, found, rc_id, rc_id in fresh, head, by)
        if state is None:
            continue
        if state.get("new"):
            kind, figure = NEW_CONTRACT, Decimal(head.transaction_price)
        else:
            kind, figure = REVISION, _change(state["lines"], allocated.get(rc_id, {}))
        rules = [r for r in found.rules if r.matches(kind, figure)]
        if not rules and not held:
            if snapshot is not None:
                repo.resolve_snapshot(conn, snapshot.id, repo.WITHDRAWN)
            continue
        if snapshot is None:
            repo.insert_snapshot(conn, ctx.scope.client_id, rc_id, int(head.version), state)
        carried = manual_pending.carry_over(conn, held, by)
        _steps(conn, ctx, head, kind, rules, by, first=carried + 1)
        after = {"version": head.version, "transaction_price": head.transaction_price}
        reason = f"{kind} {figure}: " + (", ".join(r.name for r in rules) or "no rule")
        if held:
            reason += "; " + manual_pending.carried_note(held)
        audit.record(
            conn,
            client_id=ctx.scope.client_id,
            action="approval.requested",
            object_type=OBJECT,
            object_id=rc_id,
            actor=by,
            reason=reason,
            before=_figures(state),
            after=after,
        )
        requested += 1
    return requested


def _figures(state: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not state or state.get("new"):
        return None
    lines = state["lines"]
    return {
        "version": state["head"]["version"],
        "transaction_price": state["head"]["transaction_price"],
        "allocated": {k: v["allocated"] for k, v in sorted(lines.items())},
    }


def _steps(
    conn: Connection,
    ctx: Context,
    head: Any,
    kind: str,
    rules: Sequence[ApprovalRule],
    by: str,
    first: int = 1,
) -> None:
    stamp = now()
    rows: list[dict[str, Any]] = []
    for rule in rules:
        for role in rule.approvers:
            rows.append(
                {
                    "client_id": ctx.scope.client_id,
                    "rc_id": int(head.id),
                    "book_id": ctx.scope.book_id,
                    "org_id": ctx.scope.org_id,
                    "obj_type": OBJECT,
                    "status": repo.PENDING,
                    "rule_id": rule.id,
                    "rule_name": rule.name,
                    "rule_desc": rule.description,
                    "approval_type": kind,
                    "approver_sequence": first + len(rows),
                    "approver_user": role,
                    "approver_name": role,
                    "pending_since": stamp,
                    "start_date": ctx.open.start,
                    "created_by": by,
                    "created_at": stamp,
                    "updated_by": by,
                    "updated_at": stamp,
                }
            )
    repo.insert_steps(conn, rows)


def blockers(conn: Connection, scope: Scope) -> list[str]:
    """Period Close: contracts awaiting approval, as a sentence (empty when none)."""
    pending = repo.pending_contracts(conn, scope)
    if not pending:
        return []
    shown = ", ".join(map(str, pending[:10])) + (" ..." if len(pending) > 10 else "")
    return [f"{len(pending)} revenue contract(s) await approval ({shown}): approve or reject them"]


def _next_step(conn: Connection, client_id: int, rc_id: int) -> Any:
    """The contract's lowest pending step; decisions take the client's collection lock first, so they
    serialize with each other and with Data Collection / Event Process revising the same contracts."""
    lock_client(conn, client_id)
    found = contracts_by_id(conn, [rc_id])
    if not found or int(found[0].client_id) != client_id:
        raise NotFound(f"revenue contract {rc_id} not found")
    pending = [s for s in repo.steps(conn, client_id, rc_id=rc_id, status=repo.PENDING)]
    if not pending:
        raise Conflict(f"revenue contract {rc_id} has no pending approval")
    return min(pending, key=lambda s: s.approver_sequence)


def _check_role(caller: Principal, step: Any) -> None:
    if caller.role != step.approver_user:
        raise Forbidden(
            f"approval step {step.approver_sequence} of contract {step.rc_id} is for role "
            f"{step.approver_user!r}; sign in with that role (you are signed in as {caller.role!r})"
        )


def _audit(
    conn: Connection,
    caller: Principal,
    rc_id: int,
    action: str,
    reason: str | None,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    audit.record(conn, client_id=caller.client_id, action=action, object_type=OBJECT, object_id=rc_id,
                 actor=caller.username, reason=reason, before=before, after=after)  # fmt: skip


def approve(conn: Connection, caller: Principal, *, rc_id: int, comment: str | None) -> dict[str, Any]:
    """Approve the contract's next pending step; the last one puts the pending revision in force."""
    step = _next_step(conn, caller.client_id, rc_id)
    _check_role(caller, step)
    repo.decide(conn, step.id, repo.APPROVED, caller.username, comment, now())
    remaining = repo.steps(conn, caller.client_id, rc_id=rc_id, status=repo.PENDING)
    snapshot = repo.open_snapshots(conn, [rc_id]).get(rc_id)
    if not remaining and snapshot is not None:
        repo.resolve_snapshot(conn, snapshot.id, repo.APPROVED)
    before = {"step": step.approver_sequence, "status": repo.PENDING}
    after = {"step": step.approver_sequence, "status": repo.APPROVED, "remaining": len(remaining)}
    _audit(conn, caller, rc_id, "approval.approved", comment, before, after)
    return {
        "rc_id": rc_id,
        "step": step.approver_sequence,
        "status": repo.APPROVED,
        "remaining": len(remaining),
    }


def reject(conn: Connection, caller: Principal, *, rc_id: int, comment: str) -> dict[str, Any]:
    """Reject the contract's pending revision: the revision in force before it is restored."""
    if not comment.strip():
        raise InvalidInput("comment: say why the revision is rejected")
    step = _next_step(conn, caller.client_id, rc_id)
    _check_role(caller, step)
    stamp = now()
    repo.decide(conn, step.id, repo.REJECTED, caller.username, comment, stamp)
    repo.close_pending(
        conn, rc_id, repo.CANCELLED, caller.username, f"rejected at step {step.approver_sequence}"
    )
    snapshot = repo.open_snapshots(conn, [rc_id]).get(rc_id)
    before, after = approvals_restore.restore(conn, caller, rc_id, snapshot, by=caller.username)
    if snapshot is not None:
        repo.resolve_snapshot(conn, snapshot.id, repo.REJECTED)
        manual_repository.reject_actions(conn, caller.client_id, snapshot.id, caller.username, comment, stamp)
    _audit(conn, caller, rc_id, "approval.rejected", comment, before, after)
    return {"rc_id": rc_id, "step": step.approver_sequence, "status": repo.REJECTED, "restored": after}


def list_steps(
    conn: Connection, caller: Principal, *, rc_id: int | None, status: str | None, after_id: int, limit: int
) -> list[dict[str, Any]]:
    """The caller's client's approval steps (optionally of one contract or status) in id order."""
    rows = repo.steps(
        conn, caller.client_id, rc_id=rc_id, status=status, after_id=after_id, limit=max(1, min(limit, 1000))
    )
    return [_step(r) for r in rows]


def _step(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "rc_id": row.rc_id,
        "status": row.status,
        "sequence": row.approver_sequence,
        "approver_role": row.approver_user,
        "rule_id": row.rule_id,
        "rule_name": row.rule_name,
        "approval_type": row.approval_type,
        "pending_since": row.pending_since,
        "decided_by": row.approved_by_user,
        "decided_at": row.approval_date,
        "comment": row.approver_comments,
    }


def request_manual(
    conn: Connection,
    ctx: Context,
    head: Any,
    state: dict[str, Any],
    figure: Decimal,
    *,
    by: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> int | None:
    """A manual revenue action's revision of ``head``: approval steps when a ``MANUAL_ADJUSTMENT`` rule
    catches its ``figure``; the snapshot of the revision in force (``state``) kept, its id (None: no rule)."""
    rules = [r for r in load(conn, ctx.scope.client_id) if r.matches(MANUAL_ADJUSTMENT, figure)]
    if not rules:
        return None
    snapshot_id = repo.insert_snapshot(conn, ctx.scope.client_id, int(head.id), int(before["version"]), state)
    _steps(conn, ctx, head, MANUAL_ADJUSTMENT, rules, by)
    audit.record(
        conn,
        client_id=ctx.scope.client_id,
        action="approval.requested",
        object_type=OBJECT,
        object_id=int(head.id),
        actor=by,
        reason=f"{MANUAL_ADJUSTMENT} {figure}: " + ", ".join(r.name for r in rules),
        before=before,
        after=after,
    )
    return snapshot_id
