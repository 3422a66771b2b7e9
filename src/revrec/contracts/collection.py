"""The Data Collection job: all due ``N`` staging lines of a client into revenue contracts, in chunks.

Each chunk is its own transaction holding the chunk's contracts, schedules, bills, staging flags (Y/E),
the job's progress and a renewed lease, so a worker killed mid-job leaves only whole chunks behind and
the retried job continues with the lines still ``N`` (nothing is read twice or duplicated). Due lines:
SO and RORD lines dated before the end of the open period, billing lines invoiced before it; later lines
wait for their period. Then the open period's journal entries are regenerated.

With ``REVREC_COLLECTION_PARTITIONS`` > 1 the job is split by contract into partitions that several
workers run side by side (:mod:`revrec.contracts.parallel`); otherwise it runs here, chunk after chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine

from revrec.accounting import service as accounting
from revrec.contracts import parallel
from revrec.contracts import repository as repo
from revrec.contracts.persist import Context, job_context
from revrec.contracts.service import Tally, process_chunk
from revrec.db import column_statistics, statistics
from revrec.db.session import transaction
from revrec.engine.errors import PolicyError
from revrec.errors import Conflict, InvalidInput
from revrec.jobs import queue
from revrec.jobs.queue import Job
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy

COLLECTION_JOB = "data_collection"
Size = tuple[int, int]  # (lines done by earlier attempts, the job's whole size)
CHUNK = 5000
#: the stage_line columns collection's queries filter on (due lines, their cursor, references)
STAGE_PLAN_COLUMNS = (
    "client_id",
    "processed_flag",
    "type",
    "so_date",
    "inv_date",
    "so_line_id",
    "orig_so_line_id",
    "so_num",
    "id",
)
#: the columns a chunk's look-ups of the contract tables filter on, analysed after chunks 1, 2, 4, 8 ...
#: from a smaller sample (db/column_statistics.py); the journal analyses the tables in full
CHUNK_PLAN_COLUMNS = {
    "rc_line": ("client_id", "line_id", "rc_id", "current_flag", "id"),
    "revenue_contract": ("client_id", "book_id", "rc_key", "id"),
    "rc_schedule": ("client_id", "rc_id", "line_id", "current_flag", "id"),
    "rc_bill": ("client_id", "rc_id", "type", "crtd_prd_id"),
}
CHUNK_STATISTICS_TARGET = 30


def prepare(conn: Connection, job: Job) -> tuple[Context | None, int, int]:
    """The run's context (None when nothing was ever staged), the lines done by earlier attempts and the
    job's whole size: a job taken over from a killed worker keeps counting against its first total."""
    client = tenancy.get_client(conn, job.client_id)
    if client is None:
        raise InvalidInput("the client no longer exists")
    policies = policies_for(conn, client)
    template = job.params.get("rc_template_name") or None
    try:
        policies.grouping_template(template)
    except PolicyError:
        raise InvalidInput(f"Invalid RC grouping template name {template!r}") from None
    scope = periods.default_scope(conn, job.client_id, job.org_id)
    opened = periods.ensure_open(
        conn, scope, policies.calendar, earliest=repo.earliest_so_date(conn, client.id)
    )
    if opened is None:
        return None, 0, 0
    context = job_context(conn, job, client, policies, scope, opened)
    # the staging columns collection plans on (all ~100 columns: four times as long); the contract tables
    # when they changed by more than a tenth since their last analysis
    column_statistics.refresh_columns(conn, {"stage_line": STAGE_PLAN_COLUMNS})
    statistics.refresh_stale(conn, ("rc_line", "revenue_contract", "rc_bill", "rc_schedule"))
    due = repo.count_due(conn, client.id, opened.end)
    done = job.progress_done if job.attempts > 1 else 0
    total = max(job.progress_total, done + due) if done else due
    queue.set_progress(conn, job.id, done, total)
    return context, done, total


def _step(
    engine: Engine, job: Job, ctx: Context, work: Callable[[Connection], int], tally: Tally, size: Size
) -> int:
    """Run one chunk in its own transaction; returns the last staging id it read (0: nothing left)."""
    with transaction(engine) as conn:
        repo.lock_client(conn, ctx.scope.client_id)
        now_open = periods.current_open(conn, ctx.scope, ctx.calendar)
        if now_open is None or now_open.key != ctx.open.key:
            raise Conflict("the open period changed while the data collection ran; submit it again")
        last = work(conn)
        tally.chunks += 1
        if tally.chunks & (tally.chunks - 1) == 0:  # chunks 1, 2, 4, 8 ...: tables may have grown
            column_statistics.refresh_columns(conn, CHUNK_PLAN_COLUMNS, CHUNK_STATISTICS_TARGET)
        done, total = size[0] + tally.rows, size[1]
        queue.set_progress(conn, job.id, done, max(total, done))
        queue.renew_lease(conn, job.id, job.lease_seconds)
    return last


def run_collection(engine: Engine, job: Job, partitions: int = 1) -> tuple[str, str | None]:
    """The ``data_collection`` job (see the module docstring); with ``partitions`` > 1 split by contract
    across workers (:mod:`revrec.contracts.parallel`)."""
    with transaction(engine) as conn:
        ctx, done, total = prepare(conn, job)
    if ctx is None:
        return "Completed", "No transaction lines to collect"
    if (frozen := periods.frozen_message(ctx.open)) is not None:
        return "Error", frozen
    if partitions > 1:
        split, journal_lines = parallel.run_split(engine, job, ctx, partitions)
        return _outcome(split, ctx.open.key, journal_lines)
    template = job.params.get("rc_template_name") or None
    tally = Tally()
    by = job.created_by
    cursor = {"after": 0}
    due = ctx.open.end

    def so_chunk(conn: Connection) -> int:
        rows, last = repo.next_so_rows(conn, ctx.scope.client_id, cursor["after"], ctx.open.end, CHUNK)
        if rows:
            activity = repo.activity_for(
                conn, ctx.scope.client_id, {r.ref for r in rows if r.ref}, ctx.open.end
            )
            process_chunk(
                conn,
                ctx,
                template=template,
                so_rows=rows,
                activity=activity,
                by=by,
                tally=tally,
                fold_due=due,
            )
        return last

    def activity_chunk(conn: Connection) -> int:
        rows = repo.next_activity_rows(conn, ctx.scope.client_id, cursor["after"], ctx.open.end, CHUNK)
        if not rows:
            return 0
        waiting = repo.pending_so_refs(conn, ctx.scope.client_id, {r.ref for r in rows if r.ref})
        ready = [r for r in rows if r.ref not in waiting]
        if ready:
            process_chunk(
                conn, ctx, template=template, so_rows=[], activity=ready, by=by, tally=tally, fold_due=due
            )
        return rows[-1].row_id

    for work in (so_chunk, activity_chunk):
        cursor["after"] = 0
        while (last := _step(engine, job, ctx, work, tally, (done, total))) != 0:
            cursor["after"] = last
    with transaction(engine) as conn:
        entries = accounting.journalize(conn, ctx.scope, ctx.open)
        queue.renew_lease(conn, job.id, job.lease_seconds)  # a long journal on SQLite blocks the heartbeat
    return _outcome(tally, ctx.open.key, entries)


def _outcome(tally: Tally, period: int, entries: int) -> tuple[str, str]:
    """What the job did, as comma-separated counts (later counts such as warnings append the same way):
    ``12 line(s) collected, 4 new and 0 revised contract(s), 0 line(s) in error, period 202601: 8 journal
    summary line(s)``."""
    parts = [
        f"{tally.collected} line(s) collected",
        f"{tally.contracts_new} new and {tally.contracts_revised} revised contract(s)",
        f"{tally.errored} line(s) in error",
    ]
    if tally.engine_errors:
        codes = " ".join(f"{code} x{n}" for code, n in sorted(tally.codes.items()))
        parts.append(f"{tally.engine_errors} contract(s) with errors ({codes})")
    parts.append(f"period {period}: {entries} journal summary line(s)")
    status = "Warning" if tally.errored or tally.engine_errors or tally.warnings else "Completed"
    return status, ", ".join(parts) + tally.warning_summary()


def collection_failed(conn: Connection, job: Job, message: str) -> None:
    """Nothing to undo: every committed chunk is consistent on its own. A split job's plan goes, so its
    partitions still queued or running stop after their chunk in flight (their lines stay ``N``)."""
    del message
    repo.delete_plan(conn, job.client_id, job.id)


def describe(params: dict[str, Any]) -> str:
    return f"template {params.get('rc_template_name') or '(default)'}"
