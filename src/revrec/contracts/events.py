"""The Event Process program (``RevPro3.0 Event Process``, domain §7.1): staged events into contracts.

Due events are the client's valid staged events (``stage_event`` rows ``N``) dated on or before the end of
the open period whose SO line is already collected; the others stay ``N`` until their line is collected or
their period opens. Each chunk of due events is one transaction: the contracts holding the events' lines
are recomputed from their full history (current line versions, bills and every processed event) plus the
chunk's events, written as a new revision (closed periods unchanged, the open period per the client's
modification treatment), and the chunk's events become ``Y``. Then the open period's journal is
regenerated. Running it again finds nothing due and changes nothing. Parameter ``EVENT NAME`` (optional)
restricts the run to the events of that event type.

Processed events (``Y``) are part of a contract's history: :func:`processed_events` gives them to every
later recomputation of the contract (Data Collection of a later line or bill included).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select, update

from revrec.accounting import service as accounting
from revrec.contracts import repository as repo
from revrec.contracts import service, staged
from revrec.contracts.compute import compute
from revrec.contracts.persist import Context, job_context
from revrec.controls import manual_repository
from revrec.controls.holds import release_by_events
from revrec.db.id_lists import among, batches
from revrec.db.session import transaction
from revrec.db.tables import stage_event
from revrec.engine.errors import PolicyError
from revrec.engine.lines import RevenueEvent
from revrec.errors import Conflict, InvalidInput
from revrec.jobs import queue
from revrec.jobs.queue import Job
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.tenancy import repository as tenancy

EVENT_PROCESS_JOB = "event_process"
CHUNK = 2000

_c = stage_event.c


@dataclass(frozen=True, slots=True)
class StagedEvent:
    row_id: int
    event: RevenueEvent


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _event(row: Any) -> StagedEvent:
    event = RevenueEvent(
        line_id=row.so_line_id or "",
        event_name=row.event_type or "",
        event_date=row.event_date,
        percent=_decimal(row.release_pct),
        quantity=_decimal(row.release_qty),
        amount=_decimal(row.release_amt),
        action=(row.action or "REC").upper(),
        event_id=f"{row.id:012d}",  # staging order among events of the same date
    )
    return StagedEvent(int(row.id), event)


_COLUMNS = (
    _c.id,
    _c.so_line_id,
    _c.event_type,
    _c.event_date,
    _c.release_pct,
    _c.release_qty,
    _c.release_amt,
    _c.action,
)


def processed_events(conn: Connection, client_id: int, line_ids: Iterable[str]) -> list[RevenueEvent]:
    """The processed (``Y``) events of ``line_ids``, in staging order."""
    found: list[Any] = []
    for chunk in batches(conn, line_ids):  # one array parameter a batch on PostgreSQL (revrec.db.id_lists)
        query = select(*_COLUMNS).where(
            _c.client_id == client_id, _c.processed_flag == "Y", among(conn, _c.so_line_id, chunk)
        )
        found.extend(conn.execute(query))
    return [_event(row).event for row in sorted(found, key=lambda r: int(r.id))]


def _due(client_id: int, due_end: dt.date, event_name: str | None) -> Any:
    clause = and_(
        _c.client_id == client_id,
        _c.processed_flag == "N",
        or_(_c.event_date.is_(None), _c.event_date <= due_end),
    )
    return clause if not event_name else and_(clause, _c.event_type == event_name)


def next_due(
    conn: Connection, client_id: int, after: int, due_end: dt.date, limit: int, event_name: str | None = None
) -> list[StagedEvent]:
    query = (
        select(*_COLUMNS)
        .where(_due(client_id, due_end, event_name), _c.id > after)
        .order_by(_c.id)
        .limit(limit)
    )
    return [_event(row) for row in conn.execute(query)]


def _mark_processed(conn: Connection, row_ids: Sequence[int], by: str) -> None:
    stamp = repo.now()
    for chunk in batches(conn, row_ids):
        conn.execute(
            update(stage_event)
            .where(among(conn, _c.id, chunk))
            .values(processed_flag="Y", updt_dt=stamp, updt_by=by)
        )


def process_events(
    conn: Connection, ctx: Context, events: Sequence[StagedEvent], by: str, tally: service.Tally
) -> None:
    """Apply one chunk of due events to their contracts and flag them ``Y`` (nothing commits here)."""
    client_id = ctx.scope.client_id
    existing = repo.current_lines(conn, client_id, {e.event.line_id for e in events})
    ready = [e for e in events if e.event.line_id in existing]
    if not ready:
        return
    releasing = release_by_events(conn, client_id, ready, by)  # hold events release holds, not revenue
    affected = {int(existing[e.event.line_id].rc_id) for e in ready if e.row_id not in releasing}
    templates: dict[str, set[int]] = {}
    for head in repo.contracts_by_id(conn, affected):
        templates.setdefault(str(head.template), set()).add(int(head.id))
    for name, rc_ids in sorted(templates.items()):
        template: str | None = name
        try:
            ctx.policies.grouping_template(name)
        except PolicyError:  # the contract's template was removed since: the default one
            template = None
        so_ids, bill_ids = repo.history_rows(conn, rc_ids)
        so_rows = staged.by_ids(conn, so_ids)
        activity = sorted(staged.by_ids(conn, bill_ids), key=lambda r: r.row_id)
        line_ids = {r.ref or "" for r in so_rows}
        history = processed_events(conn, client_id, line_ids)
        new = [e.event for e in ready if e.event.line_id in line_ids and e.row_id not in releasing]
        computation = compute(
            so_rows,
            activity,
            ctx.policies,
            template=template,
            open_period=ctx.open.key,
            events=[*history, *new],
            new_events={e.event_id for e in new},
            overrides=manual_repository.overrides_by_key(conn, client_id, rc_ids),
        )
        service._write(conn, ctx, computation, set(), {}, tally)  # no SO line re-sent
    _mark_processed(conn, [e.row_id for e in ready], by)
    tally.rows += len(events)
    tally.collected += len(ready)


def _prepare(conn: Connection, job: Job) -> Context | None:
    client = tenancy.get_client(conn, job.client_id)
    if client is None:
        raise InvalidInput("the client no longer exists")
    policies = policies_for(conn, client)
    scope = periods.default_scope(conn, job.client_id, job.org_id)
    opened = periods.current_open(conn, scope, policies.calendar)
    if opened is None:
        return None
    return job_context(conn, job, client, policies, scope, opened)


def run_event_process(engine: Engine, job: Job) -> tuple[str, str | None]:
    """The ``event_process`` job (see the module docstring)."""
    with transaction(engine) as conn:
        ctx = _prepare(conn, job)
    if ctx is None:
        return "Completed", "No open period: no events to process"
    if (frozen := periods.frozen_message(ctx.open)) is not None:
        return "Error", frozen
    tally = service.Tally()
    event_name = job.params.get("event_name") or None
    after = 0
    while True:
        with transaction(engine) as conn:
            repo.lock_client(conn, ctx.scope.client_id)
            now_open = periods.current_open(conn, ctx.scope, ctx.calendar)
            if now_open is None or now_open.key != ctx.open.key:
                raise Conflict("the open period changed while the event process ran; submit it again")
            chunk = next_due(conn, ctx.scope.client_id, after, ctx.open.end, CHUNK, event_name)
            if not chunk:
                break
            process_events(conn, ctx, chunk, job.created_by, tally)
            after = chunk[-1].row_id
            tally.chunks += 1
            done = (job.progress_done if job.attempts > 1 else 0) + tally.rows  # also after a takeover
            queue.set_progress(conn, job.id, done, done)
            queue.renew_lease(conn, job.id, job.lease_seconds)
    if tally.collected:
        with transaction(engine) as conn:
            accounting.journalize(conn, ctx.scope, ctx.open)
    waiting = tally.rows - tally.collected
    summary = (
        f"{tally.collected} event(s) processed into {tally.contracts_revised} contract revision(s); "
        f"{waiting} event(s) waiting for their line"
    ) + tally.warning_summary()
    if tally.engine_errors:
        codes = ", ".join(f"{code} x{n}" for code, n in sorted(tally.codes.items()))
        return "Warning", f"{summary}; contracts with errors: {codes}"
    return ("Warning" if tally.warnings else "Completed"), summary
