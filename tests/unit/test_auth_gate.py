"""The verification gate: at most ``slots`` argon2 checks at once, on threads of lowered priority; a
request that cannot get a slot in time is Throttled with Retry-After (docs/security.md)."""

from __future__ import annotations

import os
import sys
import threading
import time

import anyio
import pytest

from revrec.auth import gate, passwords
from revrec.errors import Throttled


def _run_many(checker: gate.VerificationGate, count: int) -> list[object]:
    outcomes: list[object] = []

    async def one() -> None:
        try:
            outcomes.append(await checker.verify(None, "pw"))
        except Throttled as exc:
            outcomes.append(exc)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(count):
                group.start_soon(one)

    anyio.run(main)
    return outcomes


def test_at_most_slots_run_at_once_on_nicer_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    running, most, nice = [0], [0], set()
    lock = threading.Lock()

    def slow(_password_hash: str | None, _password: str) -> bool:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            nice.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return False

    monkeypatch.setattr(passwords, "verify_password", slow)
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    outcomes = _run_many(gate.VerificationGate(2, 30, nice=5), 8)
    assert outcomes == [False] * 8
    assert most[0] == 2
    if sys.platform == "linux":
        assert nice == {min(19, base + 5)}


def test_waiting_longer_than_allowed_is_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "verify_password", lambda _h, _p: time.sleep(0.3) or True)
    outcomes = _run_many(gate.VerificationGate(1, 0.05, retry_after=2), 3)
    refused = [o for o in outcomes if isinstance(o, Throttled)]
    assert outcomes.count(True) == 1 and len(refused) == 2
    assert all(r.retry_after == 2 and "busy" in r.message for r in refused)
