"""Engine warnings that reach people: stored per contract and line (``rc_warning``), counted per job.

The engine reports some problems as warnings next to a result it still computes (``REVREC-ENG-006``: an
event, bill or manual release beyond 100 % of a line — or a deferral below 0 % — was consumed only in part;
``REVREC-ENG-009``: residual allocation failed). Each time a contract is written its current warnings
replace the stored ones: a warning the engine still finds keeps its row (with the job and open period that
first found it), a new one is inserted with the current job, one no longer found is deleted. So the table
holds what an accountant must look at now; the number of new warnings goes into the job's result message,
``revrec job status`` lists them, and the ``contract-warnings`` report lists every stored one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from revrec.contracts.repository import now
from revrec.db.id_lists import among, batches
from revrec.db.tables import rc_warning, revenue_contract
from revrec.engine.errors import WARNING, EngineError

_w = rc_warning.c
Key = tuple[str | None, str, str]


def of(errors: Iterable[EngineError]) -> list[EngineError]:
    """The warnings among a contract's problems, once each."""
    seen: set[Key] = set()
    found: list[EngineError] = []
    for error in errors:
        key = (error.line_id, error.code, error.message[:500])
        if error.severity == WARNING and key not in seen:
            seen.add(key)
            found.append(error)
    return found


#: warnings another module keeps up to date (not the contract computation): a contract write leaves them
MANAGED_ELSEWHERE = ("REVREC-ENG-040",)  # rights of return: revrec.contracts.returns_reserve


def _stored(conn: Connection, rc_ids: Sequence[int]) -> dict[int, dict[Key, int]]:
    found: dict[int, dict[Key, int]] = {}
    for chunk in batches(conn, rc_ids):  # one array parameter a batch on PostgreSQL, not 900 of them
        query = select(_w.id, _w.rc_id, _w.line_id, _w.code, _w.message).where(
            among(conn, _w.rc_id, chunk), _w.code.not_in(MANAGED_ELSEWHERE)
        )
        for row in conn.execute(query):
            found.setdefault(int(row.rc_id), {})[(row.line_id, row.code, row.message)] = int(row.id)
    return found


def replace(
    conn: Connection,
    *,
    client_id: int,
    current: Mapping[int, list[EngineError]],
    job_id: int | None,
    period: int,
) -> list[EngineError]:
    """Store ``current`` (contract id → its warnings) in place of the contracts' stored ones; the new ones."""
    stored = _stored(conn, list(current))
    stale: list[int] = []
    rows: list[dict[str, Any]] = []
    fresh: list[EngineError] = []
    stamp = now()
    for rc_id, warnings in current.items():
        known = dict(stored.get(rc_id, {}))
        for warning in warnings:
            if known.pop((warning.line_id, warning.code, warning.message[:500]), None) is not None:
                continue
            fresh.append(warning)
            rows.append(
                {
                    "client_id": client_id,
                    "rc_id": rc_id,
                    "line_id": warning.line_id,
                    "code": warning.code,
                    "message": warning.message[:500],
                    "detail": json.dumps(dict(warning.values), sort_keys=True) if warning.values else None,
                    "job_id": job_id,
                    "prd_id": period,
                    "created_at": stamp,
                }
            )
        stale.extend(known.values())
    for chunk in batches(conn, stale):
        conn.execute(delete(rc_warning).where(among(conn, _w.id, chunk)))
    if rows:
        conn.execute(insert(rc_warning), rows)
    return fresh


COLUMNS = ("RC_ID", "RC_KEY", "LINE_ID", "CODE", "MESSAGE", "DETAIL", "JOB_ID", "PRD_ID", "CRTD_DT")


def _select(client_id: int) -> Any:
    rc = revenue_contract.c
    return (
        select(
            _w.rc_id,
            rc.rc_key,
            _w.line_id,
            _w.code,
            _w.message,
            _w.detail,
            _w.job_id,
            _w.prd_id,
            _w.created_at,
        )  # fmt: skip
        .join(revenue_contract, rc.id == _w.rc_id)
        .where(_w.client_id == client_id)
        .order_by(_w.rc_id, _w.line_id, _w.code, _w.id)
    )


def rows(
    conn: Connection, client_id: int, *, job_id: int | None = None, code: str | None = None
) -> Iterator[Any]:
    """The client's stored warnings (of one job, of one code), by contract and line."""
    query = _select(client_id)
    if job_id is not None:
        query = query.where(_w.job_id == job_id)
    if code is not None:
        query = query.where(_w.code == code)
    result = conn.execute(query.execution_options(yield_per=500))
    try:
        yield from result
    finally:
        result.close()


SHOWN = 20


def print_job_warnings(conn: Connection, client_id: int, job_id: int) -> None:
    """The warnings a job found first, one per line (at most :data:`SHOWN`; the report lists them all)."""
    count = 0
    for row in rows(conn, client_id, job_id=job_id):
        count += 1
        if count <= SHOWN:
            values = f" {row.detail}" if row.detail else ""
            print(
                f"  warning {row.code} contract {row.rc_key} line {row.line_id or '-'}: {row.message}{values}"
            )
    if count > SHOWN:
        print(f"  … and {count - SHOWN} more: revrec report run contract-warnings --param JOB_ID={job_id}")
