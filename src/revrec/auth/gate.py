"""A bound on the argon2 verifications that run at once in one process.

Each verification costs tens of milliseconds of one core and the hash's memory (see ``passwords``). Letting
every request verify at once only makes all of them slower and, with enough of them, exhausts memory; so at
most ``slots`` verifications run (one per core by default) and the others wait on an asynchronous semaphore,
which holds no thread while waiting. A request that waits longer than ``wait_seconds`` is refused with
Throttled (429, ``Retry-After``) rather than queued without end.

The verifications run on a pool of exactly ``slots`` threads of their own whose CPU priority is lowered by
``nice`` (Linux gives each thread its own nice value): when uploads, jobs or other requests want the cores,
the scheduler gives them first, so a burst of logins slows logins, not the work that writes. On a machine
with idle cores the verifications still run at full speed.

The semaphore belongs to the event loop that uses it (anyio primitives cannot cross loops), so one is made
per running loop: the server has one; tests may start several.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

import anyio

from revrec.auth import passwords
from revrec.errors import Throttled

BUSY = "The server is busy checking other passwords; retry in {seconds} seconds"


def default_slots() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _lower_priority(nice: int) -> None:
    """Make the calling thread ``nice`` steps nicer (Linux: a thread id is a valid PRIO_PROCESS target)."""
    if nice and sys.platform == "linux":
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + nice))


def _verify(password_hash: str | None, password: str) -> bool:
    return passwords.verify_password(password_hash, password)


class VerificationGate:
    """Runs password verifications on its own low-priority threads, at most ``slots`` at once."""

    def __init__(self, slots: int, wait_seconds: float, *, nice: int = 0, retry_after: int = 1) -> None:
        self.slots = slots
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self._pool = ThreadPoolExecutor(
            max_workers=slots,
            thread_name_prefix="revrec-argon2",
            initializer=_lower_priority,
            initargs=(nice,),
        )
        self._semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _semaphore(self) -> anyio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = anyio.Semaphore(self.slots)
        return semaphore

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """``passwords.verify_password`` on the gate's threads once a slot is free; Throttled after waiting
        ``wait_seconds`` for one."""
        semaphore = self._semaphore()
        acquired = False
        with anyio.move_on_after(self.wait_seconds):
            await semaphore.acquire()
            acquired = True
        if not acquired:
            raise Throttled(BUSY.format(seconds=self.retry_after), self.retry_after)
        try:
            return await asyncio.wrap_future(self._pool.submit(_verify, password_hash, password))
        finally:
            semaphore.release()
