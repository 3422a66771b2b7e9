"""Data Collection split by contract across workers (``REVREC_COLLECTION_PARTITIONS`` > 1).

The collection job plans once (:mod:`revrec.contracts.partitions`: every due row's partition, whole
contracts per partition) under the client's lock, and queues one ``data_collection_part`` sub-job per
partition in the same transaction. Any worker claims a partition; the job's own worker runs its
partitions too, then waits for the others and regenerates the open period's journal once, when every
partition is done.

A partition's chunk commits its contracts, flags, cursor (the last group done) and tally together, under
``FOR SHARE`` on the client and book rows (:func:`repository.share_client`): partitions of one job run
side by side, while Period Close, Event Process, approvals and another job's plan wait for the chunk in
flight. Each chunk first locks its sub-job's row and checks that its worker still holds the lease
(:func:`queue.hold`), so a partition taken over from a killed worker resumes after the last committed
chunk and never runs on two workers at once. Another collection job of the client plans only when no
partition of an earlier one is left (meanwhile its worker helps run those partitions).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import Connection, Engine

from revrec.accounting import service as accounting
from revrec.contracts import partitions
from revrec.contracts import repository as repo
from revrec.contracts.persist import Context, job_context
from revrec.contracts.service import Tally, process_chunk
from revrec.contracts.staged import SO
from revrec.db import statistics
from revrec.db.session import transaction
from revrec.errors import Conflict, InvalidInput
from revrec.jobs import queue, worker
from revrec.jobs.queue import Job
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy

PART_JOB = "data_collection_part"
CHUNK = 5000
POLL_SECONDS = 0.2


def tally_of(values: dict[str, Any]) -> Tally:
    return Tally(**values) if values else Tally()


def add_tallies(tallies: list[Tally]) -> Tally:
    total = Tally()
    for one in tallies:
        for name in ("rows", "collected", "errored", "contracts_new", "contracts_revised", "engine_errors"):
            setattr(total, name, getattr(total, name) + getattr(one, name))
        total.chunks += one.chunks
        total.warnings += one.warnings
        for mine, theirs in ((total.codes, one.codes), (total.warning_codes, one.warning_codes)):
            for code, count in theirs.items():
                mine[code] = mine.get(code, 0) + count
    return total


# --- the collection job ----------------------------------------------------------------------------------


def run_split(engine: Engine, job: Job, ctx: Context, parts: int) -> tuple[Tally, int]:
    """Plan (once), run partitions until none is left to claim, wait for the others, journalize once;
    the tally of all partitions and the number of journal summary lines."""
    template = job.params.get("rc_template_name") or None
    _plan(engine, job, ctx, template, parts)
    while not _failed(engine, job) and worker.run_one(
        engine, lease_seconds=job.lease_seconds, kinds=(PART_JOB,), ref_id=job.id
    ):
        pass
    subs = _wait(engine, job, ctx.scope.client_id)
    failed = [row for row in subs if row.status != "Completed"]
    if failed:
        with transaction(engine) as conn:
            repo.delete_plan(conn, ctx.scope.client_id, job.id)
        part = json.loads(failed[0].params)["part"]
        raise Conflict(f"partition {part + 1} of {len(subs)} failed: {failed[0].error_message}")
    tally = add_tallies([tally_of(json.loads(row.params).get("tally", {})) for row in subs])
    with transaction(engine) as conn:
        entries = accounting.journalize(conn, ctx.scope, ctx.open)
        repo.delete_plan(conn, ctx.scope.client_id, job.id)
    return tally, entries


def _plan(engine: Engine, job: Job, ctx: Context, template: str | None, parts: int) -> None:
    """Plan and queue the partitions (nothing when an earlier attempt did); while partitions of another
    collection job of the client are left, help run them first."""
    client_id = ctx.scope.client_id
    while True:
        with transaction(engine) as conn:
            repo.lock_client(conn, client_id)
            if queue.of_ref(conn, PART_JOB, job.id):
                return
            others = {int(r.ref_id) for r in queue.active_of_kind(conn, client_id, PART_JOB)}
            if not others:
                _check_open(conn, ctx)
                plan, _ = partitions.assign(conn, ctx, template, parts)
                partitions.store(conn, client_id, job.id, plan)
                for part in range(parts):
                    queue.enqueue(
                        conn,
                        client_id=client_id,
                        kind=PART_JOB,
                        created_by=job.created_by,
                        ref_id=job.id,
                        org_id=job.org_id,
                        params={
                            "part": part,
                            "rc_template_name": template,
                            "period": ctx.open.key,
                            "number": job.number,
                            "cursor": 0,
                            "tally": {},
                        },
                    )
                queue.set_progress(conn, job.id, 0, len(plan))
                return
        helped = [
            worker.run_one(engine, lease_seconds=job.lease_seconds, kinds=(PART_JOB,), ref_id=o)
            for o in others
        ]
        if not any(helped):
            time.sleep(POLL_SECONDS)


def _failed(engine: Engine, job: Job) -> bool:
    with transaction(engine, readonly=True) as conn:
        return any(row.status == "Failed" for row in queue.of_ref(conn, PART_JOB, job.id))


def _wait(engine: Engine, job: Job, client_id: int) -> list[Any]:
    """The job's partitions once none is Pending or Running (taking over one whose worker died). Once one
    has failed, the plan goes: the others stop after their chunk in flight."""
    while True:
        with transaction(engine) as conn:
            subs = queue.of_ref(conn, PART_JOB, job.id)
            if any(row.status == "Failed" for row in subs):
                repo.delete_plan(conn, client_id, job.id)
        if not any(row.status in queue.ACTIVE for row in subs):
            return subs
        if worker.run_one(engine, lease_seconds=job.lease_seconds, kinds=(PART_JOB,), ref_id=job.id) is None:
            time.sleep(POLL_SECONDS)


def _check_open(conn: Connection, ctx: Context) -> None:
    now_open = periods.current_open(conn, ctx.scope, ctx.calendar)
    if now_open is None or now_open.key != ctx.open.key:
        raise Conflict("the open period changed while the data collection ran; submit it again")


# --- one partition (a sub-job) ---------------------------------------------------------------------------


def _part_context(conn: Connection, job: Job) -> Context:
    client = tenancy.get_client(conn, job.client_id)
    if client is None:
        raise InvalidInput("the client no longer exists")
    policies = policies_for(conn, client)
    scope = periods.default_scope(conn, job.client_id, job.org_id)
    opened = periods.current_open(conn, scope, policies.calendar)
    if opened is None or opened.key != job.params["period"]:
        raise Conflict("the open period changed while the data collection ran; submit it again")
    ctx = job_context(conn, job, client, policies, scope, opened)
    return replace(ctx, job_id=job.params.get("number"))  # warnings are listed under the user's job


def run_part(engine: Engine, job: Job) -> tuple[str, str | None]:
    """The ``data_collection_part`` sub-job: its partition's groups, a chunk per transaction."""
    assert job.ref_id is not None
    with transaction(engine) as conn:
        ctx = _part_context(conn, job)
    part, template = int(job.params["part"]), job.params.get("rc_template_name") or None
    while True:
        with transaction(engine) as conn:
            held = queue.hold(conn, job.id, job.owner, job.lease_seconds)
            if held is None:
                raise Conflict("the partition was taken over by another worker")
            params = json.loads(held.params or "{}")
            repo.share_client(conn, ctx.scope.client_id, ctx.scope.book_id)
            _check_open(conn, ctx)
            ids, last = repo.plan_rows(conn, ctx.scope.client_id, job.ref_id, part, params["cursor"], CHUNK)
            if not ids:
                tally = tally_of(params["tally"])
                return "Completed", f"partition {part + 1}: {tally.rows} line(s)"
            tally = tally_of(params["tally"])
            rows = repo.still_due(conn, ctx.scope.client_id, ids)
            if rows:
                so_rows = [r for r in rows if r.type == SO]
                activity = [r for r in rows if r.type != SO]
                by = job.created_by
                process_chunk(
                    conn, ctx, template=template, so_rows=so_rows, activity=activity, by=by, tally=tally
                )
            tally.chunks += 1
            if part == 0 and tally.chunks & (tally.chunks - 1) == 0:  # the tables grew since the plan
                statistics.refresh_stale(conn, ("rc_line", "revenue_contract", "rc_schedule", "rc_bill"))
            queue.set_params(conn, job.id, {**params, "cursor": last, "tally": asdict(tally)})
            queue.add_progress(conn, job.ref_id, len(rows))
