"""SQLite has one writer: while a job's own long write holds the lock, its heartbeat cannot renew the lease.
That is expected (nobody can claim the job meanwhile, and the job's steps renew the lease as they commit),
so the heartbeat says so in one warning line instead of logging an error with a traceback each time."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import Engine, text

from revrec.db import session
from revrec.db.session import make_engine, transaction
from revrec.jobs import queue, worker
from revrec.tenancy import service as tenancy
from support import make_tenant, unique


def test_a_heartbeat_blocked_by_a_long_write_warns_in_one_line(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("only SQLite has a single writer lock")
    tenant = make_tenant(engine)
    kind = unique("heartbeat-test")
    owner = unique("owner")
    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, tenant.client).id
        queue.enqueue(conn, client_id=client_id, kind=kind, created_by="test")
        claimed = queue.claim(conn, owner=owner, lease_seconds=1, kinds=(kind,))
    assert claimed is not None
    monkeypatch.setattr(session, "SQLITE_BUSY_TIMEOUT_MS", 50)  # the heartbeat's connections give up fast
    beating = make_engine(str(engine.url))
    writer = engine.connect()  # the job's long write, holding SQLite's write lock (BEGIN IMMEDIATE)
    held = writer.begin()
    try:
        with (
            caplog.at_level(logging.WARNING, logger="revrec.worker"),
            worker.heartbeat(beating, claimed, owner),
        ):
            time.sleep(1.2)  # three beats (every third of the 1 s lease), each refused by the lock
    finally:
        held.rollback()
        writer.close()
        beating.dispose()
    mine = [r for r in caplog.records if r.name == "revrec.worker"]
    assert mine, "the heartbeat said nothing about the lock"
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in mine), [
        (r.levelname, r.getMessage()) for r in mine
    ]
    assert all("locked by a long write" in r.getMessage() for r in mine)
    with transaction(engine) as conn:  # once the lock is gone a beat renews the lease again
        assert queue.renew_lease(conn, claimed.id, 30, owner)
        conn.execute(text("DELETE FROM job WHERE id = :id"), {"id": claimed.id})
