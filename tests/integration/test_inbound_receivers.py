"""Crashes leave nothing stuck: a server killed (SIGKILL) in the middle of receiving an upload leaves it
``Receiving``; since the upload names its receiving process, it is failed as soon as anyone looks (the next
upload of the client, or the worker's maintenance, which runs at its start and on every idle tick), its
file name is free again and it no longer counts against the client's uploads in flight (no 429)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from inbound_data import so_line, transactions
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import stage_line, upload
from revrec.inbound import receivers
from revrec.jobs import worker
from support import login, make_tenant, unique

REVREC = str(Path(sys.executable).parent / "revrec")
FILE_UPLOAD = "/api/integration/v1/upload/file"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _server(tmp_path: Path, database_url: str, secret: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``revrec serve`` on the test database, without a worker."""
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REVREC_DATA_DIR": str(tmp_path / "var"),
           "REVREC_DATABASE_URL": database_url, "REVREC_SECRET_KEY": secret,
           "REVREC_RUN_WORKER": "false"}  # fmt: skip
    log = (tmp_path / f"serve-{port}.log").open("w")
    process = subprocess.Popen([REVREC, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert process.poll() is None and time.monotonic() < deadline, "revrec serve did not start"
            time.sleep(0.1)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        log.close()


def _receiving(engine: Engine, pid: int) -> Any:
    with transaction(engine, readonly=True) as conn:  # (a writer would wait for the receiving transaction)
        return conn.execute(
            select(upload).where(upload.c.status == "Receiving", upload.c.receiver.like(f"%|{pid}|%"))
        ).first()


def _kill_mid_upload(
    tmp_path: Path, settings: Settings, engine: Engine, token: dict[str, str], name: str
) -> int:
    """Send a 60,000-line file to a server process and SIGKILL it while it pre-stages; the upload id."""
    body = transactions(*(so_line(f"{name}-{i}") for i in range(60_000))).encode()
    with _server(tmp_path, settings.database_url, settings.secret_key) as (process, base):
        headers = {**token, "templatename": "Standard Transaction"}
        files = {"file": (name, body, "text/csv")}
        sender = threading.Thread(
            target=lambda: pytest.raises(
                httpx.HTTPError, httpx.post, f"{base}{FILE_UPLOAD}", headers=headers, files=files, timeout=120
            ),  # fmt: skip
            daemon=True,
        )
        sender.start()
        deadline = time.monotonic() + 120
        while (row := _receiving(engine, process.pid)) is None:
            assert time.monotonic() < deadline and process.poll() is None, "the upload was never received"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        sender.join(timeout=30)
    return int(row.id)


def _statuses(engine: Engine, ids: list[int]) -> list[str]:
    with transaction(engine, readonly=True) as conn:
        return list(
            conn.execute(select(upload.c.status).where(upload.c.id.in_(ids)).order_by(upload.c.id)).scalars()
        )


@pytest.mark.slow
def test_uploads_of_a_killed_server_are_failed_at_once(
    tmp_path: Path, settings: Settings, engine: Engine, http: TestClient
) -> None:
    token = login(http, make_tenant(engine))
    names = [unique("killed") + ".csv", unique("killed") + ".csv"]
    first = _kill_mid_upload(tmp_path, settings, engine, token, names[0])
    assert _statuses(engine, [first]) == ["Receiving"]  # nobody has looked yet
    second = _kill_mid_upload(tmp_path, settings, engine, token, names[1])
    assert _statuses(engine, [first, second]) == ["Failed", "Receiving"]  # the second upload looked
    ids = [first, second]
    with transaction(engine) as conn:
        assert conn.execute(select(func.count()).where(stage_line.c.upload_id.in_(ids))).scalar_one() == 0
    # The next upload of the client sees both dead receivers: no 429, and the first name is free again.
    files = {"file": (names[0], transactions(so_line("after")).encode(), "text/csv")}
    response = http.post(FILE_UPLOAD, headers={**token, "templatename": "Standard Transaction"}, files=files)
    assert response.status_code == 200, response.text
    with transaction(engine) as conn:
        failed = conn.execute(
            select(upload.c.status, upload.c.active_name, upload.c.message).where(upload.c.id.in_(ids))
        )
        assert {tuple(r) for r in failed} == {("Failed", None, receivers.INTERRUPTED)}


@pytest.mark.slow
def test_the_worker_fails_uploads_of_a_killed_server(
    tmp_path: Path, settings: Settings, engine: Engine, http: TestClient
) -> None:
    token = login(http, make_tenant(engine))
    upload_id = _kill_mid_upload(tmp_path, settings, engine, token, unique("killed") + ".csv")
    worker.maintain(engine)  # what the worker runs when it starts and on every idle tick
    with transaction(engine) as conn:
        row = conn.execute(select(upload).where(upload.c.id == upload_id)).one()
    assert (row.status, row.active_name) == ("Failed", None)


def test_a_receiver_is_gone_only_when_its_process_is() -> None:
    me = receivers.receiver_id()
    host, pid, start = me.split("|")
    assert host == socket.gethostname() and pid == str(os.getpid()) and start.partition(":")[2]
    assert not receivers.is_gone(me)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert receivers.is_gone(f"{host}|{child.pid}|{start.partition(':')[0]}:1")
    assert receivers.is_gone(f"{host}|{pid}|{start.partition(':')[0]}:1")  # the pid now runs another process
    assert receivers.is_gone(f"{host}|{pid}|another-boot:{start.partition(':')[2]}")
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])  # exits, and is not waited for yet
    deadline = time.monotonic() + 30
    while not receivers.is_gone(f"{host}|{zombie.pid}|{start}"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    zombie.wait()
    assert not receivers.is_gone(f"other-host|{child.pid}|x:1")  # only time tells (RECEIVING_TIMEOUT)
    assert not receivers.is_gone("not a receiver id")
