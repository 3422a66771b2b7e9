"""The core of holds shared by the hold service, hold rules and transfer validation: what a hold request
is, which lines it covers, and recording a hold (its row, the frozen schedules of a revenue hold, the audit
entry) in the caller's transaction. Imports nothing of the accounting package: the journal hook
(revrec.controls.holds_freeze) applies hold rules through it while the journal is being regenerated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from revrec.controls import audit
from revrec.controls import repository_holds as repo
from revrec.controls.holds_schedule import ALLOCATION, REVENUE, freeze
from revrec.errors import InvalidInput
from revrec.periods.service import OpenPeriod

HOLD_TYPES = (repo.REVENUE, repo.TRANSFER)
LEVELS = ("CONTRACT", "POB", "LINE")
SCHEDULES = (REVENUE, ALLOCATION, REVENUE + ALLOCATION)
MANUAL, RULE, VALIDATION = "MANUAL", "RULE", "VALIDATION"
RELEASE_REASONS = ("MANUAL", "EVENT", "EXPIRY")


@dataclass(frozen=True, slots=True)
class HoldRequest:
    """What to hold: a contract, one POB of it or one line (with its POB unless ``whole_pob`` is false)."""

    rc_id: int
    hold_type: str
    level: str = "CONTRACT"
    pob_key: str | None = None
    line_id: str | None = None
    schedules: str = REVENUE + ALLOCATION
    comment: str | None = None
    expiry_date: dt.date | None = None
    manual_release: bool = True
    whole_pob: bool = True
    hold_name: str = MANUAL
    source: str = MANUAL


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    text = value.strip().upper()
    if text not in allowed:
        raise InvalidInput(f"Invalid {what} {value!r}: expected one of {', '.join(allowed)}")
    return text


def covered_lines(request: HoldRequest, lines: list[Any]) -> list[str]:
    """The contract's line ids the hold covers (raises when the POB or line is not in the contract)."""
    if request.level == "CONTRACT":
        return [line.line_id for line in lines]
    if request.level == "LINE":
        found = [line for line in lines if line.line_id == request.line_id]
        if not found:
            raise InvalidInput(f"Line {request.line_id!r} is not a current line of contract {request.rc_id}")
        if not request.whole_pob or found[0].pob_key is None:
            return [found[0].line_id]
        return [line.line_id for line in lines if line.pob_key == found[0].pob_key]
    covered = [line.line_id for line in lines if line.pob_key == request.pob_key]
    if not covered:
        raise InvalidInput(f"POB {request.pob_key!r} is not a POB of contract {request.rc_id}")
    return covered


def normalised(request: HoldRequest) -> HoldRequest:
    hold_type = choice(request.hold_type, HOLD_TYPES, "hold type")
    level = choice(request.level, LEVELS, "hold level")
    schedules = choice(request.schedules, SCHEDULES, "schedules")
    if level == "POB" and not request.pob_key:
        raise InvalidInput("A POB hold needs pob_key (the POB of the contract to hold)")
    if level == "LINE" and not request.line_id:
        raise InvalidInput("A line hold needs line_id (the line of the contract to hold)")
    if request.source == MANUAL and not (request.comment or "").strip():
        raise InvalidInput("A manual hold needs a comment saying why")
    return HoldRequest(
        request.rc_id, hold_type, level, request.pob_key, request.line_id, schedules, request.comment,
        request.expiry_date, request.manual_release, request.whole_pob, request.hold_name, request.source,
    )  # fmt: skip


def state(row: Any) -> dict[str, Any]:
    return {
        "hold_id": row.id, "rc_id": row.rc_id, "hold_type": row.hold_type, "level": row.hold_level,
        "pob_key": row.pob_key, "line_id": row.line_id, "schedules": row.schedules,
        "hold_name": row.hold_name,
        "source": row.source, "applied_period": row.applied_period, "expiry_date": row.expiry_date,
        "released": bool(row.released_flag), "release_period": row.release_period,
        "release_reason": row.release_reason,
    }  # fmt: skip


def record_hold(
    conn: Connection, client_id: int, request: HoldRequest, covered: list[str], opened: OpenPeriod, actor: str
) -> Any:
    """Store the hold (normalised request, ``covered`` its lines), freeze a revenue hold's lines, audit it."""
    hold_id = repo.insert_hold(
        conn,
        dict(
            client_id=client_id, rc_id=request.rc_id, hold_type=request.hold_type, hold_level=request.level,
            pob_key=request.pob_key, line_id=request.line_id, schedules=request.schedules,
            whole_pob=request.whole_pob, hold_name=request.hold_name, source=request.source,
            manual_release=request.manual_release,
            comment=request.comment, applied_by=actor, applied_at=dt.datetime.now(dt.UTC),
            applied_period=opened.key, expiry_date=request.expiry_date, released_flag=False,
        ),
    )  # fmt: skip
    if request.hold_type == repo.REVENUE:
        _freeze_lines(conn, client_id, hold_id, request, covered, opened, actor)
    row = repo.get_hold(conn, client_id, hold_id)
    audit.record(
        conn, client_id=client_id, action="hold.apply", object_type="hold", object_id=hold_id, actor=actor,
        reason=request.comment, after={**state(row), "lines": covered},
    )  # fmt: skip
    return row


def request_of(row: Any) -> HoldRequest:
    """The request a stored hold was applied with (what it covers)."""
    return HoldRequest(
        int(row.rc_id), row.hold_type, row.hold_level, row.pob_key, row.line_id, row.schedules,
        whole_pob=bool(row.whole_pob),
    )  # fmt: skip


def cover_new_lines(conn: Connection, client_id: int, opened: OpenPeriod) -> None:
    """Freeze the lines that joined a held contract or POB since its revenue hold was applied."""
    for row in repo.active_revenue_holds(conn, client_id):
        request = request_of(row)
        try:
            covered = covered_lines(request, repo.current_lines(conn, client_id, request.rc_id))
        except InvalidInput:  # its POB or line is gone: it covers nothing now
            continue
        _freeze_lines(conn, client_id, int(row.id), request, covered, opened, row.applied_by)


def _freeze_lines(
    conn: Connection, client_id: int, hold_id: int, request: HoldRequest, covered: list[str],
    opened: OpenPeriod, actor: str,
) -> None:  # fmt: skip
    """Freeze the covered lines not already frozen by another active revenue hold."""
    taken = repo.frozen_line_ids(conn, client_id, request.rc_id)
    current = repo.current_schedule_ids(conn, client_id, request.rc_id)
    crtd = {"crtd_prd_id": opened.key, "crtd_by": actor, "crtd_dt": dt.datetime.now(dt.UTC)}
    for line_id in covered:
        if line_id in taken or line_id not in current:
            continue
        base, packed = repo.schedule(conn, current[line_id])
        held = freeze(packed, opened.index, request.schedules)
        held_id = int(base.id)
        if held != packed:
            held_id = repo.write_schedule(conn, base, held, int(base.first_period), crtd)
        repo.add_hold_line(conn, client_id, hold_id, line_id, int(base.id), held_id)
