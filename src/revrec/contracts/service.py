"""Data collection of one chunk of staged lines: find the contracts they join, compute, write, flag.

A chunk is a set of due SO rows (with the billing and RORD rows that reference them) or of due activity
rows whose SO line is already collected. Contracts the chunk touches that already exist are recomputed
from their full history (current line versions, all bills and processed events, re-read from staging)
plus the new rows, and written as a new revision; the others are inserted in bulk. Rows that end up in
a contract become ``Y``; rows no contract can take become ``E`` with their error; rows the grouping
template's filters leave out stay ``N``. A re-sent SO line that groups into another contract moves there
(contracts/moved_lines.py). Nothing here commits: the caller commits the chunk with its flags.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from revrec.contracts import events, moved_lines, persist, staged, warnings
from revrec.contracts import repository as repo
from revrec.contracts.compute import Computation, compute, group_keys
from revrec.contracts.persist import Context, Rows
from revrec.contracts.staged import StagedRow
from revrec.controls import approvals, manual_repository
from revrec.engine.errors import EngineError
from revrec.vc import settlement as vc_settlement


@dataclass
class Tally:
    """What a collection run did so far."""

    rows: int = 0
    collected: int = 0
    errored: int = 0
    contracts_new: int = 0
    contracts_revised: int = 0
    engine_errors: int = 0
    chunks: int = 0
    codes: dict[str, int] = field(default_factory=dict)
    warnings: int = 0  # engine warnings found for the first time (contracts/warnings.py)
    warning_codes: dict[str, int] = field(default_factory=dict)

    def warning_summary(self) -> str:
        """``", K warning(s) (CODE xN)"`` to append to a job's result message; empty without warnings."""
        if not self.warnings:
            return ""
        codes = ", ".join(f"{code} x{n}" for code, n in sorted(self.warning_codes.items()))
        return f", {self.warnings} warning(s) ({codes})"


def _latest(so_rows: Sequence[StagedRow]) -> tuple[dict[str, StagedRow], list[int]]:
    """One SO row per line id (the last sent); the earlier ones are superseded."""
    latest: dict[str, StagedRow] = {}
    superseded: list[int] = []
    for row in sorted(so_rows, key=lambda r: r.row_id):
        if row.ref in latest:
            superseded.append(latest[row.ref].row_id)
        latest[row.ref or ""] = row
    return latest, superseded


def _affected(
    conn: Connection,
    ctx: Context,
    template: str | None,
    latest: dict[str, StagedRow],
    activity: Sequence[StagedRow],
) -> tuple[set[int], dict[str, Any]]:
    """Existing contracts the chunk touches: by its lines' ids, and by the keys its SO lines group into (a
    new line joins one, a re-sent line may move to one); with the current ``rc_line`` row of each
    re-sent line."""
    refs = set(latest) | {a.ref for a in activity if a.ref}
    existing = repo.current_lines(conn, ctx.scope.client_id, refs)
    affected = {int(row.rc_id) for row in existing.values()}
    if latest:
        keys = set(group_keys(list(latest.values()), ctx.policies, template).values())
        found = repo.contracts_by_key(conn, ctx.scope.client_id, ctx.scope.book_id, keys)
        affected.update(int(row.id) for row in found.values())
    return affected, {ref: row for ref, row in existing.items() if ref in latest}


def _with_history(
    conn: Connection, affected: set[int], latest: dict[str, StagedRow], activity: Sequence[StagedRow]
) -> tuple[list[StagedRow], list[StagedRow]]:
    so_ids, bill_ids = repo.history_rows(conn, affected)
    so_rows = {r.ref or "": r for r in staged.by_ids(conn, so_ids)}
    so_rows.update(latest)
    acts = {r.row_id: r for r in staged.by_ids(conn, bill_ids)}
    acts.update((r.row_id, r) for r in activity)
    return list(so_rows.values()), sorted(acts.values(), key=lambda r: r.row_id)


def _folded(
    conn: Connection,
    ctx: Context,
    all_so: Sequence[StagedRow],
    so_rows: Sequence[StagedRow],
    due_end: dt.date,
) -> list[StagedRow]:
    """The due activity rows on the other lines of the contracts a chunk revises (``all_so``: their lines
    with the chunk's; the activity of the chunk's own SO rows, ``so_rows``, was read with them), except
    on a line whose SO row is still waiting in staging (it is collected after that row, as the activity
    chunks would)."""
    read = {r.ref for r in so_rows}
    refs = {r.ref for r in all_so if r.ref and r.ref not in read}
    if not refs:
        return []
    found = repo.activity_for(conn, ctx.scope.client_id, refs, due_end)
    waiting = repo.pending_so_refs(conn, ctx.scope.client_id, {r.ref for r in found if r.ref})
    return [r for r in found if r.ref not in waiting]


def process_chunk(
    conn: Connection,
    ctx: Context,
    *,
    template: str | None,
    so_rows: Sequence[StagedRow],
    activity: Sequence[StagedRow],
    by: str,
    tally: Tally,
    fold_due: dt.date | None = None,
) -> None:
    """Collect one chunk (see the module docstring). ``fold_due`` (the end of the open period; None: no):
    the due activity on the other lines of the contracts the chunk revises joins the chunk
    (:func:`_folded`), so that a contract with an SO update and bills on other lines is revised once, not
    once for the update and again for the bills (a serial collection, whose activity chunks would take
    them later; never a partition, whose rows are planned)."""
    chunk_ids = [r.row_id for r in so_rows] + [r.row_id for r in activity]
    activity, settling = vc_settlement.split(conn, ctx, activity)  # VC settlement bills: not contract input
    latest, superseded = _latest(so_rows)
    affected, resent = _affected(conn, ctx, template, latest, activity)
    all_so, all_acts = (
        _with_history(conn, affected, latest, activity)
        if affected
        else (list(latest.values()), list(activity))
    )
    if affected and fold_due is not None:
        taken = set(chunk_ids)
        extra = [r for r in _folded(conn, ctx, all_so, so_rows, fold_due) if r.row_id not in taken]
        chunk_ids += [r.row_id for r in extra]
        more, more_settling = vc_settlement.split(conn, ctx, extra)
        activity = [*activity, *more]
        settling = [*settling, *more_settling]
        all_acts = sorted([*all_acts, *more], key=lambda r: r.row_id)
    # processed events belong to collected lines, so only contracts already stored can have some
    refs = {r.ref or "" for r in all_so}
    history = events.processed_events(conn, ctx.scope.client_id, refs) if affected else []
    overrides = manual_repository.overrides_by_key(conn, ctx.scope.client_id, affected) if affected else None
    computation = compute(
        all_so,
        all_acts,
        ctx.policies,
        template=template,
        open_period=ctx.open.key,
        events=history,
        overrides=overrides,
    )
    _write(conn, ctx, computation, {r.row_id for r in activity}, resent, tally)
    settled, errors = vc_settlement.collect(conn, ctx, settling, by)  # after the contracts are written
    errors += [(row.row_id, e.code, e.message) for row, e in computation.orphans]
    errored = {row_id for row_id, _, _ in errors}
    waiting = {row.row_id for row, _ in settling} - set(settled) - errored  # their SO line is still staged
    left = errored | computation.skipped | waiting
    collected = [i for i in chunk_ids if i not in left]
    repo.mark_collected(conn, ctx.scope.client_id, collected, by)
    repo.mark_errors(conn, ctx.scope.client_id, errors, by)
    tally.rows += len(chunk_ids)
    tally.collected += len(collected)
    tally.errored += len(errored)
    del superseded  # collected with the chunk: the later row is the line's version


def _write(
    conn: Connection,
    ctx: Context,
    computation: Computation,
    new_activity: set[int],
    resent: dict[str, Any],
    tally: Tally,
) -> None:
    """``resent``: line id → current ``rc_line`` row of the chunk's re-sent SO lines (moved_lines)."""
    keys = [c.contract.key for c in computation.contracts]
    heads = repo.contracts_by_key(conn, ctx.scope.client_id, ctx.scope.book_id, keys) if keys else {}
    rows = Rows([], [], [], [])
    gate = approvals.gate(conn, ctx.scope.client_id, heads)  # the revisions in force, before they change
    fresh = [c for c in computation.contracts if c.contract.key not in heads]
    moved = moved_lines.find(computation, heads, resent)
    ids = persist.insert_new(conn, ctx, fresh, rows, moved, new_activity)
    revised = [(c, heads[c.contract.key]) for c in computation.contracts if c.contract.key in heads]
    persist.update_many(conn, ctx, revised, new_activity, rows)
    moved_lines.leave(conn, ctx, moved, rows)
    persist.flush(conn, rows)
    approvals.request(conn, ctx, gate, ids, [int(h.id) for h in heads.values()])
    _store_warnings(conn, ctx, computation, ids, heads, tally)
    tally.contracts_new += len(fresh)
    tally.contracts_revised += len(computation.contracts) - len(fresh)
    for item in computation.contracts:
        for error in item.contract.errors:
            if error.severity == "error":
                tally.engine_errors += 1
                tally.codes[error.code] = tally.codes.get(error.code, 0) + 1


def _store_warnings(
    conn: Connection,
    ctx: Context,
    computation: Computation,
    ids: dict[str, int],
    heads: dict[str, Any],
    tally: Tally,
) -> None:
    """The written contracts' engine warnings replace their stored ones; new ones are counted."""
    current: dict[int, list[EngineError]] = {}
    for item in computation.contracts:
        key = item.contract.key
        found = warnings.of(item.contract.errors)
        if key in heads:
            current[int(heads[key].id)] = found
        elif found:
            current[ids[key]] = found
    if not current:
        return
    new = warnings.replace(
        conn, client_id=ctx.scope.client_id, current=current, job_id=ctx.job_id, period=ctx.open.key
    )
    tally.warnings += len(new)
    for warning in new:
        tally.warning_codes[warning.code] = tally.warning_codes.get(warning.code, 0) + 1
