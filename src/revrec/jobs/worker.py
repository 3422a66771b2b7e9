"""The worker loop: claim a job, run its handler in one transaction with the job's completion.

A handler may instead run in steps (``Handler.steps``): it gets the engine and commits each step in its
own transaction (e.g. data collection, one chunk of contracts at a time, each chunk with its staging
flags, so that a killed worker resumes where it stopped); it returns ``(status, message)``.

Handlers are registered per job kind by the domain packages (``revrec.domains.install``). A handler that
raises a ``RevrecError`` fails the job with that message (and may record the failure on its object through
its ``on_failure``); any other exception also fails it, logged with its traceback.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from revrec.db.session import transaction
from revrec.errors import RevrecError
from revrec.jobs import queue
from revrec.jobs.queue import Job

log = logging.getLogger("revrec.worker")

LEASE_SECONDS = 600

Outcome = tuple[str, str | None]


@dataclass(frozen=True)
class Handler:
    run: Callable[[Connection, Job], str] | None  # returns the final status (e.g. Completed, Warning)
    on_failure: Callable[[Connection, Job, str], None] | None = None
    steps: Callable[[Engine, Job], Outcome] | None = None  # commits its own steps


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


def run_one(engine: Engine, owner: str | None = None) -> int | None:
    """Claim and run one job; the job id, or None when the queue is empty."""
    owner = owner or owner_name()
    with transaction(engine) as conn:
        claimed = queue.claim(conn, owner=owner, lease_seconds=LEASE_SECONDS, kinds=tuple(_handlers) or None)
    if claimed is None:
        return None
    handler = _handlers[claimed.kind]
    try:
        if handler.steps is not None:
            status, message = handler.steps(engine, claimed)
            with transaction(engine) as conn:
                queue.finish(conn, claimed.id, status, message)
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
            queue.finish(conn, claimed.id, "Failed", message)
            if handler.on_failure is not None:
                handler.on_failure(conn, claimed, message)
    return claimed.id


def maintain(engine: Engine) -> None:
    with transaction(engine) as conn:
        for step in _maintenance:
            step(conn)


def run_until_idle(engine: Engine) -> int:
    """Run jobs until none is left (used by tests and ``revrec worker --once``); returns how many ran."""
    count = 0
    maintain(engine)
    while run_one(engine) is not None:
        count += 1
    return count


def run_forever(engine: Engine, poll_ms: int, stop: threading.Event) -> None:
    """The worker loop: run jobs while there are some, otherwise wait ``poll_ms``."""
    owner = owner_name()
    log.info("worker %s started", owner)
    while not stop.is_set():
        try:
            maintain(engine)
            while not stop.is_set() and run_one(engine, owner) is not None:
                pass
        except Exception:  # noqa: BLE001 - the loop survives database hiccups
            log.exception("worker loop error")
        stop.wait(poll_ms / 1000)
    log.info("worker %s stopped", owner)
