"""Which process receives an upload, and failing the uploads whose receiving process is gone.

An upload is ``Receiving`` while one server process checks and stores its body; that process is recorded on
the upload as its *receiver*: ``host|pid|start``, where ``start`` identifies that run of the process (the
kernel's boot id and the process's start time in clock ticks since boot, from ``/proc``), so a pid reused
by another process, or the same pid after a reboot, is not mistaken for it.

A receiver on this host is checked exactly: when its pid no longer exists, is a zombie, or now belongs to
a process started at another time, the upload can never finish, and :func:`fail_orphans` marks it
``Failed`` at once (its file name is free again and it no longer counts against the client's uploads in
flight). A receiver on another host cannot be checked from here: any upload still ``Receiving`` after
:data:`RECEIVING_TIMEOUT` is failed too (a receiving process that is somehow still at work then finds its
upload failed and stores nothing). Where ``/proc`` is missing (not Linux) only the pid is checked.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import Final

from sqlalchemy import Connection

from revrec.inbound import repository as repo

#: An upload Receiving longer than this whose receiver cannot be checked is taken as interrupted.
RECEIVING_TIMEOUT: Final = timedelta(minutes=30)
INTERRUPTED: Final = "Upload interrupted before it was stored; send it again"
_PROC: Final = Path("/proc")


def _boot_id() -> str:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str | None:
    """Start time of process ``pid`` ('' when unknown here); None when it does not run (or is a zombie)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        if _PROC.joinpath("self").exists():
            return None
        return _pid_alive(pid)
    except OSError:
        return ""
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold anything
    return None if fields[0] in ("Z", "X") else fields[19]


def _pid_alive(pid: int) -> str | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return ""
    return ""


def receiver_id() -> str:
    """This process's receiver id: ``host|pid|boot id:start ticks``."""
    pid = os.getpid()
    return f"{socket.gethostname()}|{pid}|{_boot_id()}:{_start_ticks(pid) or ''}"


def is_gone(receiver: str) -> bool:
    """True when ``receiver`` is certainly no longer running (only a receiver on this host can be)."""
    host, _, rest = receiver.partition("|")
    pid, _, start = rest.partition("|")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    boot, _, ticks = start.partition(":")
    if boot and boot != _boot_id():
        return True  # the host restarted since
    now = _start_ticks(int(pid))
    return now is None or bool(ticks and now and now != ticks)


def fail_orphans(conn: Connection, client_id: int | None = None) -> int:
    """Mark Failed the Receiving uploads (of ``client_id``, or all) that can never finish; how many."""
    rows = repo.receiving_uploads(conn, client_id, stale_before=repo.now() - RECEIVING_TIMEOUT)
    orphans = [row.id for row in rows if row.stale or (row.receiver and is_gone(row.receiver))]
    return repo.fail_receiving(conn, orphans, INTERRUPTED)
