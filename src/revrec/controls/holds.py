"""Holds: apply and release revenue and transfer holds on contracts, POBs and lines.

* A **revenue hold** freezes the schedules of the lines it covers from the open period (nothing more is
  recognised, revenue and/or allocation schedule); releasing it books the held revenue in the then open
  period as a catch-up. Closed periods never change (revrec.controls.holds_schedule).
* A **transfer hold** leaves the contract's journal entries out of GL transfer batches until released
  (journal entries are summarised per contract, so a transfer hold of a POB or line holds its contract's).

A line hold covers the line's whole POB unless ``whole_pob`` is false. Every apply and release is recorded
in the audit trail in the same transaction (revrec.controls.audit). Services never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from revrec.accounting import service as accounting
from revrec.controls import audit, holds_rules
from revrec.controls import repository_holds as repo
from revrec.controls.holds_core import (
    HOLD_TYPES,
    RELEASE_REASONS,
    HoldRequest,
    choice,
    covered_lines,
    normalised,
    record_hold,
    request_of,
    state,
)
from revrec.controls.holds_schedule import release
from revrec.errors import Conflict, InvalidInput, NotFound
from revrec.periods import service as periods
from revrec.periods.service import OpenPeriod, Scope
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy


def _open(conn: Connection, client_id: int, org_id: int) -> tuple[Scope, OpenPeriod, Any]:
    client = tenancy.get_client(conn, client_id)
    if client is None:
        raise NotFound("the client no longer exists")
    calendar = policies_for(conn, client).calendar
    scope = periods.default_scope(conn, client_id, org_id)
    opened = periods.current_open(conn, scope, calendar)
    if opened is None:
        raise Conflict(f"No open period for org {org_id}: collect data before holding contracts")
    return scope, opened, calendar


def _not_frozen(opened: OpenPeriod, hold_type: str) -> None:
    """A revenue hold changes the open period's figures: not while they are frozen for review."""
    if hold_type == repo.REVENUE and periods.frozen_message(opened) is not None:
        raise Conflict(
            f"Period {opened.key} is in Soft Close: revenue holds cannot be applied or released until the "
            "period is closed (program 152) or reopened (program 154 with STATUS=Open)"
        )


def apply_hold(conn: Connection, *, client_id: int, request: HoldRequest, actor: str) -> Any:
    """Hold a contract, POB or line from the open period; the stored hold."""
    request = normalised(request)
    head = repo.contract(conn, client_id, request.rc_id)
    if head is None:
        raise NotFound(f"Revenue contract {request.rc_id} not found")
    scope, opened, _ = _open(conn, client_id, int(head.org_id))
    _not_frozen(opened, request.hold_type)
    covered = covered_lines(request, repo.current_lines(conn, client_id, request.rc_id))
    row = record_hold(conn, client_id, request, covered, opened, actor)
    if request.hold_type == repo.REVENUE:
        accounting.journalize(conn, scope, opened)
    return row


def release_hold(
    conn: Connection, *, client_id: int, hold_id: int, actor: str, comment: str | None,
    reason: str = "MANUAL",
) -> Any:  # fmt: skip
    """Release a hold in the open period (a revenue hold books the catch-up there); the stored hold."""
    reason = choice(reason, RELEASE_REASONS, "release reason")
    row = repo.get_hold(conn, client_id, hold_id)
    if row is None:
        raise NotFound(f"Hold {hold_id} not found")
    if row.released_flag:
        raise Conflict(f"Hold {hold_id} was already released in period {row.release_period}")
    if reason == "MANUAL" and not row.manual_release:
        raise Conflict(
            f"Hold {hold_id} ({row.hold_name}) cannot be released by hand: its type does not allow it"
        )
    if reason == "MANUAL" and not (comment or "").strip():
        raise InvalidInput("A manual release needs a comment saying why")
    head = repo.contract(conn, client_id, int(row.rc_id))
    scope, opened, calendar = _open(conn, client_id, int(head.org_id))
    _not_frozen(opened, row.hold_type)
    before = state(row)
    repo.mark_released(
        conn, hold_id,
        dict(released_by=actor, released_at=dt.datetime.now(dt.UTC), release_period=opened.key,
             release_reason=reason, release_comment=comment),
    )  # fmt: skip
    if row.hold_type == repo.REVENUE:
        _unfreeze_lines(conn, client_id, row, opened, calendar.keys, actor)
        accounting.journalize(conn, scope, opened)
    released = repo.get_hold(conn, client_id, hold_id)
    audit.record(
        conn, client_id=client_id, action="hold.release", object_type="hold", object_id=hold_id, actor=actor,
        reason=comment or reason, before=before, after=state(released),
    )  # fmt: skip
    return released


def _successor(conn: Connection, client_id: int, row: Any) -> dict[str, int]:
    """Line id → id of another active revenue hold of the contract covering that line."""
    found: dict[str, int] = {}
    lines = repo.current_lines(conn, client_id, int(row.rc_id))
    for other in repo.list_holds(conn, client_id, rc_id=int(row.rc_id), active=True, hold_type=repo.REVENUE):
        try:
            covered = covered_lines(request_of(other), lines)
        except InvalidInput:  # the POB or line is gone since: it covers nothing now
            continue
        for line_id in covered:
            found.setdefault(line_id, int(other.id))
    return found


def _unfreeze_lines(
    conn: Connection, client_id: int, row: Any, opened: OpenPeriod, keys: tuple[int, ...], actor: str
) -> None:
    successor = _successor(conn, client_id, row)
    current = repo.current_schedule_ids(conn, client_id, int(row.rc_id))
    crtd = {"crtd_prd_id": opened.key, "crtd_by": actor, "crtd_dt": dt.datetime.now(dt.UTC)}
    for line in repo.hold_lines(conn, int(row.id)):
        if line.line_id in successor:  # still held by another hold: it takes the line over
            repo.move_hold_lines(conn, [int(line.id)], successor[line.line_id])
            continue
        if current.get(line.line_id) != line.held_schedule_id:
            continue  # recomputed since (not frozen again yet): the current schedule is already the true one
        base, held = repo.schedule(conn, int(line.held_schedule_id))
        _, true = repo.schedule(conn, int(line.true_schedule_id))
        new = release(held, true, opened.index)
        if new != held:
            repo.write_schedule(conn, base, new, keys[new.first_index], crtd)


def list_holds(
    conn: Connection, *, client_id: int, rc_id: int | None = None, active: bool | None = None,
    hold_type: str | None = None, after_id: int = 0, limit: int = 100,
) -> list[Any]:  # fmt: skip
    kind = None if hold_type is None else choice(hold_type, HOLD_TYPES, "hold type")
    return repo.list_holds(
        conn, client_id, rc_id=rc_id, active=active, hold_type=kind, after_id=after_id, limit=limit
    )


def get_hold(conn: Connection, *, client_id: int, hold_id: int) -> Any:
    row = repo.get_hold(conn, client_id, hold_id)
    if row is None:
        raise NotFound(f"Hold {hold_id} not found")
    return row


def release_expired(conn: Connection, *, client_id: int, org_id: int | None, actor: str) -> int:
    """Release every hold of the org whose expiry date falls before the end of the open period; how many."""
    client = tenancy.get_client(conn, client_id)
    if client is None:
        raise NotFound("the client no longer exists")
    scope = periods.default_scope(conn, client_id, org_id)
    opened = periods.current_open(conn, scope, policies_for(conn, client).calendar)
    if opened is None or periods.frozen_message(opened) is not None:
        return 0  # Soft Close: expired holds wait for the next open period
    rows = repo.expired(conn, client_id, opened.end - dt.timedelta(days=1))
    for row in rows:
        release_hold(
            conn, client_id=client_id, hold_id=int(row.id), actor=actor, reason="EXPIRY",
            comment=f"expired on {row.expiry_date.isoformat()}",
        )  # fmt: skip
    return len(rows)


def release_by_events(conn: Connection, client_id: int, events: Sequence[Any], actor: str) -> set[int]:
    """Hold events (Event Process): an event whose type is a hold rule's ``release_event`` releases that
    rule's active holds covering the event's line. Returns the staging row ids of the hold events (they
    release nothing else and are marked processed with the others)."""
    rules = {r.release_event: r.name for r in holds_rules.load_rules(conn, client_id) if r.release_event}
    found = {e.row_id for e in events if e.event.event_name in rules}
    for staged in (e for e in events if e.row_id in found):
        line_id, rule = staged.event.line_id, rules[staged.event.event_name]
        for row in repo.active_holds_of_line(conn, client_id, line_id, rule):
            lines = repo.current_lines(conn, client_id, int(row.rc_id))
            if line_id in covered_lines(request_of(row), lines):
                comment = f"hold event {staged.event.event_name} on line {line_id}"
                release_hold(conn, client_id=client_id, hold_id=int(row.id), actor=actor, comment=comment,
                             reason="EVENT")  # fmt: skip
    return found


def held_contracts_note(conn: Connection, scope: Scope) -> str | None:
    """For Period Close: the contracts on hold in the scope, as a sentence (None when there is none)."""
    rows = repo.held_contracts(conn, scope.client_id, scope.book_id, scope.org_id)
    if not rows:
        return None
    shown = ", ".join(
        f"{r.rc_key} (id {r.id}: {r.first if r.first == r.last else r.first + '+' + r.last})"
        for r in rows[:20]
    )
    more = f" and {len(rows) - 20} more" if len(rows) > 20 else ""
    return f"{len(rows)} contract(s) on hold: {shown}{more}"
