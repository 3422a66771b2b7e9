"""The worker loop: claim a job, run its handler in one transaction with the job's completion.

A handler may instead run in steps (``Handler.steps``): it gets the engine and commits each step in its
own transaction (e.g. data collection, one chunk of contracts at a time, each chunk with its staging
flags, so that a killed worker resumes where it stopped); it returns ``(status, message)``. A handler's
``after`` step runs once the job has completed and committed, outside its transaction (housekeeping such as
staging's vacuum of the holding table); its failure is logged and leaves the job as it ended.

While a handler runs, a heartbeat thread renews the job's lease every third of the lease (30 s by default,
``REVREC_JOB_LEASE_SECONDS``), so a long job keeps its lease however long it runs, and a job whose worker
was killed is taken over by another worker once the lease lapses: within the lease plus one poll.

Handlers are registered per job kind by the domain packages (``revrec.domains.install``). A handler that
raises a ``RevrecError`` fails the job with that message (and may record the failure on its object through
its ``on_failure``); any other exception also fails it, logged with its traceback.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from revrec.db.session import transaction
from revrec.errors import RevrecError
from revrec.jobs import queue
from revrec.jobs.queue import Job

log = logging.getLogger("revrec.worker")

#: The default lease (``REVREC_JOB_LEASE_SECONDS``); the heartbeat renews it every third of it.
LEASE_SECONDS = 30

Outcome = tuple[str, str | None]


@dataclass(frozen=True)
class Handler:
    run: Callable[[Connection, Job], str] | None  # returns the final status (e.g. Completed, Warning)
    on_failure: Callable[[Connection, Job, str], None] | None = None
    steps: Callable[[Engine, Job], Outcome] | None = None  # commits its own steps
    #: run once the job completed and committed (housekeeping: a failure is logged, the job stands)
    after: Callable[[Engine, Job], None] | None = None


_handlers: dict[str, Handler] = {}
_maintenance: list[Callable[[Connection], None]] = []


def register(kind: str, handler: Handler) -> None:
    _handlers[kind] = handler


def register_maintenance(step: Callable[[Connection], None]) -> None:
    """A step run on every idle tick (e.g. failing uploads whose receiver died)."""
    if step not in _maintenance:
        _maintenance.append(step)


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@contextmanager
def heartbeat(engine: Engine, job: Job, owner: str) -> Iterator[None]:
    """Renew ``job``'s lease every third of its lease while the block runs (in a daemon thread)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(job.lease_seconds / 3):
            try:
                with transaction(engine) as conn:
                    held = queue.renew_lease(conn, job.id, job.lease_seconds, owner)
                    current = None if held else queue.get(conn, job.id)
                if not held:
                    if current is not None and current.status == "Running":
                        log.warning("job %s: lease lost: taken over by %s", job.id, current.lease_owner)
                    # else the job ended while this beat waited (on SQLite, for the job's own final commit)
                    return
            except Exception as exc:  # noqa: BLE001 - a missed beat is retried; the lease has slack for two
                if _sqlite_locked(exc):
                    # SQLite has one writer: a step of this job writing longer than the busy timeout holds the
                    # lock. Nobody can claim the job meanwhile, and the step renews the lease as it commits.
                    log.warning("job %s: lease not renewed: the database is locked by a long write", job.id)
                else:
                    log.exception("job %s: heartbeat failed", job.id)

    thread = threading.Thread(target=beat, name=f"revrec-heartbeat-{job.id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _sqlite_locked(exc: Exception) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def run_one(
    engine: Engine,
    owner: str | None = None,
    lease_seconds: int = LEASE_SECONDS,
    *,
    kinds: tuple[str, ...] | None = None,
    ref_id: int | None = None,
) -> int | None:
    """Claim and run one job (of ``kinds`` and object ``ref_id`` when given: a job running the sub-jobs
    it split its work into); the job's internal id, or None when there is none to claim."""
    owner = owner or owner_name()
    kinds = kinds or tuple(_handlers) or None
    with transaction(engine) as conn:
        claimed = queue.claim(conn, owner=owner, lease_seconds=lease_seconds, kinds=kinds, ref_id=ref_id)
    if claimed is None:
        return None
    with heartbeat(engine, claimed, owner):
        _run(engine, claimed)
    return claimed.id


def _run(engine: Engine, claimed: Job) -> None:
    handler = _handlers[claimed.kind]
    if _run_handler(engine, claimed, handler) and handler.after is not None:
        try:
            handler.after(engine, claimed)
        except Exception:  # noqa: BLE001 - the job is done and committed; its housekeeping may fail
            log.exception("job %s (%s): the step after it failed", claimed.id, claimed.kind)


def _run_handler(engine: Engine, claimed: Job, handler: Handler) -> bool:
    """Run ``claimed`` and record its end; True when it completed (its transaction committed)."""
    try:
        if handler.steps is not None:
            status, message = handler.steps(engine, claimed)
            with transaction(engine) as conn:
                queue.finish(conn, claimed.id, status, message, claimed.owner)
        else:
            assert handler.run is not None
            with transaction(engine) as conn:
                status = handler.run(conn, claimed)
                queue.finish(conn, claimed.id, status)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        message = exc.message if isinstance(exc, RevrecError) else f"internal error: {type(exc).__name__}"
        if not isinstance(exc, RevrecError):
            log.exception("job %s (%s) failed", claimed.id, claimed.kind)
        with transaction(engine) as conn:
            queue.finish(conn, claimed.id, "Failed", message, claimed.owner)
            if handler.on_failure is not None:
                handler.on_failure(conn, claimed, message)
        return False
    return True


def maintain(engine: Engine) -> None:
    with transaction(engine) as conn:
        for step in _maintenance:
            step(conn)


def run_until_idle(engine: Engine, lease_seconds: int = LEASE_SECONDS) -> int:
    """Run jobs until none is left (used by tests and ``revrec worker --once``); returns how many ran."""
    count = 0
    maintain(engine)
    while run_one(engine, lease_seconds=lease_seconds) is not None:
        count += 1
    return count


def run_forever(
    engine: Engine, poll_ms: int, stop: threading.Event, lease_seconds: int = LEASE_SECONDS
) -> None:
    """The worker loop: run jobs while there are some, otherwise wait ``poll_ms``."""
    owner = owner_name()
    log.info("worker %s started", owner)
    while not stop.is_set():
        try:
            maintain(engine)
            while not stop.is_set() and run_one(engine, owner, lease_seconds) is not None:
                pass
        except Exception:  # noqa: BLE001 - the loop survives database hiccups
            log.exception("worker loop error")
        stop.wait(poll_ms / 1000)
    log.info("worker %s stopped", owner)
