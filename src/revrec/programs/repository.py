"""All SQL of the programs package (reads of the job queue by client)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from revrec.db.tables import job
from revrec.jobs.queue import ACTIVE


def count_active(conn: Connection, client_id: int, kind: str, org_id: int) -> int:
    query = select(func.count()).where(
        job.c.client_id == client_id, job.c.kind == kind, job.c.org_id == org_id, job.c.status.in_(ACTIVE)
    )
    return int(conn.execute(query).scalar_one())


def recent_jobs(conn: Connection, client_id: int, kinds: Sequence[str], limit: int) -> list[Any]:
    query = select(job).where(job.c.client_id == client_id, job.c.kind.in_(list(kinds)))
    return list(conn.execute(query.order_by(job.c.id.desc()).limit(limit)))
