"""The job queue in the database.

A job is ``Pending`` until a worker claims it: the worker sets ``Running`` with a lease (owner and expiry).
The job's work and its completion are one transaction, so a worker that dies mid-job leaves nothing half
applied; once the lease has expired another worker takes the job again. On PostgreSQL claims use
``FOR UPDATE SKIP LOCKED`` so several workers never take the same job; on SQLite the write lock
serialises claims. After ``MAX_ATTEMPTS`` claims a job that never completed is marked ``Failed``.

Jobs a user submits (programs, data collection) carry a ``number``: the job id users see, from its own
counter (a PostgreSQL sequence; on SQLite the next number under the write lock every writer takes), so
internal jobs (staging an upload) leave no gaps in it. Internal jobs have no number.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from revrec.db.tables import job, job_number_seq

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
    number: int | None = None  # the id users see (None for internal jobs)
    progress_done: int = 0  # progress recorded by earlier attempts
    progress_total: int = 0
    lease_seconds: int = 30  # how long a claim or heartbeat holds the job
    owner: str = ""  # the worker holding the claim


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
    numbered: bool = False,
) -> int:
    """Queue a job; returns its ``number`` when ``numbered`` (a user's job), else its internal id."""
    stamp = _now()
    number = next_number(conn) if numbered else None
    result = conn.execute(
        insert(job).values(
            number=number,
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
    return number if number is not None else int(result.inserted_primary_key[0])  # type: ignore[index]


def next_number(conn: Connection) -> int:
    """The next user-visible job number (callers hold the write lock on SQLite: BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(job_number_seq.next_value()).scalar_one())
    return int(conn.execute(select(func.coalesce(func.max(job.c.number), 0) + 1)).scalar_one())


def claim(
    conn: Connection,
    *,
    owner: str,
    lease_seconds: int,
    kinds: tuple[str, ...] | None = None,
    ref_id: int | None = None,
) -> Job | None:
    """Take the oldest pending job (or one whose lease expired); None when there is none. ``ref_id``: only
    jobs of that object (e.g. the partitions of one Data Collection job)."""
    now = int(time.time())
    claimable = or_(job.c.status == "Pending", (job.c.status == "Running") & (job.c.lease_until < now))
    query = select(job).where(claimable).order_by(job.c.id).limit(1)
    if kinds:
        query = query.where(job.c.kind.in_(kinds))
    if ref_id is not None:
        query = query.where(job.c.ref_id == ref_id)
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
        row.number,
        row.progress_done,
        row.progress_total,
        lease_seconds,
        owner,
    )


def finish(
    conn: Connection, job_id: int, status: str, error_message: str | None = None, owner: str | None = None
) -> None:
    """Record a job's end (with ``owner``: only while that worker still holds it, not after a takeover)."""
    query = update(job).where(job.c.id == job_id)
    if owner:
        query = query.where(or_(job.c.lease_owner == owner, job.c.lease_owner.is_(None)))
    conn.execute(
        query.values(
            status=status, error_message=error_message, lease_owner=None, lease_until=None, updated_at=_now()
        )
    )


def set_progress(conn: Connection, job_id: int, done: int, total: int) -> None:
    conn.execute(update(job).where(job.c.id == job_id).values(progress_done=done, progress_total=total))


def get(conn: Connection, job_id: int) -> Any:
    return conn.execute(select(job).where(job.c.id == job_id)).first()


MAX_NUMBER = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL


def by_number(conn: Connection, number: int) -> Any:
    """A user's job by the id users see (None when there is none, also for numbers no job can have)."""
    if not 0 < number <= MAX_NUMBER:
        return None
    return conn.execute(select(job).where(job.c.number == number)).first()


def renew_lease(conn: Connection, job_id: int, seconds: int, owner: str | None = None) -> bool:
    """Extend a running job's lease (the worker's heartbeat; long jobs also call it with each step).

    With ``owner``, only while that worker still holds the job; False when it does not (taken over)."""
    query = update(job).where(job.c.id == job_id, job.c.status == "Running")
    if owner is not None:
        query = query.where(job.c.lease_owner == owner)
    return conn.execute(query.values(lease_until=int(time.time()) + seconds)).rowcount == 1


def hold(conn: Connection, job_id: int, owner: str, seconds: int) -> Any:
    """Lock a running job's row while ``owner`` still holds it and extend its lease; the row (its params
    as the last committed step left them), or None when another worker has taken the job over. A step
    that starts with it never runs beside a step of the same job on another worker."""
    query = select(job).where(job.c.id == job_id, job.c.status == "Running", job.c.lease_owner == owner)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is not None:
        renew_lease(conn, job_id, seconds, owner)
    return row


def set_params(conn: Connection, job_id: int, params: dict[str, Any]) -> None:
    """Replace a job's parameters (a long job's own state between steps, e.g. its cursor)."""
    conn.execute(update(job).where(job.c.id == job_id).values(params=json.dumps(params)))


def add_progress(conn: Connection, job_id: int, done: int) -> None:
    """Count ``done`` more items on a job whose steps run on several workers."""
    conn.execute(update(job).where(job.c.id == job_id).values(progress_done=job.c.progress_done + done))


def of_ref(conn: Connection, kind: str, ref_id: int) -> list[Any]:
    """The jobs of ``kind`` for object ``ref_id`` (e.g. the partitions of one collection job), by id."""
    return list(
        conn.execute(select(job).where(job.c.kind == kind, job.c.ref_id == ref_id).order_by(job.c.id))
    )


def active_of_kind(conn: Connection, client_id: int, kind: str) -> list[Any]:
    """A client's Pending or Running jobs of ``kind``."""
    query = select(job).where(job.c.client_id == client_id, job.c.kind == kind, job.c.status.in_(ACTIVE))
    return list(conn.execute(query))
