"""The job queue in the database.

A job is ``Pending`` until a worker claims it: the worker sets ``Running`` with a lease (owner and expiry).
The job's work and its completion are one transaction, so a worker that dies mid-job leaves nothing half
applied; once the lease has expired another worker takes the job again. On PostgreSQL claims use
``FOR UPDATE SKIP LOCKED`` so several workers never take the same job; on SQLite the write lock
serialises claims. After ``MAX_ATTEMPTS`` claims a job that never completed is marked ``Failed``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from revrec.db.tables import job

MAX_ATTEMPTS = 3
ACTIVE = ("Pending", "Running")


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    client_id: int
    org_id: int | None
    kind: str
    ref_id: int | None
    params: dict[str, Any]
    attempts: int
    created_by: str


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue(
    conn: Connection,
    *,
    client_id: int,
    kind: str,
    created_by: str,
    ref_id: int | None = None,
    org_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    stamp = _now()
    result = conn.execute(
        insert(job).values(
            client_id=client_id,
            org_id=org_id,
            kind=kind,
            ref_id=ref_id,
            params=json.dumps(params or {}),
            status="Pending",
            attempts=0,
            progress_done=0,
            progress_total=0,
            created_by=created_by,
            created_at=stamp,
            updated_at=stamp,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def claim(
    conn: Connection, *, owner: str, lease_seconds: int, kinds: tuple[str, ...] | None = None
) -> Job | None:
    """Take the oldest pending job (or one whose lease expired); None when there is none."""
    now = int(time.time())
    claimable = or_(job.c.status == "Pending", (job.c.status == "Running") & (job.c.lease_until < now))
    query = select(job).where(claimable).order_by(job.c.id).limit(1)
    if kinds:
        query = query.where(job.c.kind.in_(kinds))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).first()
    if row is None:
        return None
    if row.attempts >= MAX_ATTEMPTS:
        finish(conn, row.id, "Failed", f"the job was interrupted {row.attempts} times; giving up")
        return None
    taken = conn.execute(
        update(job)
        .where(job.c.id == row.id, claimable)
        .values(
            status="Running",
            lease_owner=owner,
            lease_until=now + lease_seconds,
            attempts=row.attempts + 1,
            started_at=row.started_at or _now(),
            updated_at=_now(),
        )
    )
    if taken.rowcount != 1:
        return None
    return Job(
        row.id,
        row.client_id,
        row.org_id,
        row.kind,
        row.ref_id,
        json.loads(row.params or "{}"),
        row.attempts + 1,
        row.created_by,
    )


def finish(conn: Connection, job_id: int, status: str, error_message: str | None = None) -> None:
    conn.execute(
        update(job)
        .where(job.c.id == job_id)
        .values(
            status=status, error_message=error_message, lease_owner=None, lease_until=None, updated_at=_now()
        )
    )


def set_progress(conn: Connection, job_id: int, done: int, total: int) -> None:
    conn.execute(update(job).where(job.c.id == job_id).values(progress_done=done, progress_total=total))


def get(conn: Connection, job_id: int) -> Any:
    return conn.execute(select(job).where(job.c.id == job_id)).first()


def renew_lease(conn: Connection, job_id: int, seconds: int) -> None:
    """Extend a running job's lease (long jobs that commit step by step call this with each step)."""
    conn.execute(update(job).where(job.c.id == job_id).values(lease_until=int(time.time()) + seconds))
