"""The heartbeat's word when it can no longer renew a job's lease: a warning naming the new holder when the
job was taken over; nothing when the job simply ended while a beat waited (on SQLite a beat waits for the
job's own final commit, so every long single-transaction job used to end with a "lease lost" warning)."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import Engine, delete, update

from revrec.db.session import transaction
from revrec.db.tables import job
from revrec.jobs import queue, worker
from revrec.tenancy import service as tenancy
from support import make_tenant, unique


def _claimed(engine: Engine) -> queue.Job:
    tenant = make_tenant(engine)
    kind = unique("lease-test")
    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, tenant.client).id
        queue.enqueue(conn, client_id=client_id, kind=kind, created_by="test")
        claimed = queue.claim(conn, owner=unique("owner"), lease_seconds=1, kinds=(kind,))
    assert claimed is not None
    return claimed


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "revrec.worker" and r.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize("ending", ["finished", "taken over"])
def test_the_heartbeat_warns_of_a_takeover_only(
    engine: Engine, caplog: pytest.LogCaptureFixture, ending: str
) -> None:
    claimed = _claimed(engine)
    owner = claimed.owner
    with caplog.at_level(logging.WARNING, logger="revrec.worker"), worker.heartbeat(engine, claimed, owner):
        with transaction(engine) as conn:
            if ending == "finished":
                queue.finish(conn, claimed.id, "Completed", None, owner)
            else:
                conn.execute(update(job).where(job.c.id == claimed.id).values(lease_owner="other-host:1:1"))
        time.sleep(0.8)  # two beats (every third of the 1 s lease)
    with transaction(engine) as conn:
        conn.execute(delete(job).where(job.c.id == claimed.id))
    if ending == "finished":
        assert _warnings(caplog) == []
    else:
        assert _warnings(caplog) == [f"job {claimed.id}: lease lost: taken over by other-host:1:1"]
