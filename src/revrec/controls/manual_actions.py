"""Manual revenue actions: release a POB or line by hand, override a line's SSP, override a contract's
allocation, and withdraw any of them. Behaviour: docs/controls.md ("Manual revenue actions").

Each action, with its reason, is one insert-only ``rc_manual_action`` row and makes a new revision of the
contract: the contract is recomputed from its full history with every action in force
(:mod:`revrec.engine.overrides`), and each line's schedule is revised retrospectively, so closed periods
keep what they posted and the open period books the catch-up. Data Collection and Event Process apply the
actions in force whenever they recompute the contract. Every action is audited
(:mod:`revrec.controls.audit`) in the same transaction.

An approval rule of kind ``MANUAL_ADJUSTMENT`` (:mod:`revrec.controls.approvals_rules`) makes an action
whose change is above the rule's amount wait for approval like any pending revision; a rejection restores
the revision before it and ends the action (a ``REJECTION`` row), so later recomputations leave it out.
A withdrawal is itself an action: a ``WITHDRAWAL`` row ending the withdrawn one, and a new revision in which
the computed values are back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from typing import Any, Protocol

from sqlalchemy import Connection

from revrec.accounting import service as accounting
from revrec.accounting import settings as accounting_settings
from revrec.contracts import events, staged
from revrec.contracts import repository as contracts_repo
from revrec.contracts import service as contracts_service
from revrec.contracts.compute import compute
from revrec.contracts.persist import Context, Rows, flush, update_existing
from revrec.controls import approvals, audit
from revrec.controls import approvals_repository as approvals_repo
from revrec.controls import manual_repository as repo
from revrec.engine.errors import EngineError, PolicyError
from revrec.engine.money import CURRENCY_EXPONENTS, from_minor
from revrec.errors import Conflict, InvalidInput, NotFound
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy

OBJECT = "manual_action"
IN_FORCE, PENDING, WITHDRAWN, REJECTED = "In force", "Pending approval", "Withdrawn", "Rejected"
_REFUSED_BY: dict[str, frozenset[str]] = {  # the engine warnings that refuse a new action of each kind
    repo.RELEASE: frozenset({"REVREC-ENG-033"}),
    repo.SSP_OVERRIDE: frozenset({"REVREC-ENG-030", "REVREC-ENG-031"}),
    repo.ALLOCATION_OVERRIDE: frozenset({"REVREC-ENG-030", "REVREC-ENG-032"}),
    repo.WITHDRAWAL: frozenset(),
}


class Acting(Protocol):
    """Who acts: the API caller (``Principal``) or the CLI's ``--by`` user."""

    @property
    def client_id(self) -> int: ...

    @property
    def username(self) -> str: ...


def _context(conn: Connection, actor: Acting, head: Any) -> Context:
    client = tenancy.get_client(conn, actor.client_id)
    if client is None:
        raise NotFound("the client no longer exists")
    policies = policies_for(conn, client)
    scope = periods.Scope(actor.client_id, int(head.book_id), int(head.org_id))
    opened = periods.current_open(conn, scope, policies.calendar)
    if opened is None:
        raise Conflict(f"no open period for the book and org of contract {head.id}")
    if periods.frozen_message(opened) is not None:
        raise Conflict(
            f"Period {opened.key} is in Soft Close: manual revenue actions wait until the period is closed "
            "(program 152) or reopened (program 154 with STATUS=Open)"
        )
    treatment = accounting_settings.load(conn, client.id).modification_treatment
    return Context(
        scope, policies.calendar, opened, client.reporting_currency, treatment, policies,
        created_by=actor.username,
    )  # fmt: skip


def _contract(conn: Connection, actor: Acting, rc_id: int) -> Any:
    """The client's contract, under the client's collection lock (actions serialize with collection)."""
    contracts_repo.lock_client(conn, actor.client_id)
    found = contracts_repo.contracts_by_id(conn, [rc_id])
    if not found or int(found[0].client_id) != actor.client_id:
        raise NotFound(f"revenue contract {rc_id} not found")
    if approvals_repo.open_snapshots(conn, [rc_id]):
        raise Conflict(f"revenue contract {rc_id} awaits approval: approve or reject it first")
    return found[0]


def figures(conn: Connection, ctx: Context, rc_id: int) -> dict[str, Any]:
    """The contract's figures an action changes: version, price, and per line its SSP, allocated amount
    and what is recognised through the open period (net revenue, transaction currency)."""
    head = contracts_repo.contracts_by_id(conn, [rc_id])[0]
    schedules = contracts_repo.current_schedules(conn, [rc_id])
    lines: dict[str, Any] = {}
    for row in repo.current_lines(conn, rc_id):
        found = schedules.get(row.line_id)
        minor = 0
        if found is not None:
            packed = found[2]
            minor = packed.through("R", 0, ctx.open.index) + packed.through("A", 0, ctx.open.index)
        lines[row.line_id] = {
            "pob_key": row.pob_key,
            "ssp": None if row.ssp is None else str(row.ssp),
            "allocated": str(row.allocated),
            "recognised": str(from_minor(minor, row.curr)),
        }
    return {"version": int(head.version), "transaction_price": str(head.transaction_price), "lines": lines}


def _change(before: Mapping[str, Any], after: Mapping[str, Any]) -> Decimal:
    """Σ over lines of |Δ allocated| + |Δ recognised through the open period| (what approval rules test)."""
    total = Decimal(0)
    for line_id in set(before["lines"]) | set(after["lines"]):
        old, new = before["lines"].get(line_id), after["lines"].get(line_id)
        for name in ("allocated", "recognised"):
            total += abs(Decimal(new[name] if new else 0) - Decimal(old[name] if old else 0))
    return total


def _recompute(conn: Connection, ctx: Context, head: Any, rows: Sequence[Any]) -> list[EngineError]:
    """A new revision of the contract with the actions ``rows`` in force; the override warnings found."""
    rc_id = int(head.id)
    overrides = repo.overrides_of(rows, repo.pob_lines(conn, [rc_id]))
    template: str | None = str(head.template)
    try:
        ctx.policies.grouping_template(template)
    except PolicyError:  # the contract's template was removed since: the default one
        template = None
    so_ids, bill_ids = contracts_repo.history_rows(conn, [rc_id])
    so_rows = staged.by_ids(conn, so_ids)
    activity = sorted(staged.by_ids(conn, bill_ids), key=lambda r: r.row_id)
    history = events.processed_events(conn, ctx.scope.client_id, {r.ref or "" for r in so_rows})
    computation = compute(
        so_rows,
        activity,
        ctx.policies,
        template=template,
        open_period=ctx.open.key,
        events=history,
        overrides={head.rc_key: overrides} if overrides else None,
    )
    item = next((c for c in computation.contracts if c.contract.key == head.rc_key), None)
    if item is None:
        raise Conflict(f"revenue contract {rc_id} cannot be recomputed as {head.rc_key}: collect it first")
    written = Rows([], [], [], [])
    update_existing(conn, ctx, item, head, set(), written)
    flush(conn, written)
    computation.contracts = [item]
    tally = contracts_service.Tally()
    contracts_service._store_warnings(conn, ctx, computation, {}, {head.rc_key: head}, tally)
    return [e for e in item.contract.errors if e.code.startswith("REVREC-ENG-03")]


def _take(
    conn: Connection, actor: Acting, head: Any, values: dict[str, Any], in_force: Sequence[Any]
) -> dict[str, Any]:
    """Record one action (``values``: its kind and what it says) and make the contract's new revision."""
    rc_id = int(head.id)
    ctx = _context(conn, actor, head)
    before = figures(conn, ctx, rc_id)
    state = approvals_repo.contract_state(conn, [rc_id])[rc_id]  # the revision in force, for approvals
    problems = _recompute(conn, ctx, head, in_force)
    refused = [p for p in problems if p.code in _REFUSED_BY[values["kind"]]]
    if refused:
        raise InvalidInput(f"{refused[0].code}: {refused[0].message}")
    after = figures(conn, ctx, rc_id)
    now = datetime.now(UTC)
    new_head = contracts_repo.contracts_by_id(conn, [rc_id])[0]
    snapshot_id = approvals.request_manual(
        conn, ctx, new_head, state, _change(before, after), by=actor.username, before=before, after=after
    )
    row = {
        "client_id": actor.client_id, "rc_id": rc_id, "actor": actor.username, "acted_at": now,
        "period": ctx.open.key, "version_before": before["version"], "version_after": after["version"],
        "before_state": json.dumps(before, sort_keys=True), "after_state": json.dumps(after, sort_keys=True),
        "snapshot_id": snapshot_id, **values,
    }  # fmt: skip
    action_id = repo.insert_action(conn, row)
    audit.record(
        conn,
        client_id=actor.client_id,
        action=f"manual.{values['kind'].lower()}",
        object_type=OBJECT,
        object_id=action_id,
        actor=actor.username,
        reason=values["reason"],
        before=before,
        after=after,
        now=now,
    )
    accounting.journalize(conn, ctx.scope, ctx.open)
    return describe(conn, actor.client_id, [repo.action(conn, actor.client_id, action_id)])[0]


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput("reason: say why the action is taken")
    return reason


def _fits(amount: Decimal, currency: str, name: str) -> None:
    if amount != amount.quantize(Decimal(1).scaleb(-CURRENCY_EXPONENTS[currency])):
        raise InvalidInput(f"{name}: {amount} has more decimals than {currency} allows")


def release(
    conn: Connection,
    actor: Acting,
    *,
    rc_id: int,
    level: str,
    pob_key: str | None,
    line_id: str | None,
    release_date: date,
    percent: Decimal | None,
    amount: Decimal | None,
    reason: str,
) -> dict[str, Any]:
    """Release ``percent`` of a POB's (line's) value, or ``amount`` of it, on ``release_date``."""
    _reason(reason)
    if (percent is None) == (amount is None):
        raise InvalidInput("give either percent or amount")
    if percent is not None and not Decimal(0) < percent <= Decimal(100):
        raise InvalidInput("percent: between 0 (excluded) and 100")
    if amount is not None and amount <= 0:
        raise InvalidInput("amount: above zero")
    head = _contract(conn, actor, rc_id)
    lines = repo.current_lines(conn, rc_id)
    if level == "LINE":
        covered = [r for r in lines if r.line_id == line_id]
        what = f"line {line_id}"
    elif level == "POB":
        covered = [r for r in lines if r.pob_key == pob_key]
        what = f"POB {pob_key}"
    else:
        raise InvalidInput("level: POB or LINE")
    if not covered:
        raise InvalidInput(f"{what} is not a current line or POB of revenue contract {rc_id}")
    if amount is not None:
        _fits(amount, str(covered[0].curr), "amount")
        total = sum((Decimal(r.allocated) for r in covered), Decimal(0))
        if total <= 0:
            raise InvalidInput(f"{what} has nothing allocated to release an amount of")
        if amount > total:
            raise InvalidInput(f"amount: {amount} is more than the {total} allocated to {what}")
        fraction = Fraction(amount) / Fraction(total)
    else:
        assert percent is not None
        fraction = Fraction(percent) / 100
    values = {
        "kind": repo.RELEASE, "level": level, "pob_key": pob_key if level == "POB" else None,
        "line_id": line_id if level == "LINE" else None, "release_date": release_date, "percent": percent,
        "amount": amount, "fraction": f"{fraction.numerator}/{fraction.denominator}", "reason": reason,
    }  # fmt: skip
    proposed = SimpleNamespace(rc_id=rc_id, **values)
    return _take(conn, actor, head, values, [*repo.in_force(conn, actor.client_id, [rc_id]), proposed])


def override_ssp(
    conn: Connection, actor: Acting, *, rc_id: int, line_id: str, ssp: Decimal, reason: str
) -> dict[str, Any]:
    """Set a line's SSP; the contract's price is allocated again by relative SSP."""
    _reason(reason)
    head = _contract(conn, actor, rc_id)
    if line_id not in {r.line_id for r in repo.current_lines(conn, rc_id)}:
        raise InvalidInput(f"line {line_id} is not a current line of revenue contract {rc_id}")
    values = {"kind": repo.SSP_OVERRIDE, "line_id": line_id, "amount": ssp, "reason": reason}
    proposed = SimpleNamespace(rc_id=rc_id, **values)
    return _take(conn, actor, head, values, [*repo.in_force(conn, actor.client_id, [rc_id]), proposed])


def override_allocation(
    conn: Connection, actor: Acting, *, rc_id: int, amounts: Mapping[str, Decimal], reason: str
) -> dict[str, Any]:
    """Set the allocated amount of lines; with the others, they must sum exactly to the price."""
    _reason(reason)
    if not amounts:
        raise InvalidInput("amounts: name at least one line and its allocated amount")
    head = _contract(conn, actor, rc_id)
    known = {r.line_id for r in repo.current_lines(conn, rc_id)}
    unknown = sorted(set(amounts) - known)
    if unknown:
        raise InvalidInput(f"amounts: {unknown} are not current lines of revenue contract {rc_id}")
    text = json.dumps({k: str(v) for k, v in sorted(amounts.items())})
    values = {"kind": repo.ALLOCATION_OVERRIDE, "amounts": text, "reason": reason}
    proposed = SimpleNamespace(rc_id=rc_id, **values)
    return _take(conn, actor, head, values, [*repo.in_force(conn, actor.client_id, [rc_id]), proposed])


def withdraw(conn: Connection, actor: Acting, *, action_id: int, reason: str) -> dict[str, Any]:
    """End an action: a new revision without it (its computed values back)."""
    _reason(reason)
    target = repo.action(conn, actor.client_id, action_id)
    if target is None:
        raise NotFound(f"manual action {action_id} not found")
    if target.kind not in repo.ACTIONS:
        raise InvalidInput(f"manual action {action_id} is a {target.kind.lower()}: it cannot be withdrawn")
    head = _contract(conn, actor, int(target.rc_id))
    if action_id in repo.ended(conn, actor.client_id, [int(target.rc_id)]):
        raise Conflict(f"manual action {action_id} is no longer in force")
    rest = [r for r in repo.in_force(conn, actor.client_id, [int(target.rc_id)]) if r.id != action_id]
    values = {"kind": repo.WITHDRAWAL, "target_id": action_id, "reason": reason}
    return _take(conn, actor, head, values, rest)


def list_actions(conn: Connection, actor: Acting, *, rc_id: int) -> list[dict[str, Any]]:
    """Every action of the client's contract, in the order taken, with its status."""
    found = contracts_repo.contracts_by_id(conn, [rc_id])
    if not found or int(found[0].client_id) != actor.client_id:
        raise NotFound(f"revenue contract {rc_id} not found")
    return describe(conn, actor.client_id, repo.actions(conn, actor.client_id, rc_id))


def describe(conn: Connection, client_id: int, rows: Iterable[Any]) -> list[dict[str, Any]]:
    rows = list(rows)
    ended = repo.ended(conn, client_id, {int(r.rc_id) for r in rows})
    undecided = repo.undecided_snapshots(conn, [r.snapshot_id for r in rows if r.snapshot_id is not None])
    found = []
    for row in rows:
        end = ended.get(int(row.id))
        if end is not None:
            status = WITHDRAWN if end.kind == repo.WITHDRAWAL else REJECTED
        elif row.snapshot_id is not None and row.snapshot_id in undecided:
            status = PENDING
        elif row.kind == repo.REJECTION:
            status = REJECTED
        else:
            status = IN_FORCE
        found.append(
            {
                "id": row.id, "rc_id": row.rc_id, "kind": row.kind, "status": status,
                "target_id": row.target_id, "level": row.level, "pob_key": row.pob_key,
                "line_id": row.line_id, "release_date": row.release_date, "percent": row.percent,
                "amount": row.amount, "amounts": json.loads(row.amounts) if row.amounts else None,
                "reason": row.reason, "actor": row.actor, "acted_at": row.acted_at, "period": row.period,
                "version_before": row.version_before, "version_after": row.version_after,
                "before": json.loads(row.before_state) if row.before_state else None,
                "after": json.loads(row.after_state) if row.after_state else None,
            }
        )  # fmt: skip
    return found
