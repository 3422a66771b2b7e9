"""The mixed run of ``bench_auth.py``: connections authenticating (a third with wrong passwords) while a
60,000-line file is uploaded and staged and a Data Collection job runs, on one ``revrec serve`` process
(with its worker thread); the upload and the job are timed alone first, then under the authentication load.

Targets (exit 1 when missed): no response other than 200/401/429 and the upload and job succeed; the upload
and the job take at most 1.5x their time alone; authentications that reach the password check (200 and
401) run at >= 80% of (cores / the time of one argon2 verification measured alone in this process).
The server runs with throttling limits so high that every wrong guess reaches argon2 (the worst case).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_e2e import generate, setup_client  # noqa: E402
from revrec import domains  # noqa: E402
from revrec.auth import passwords  # noqa: E402
from revrec.auth.gate import default_slots  # noqa: E402
from revrec.config import load_settings  # noqa: E402
from revrec.db import migrate  # noqa: E402
from revrec.db.session import make_engine  # noqa: E402

REVREC = str(Path(sys.executable).parent / "revrec")
SECRET = "bench-secret-key-bench-secret-key-bench-secret-key-000000"
PASSWORD = "bench-password"
MAX_SLOWDOWN_X100 = 150
MIN_AUTH_SHARE_PERCENT = 80
AUTH_ALONE_SECONDS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """``revrec serve`` on a free port, once /health answers."""
    port = free_port()
    server = subprocess.Popen([REVREC, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("server exited early")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)  # noqa: S310
            return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("server did not start")


def _call(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
            return response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            raise SystemExit(f"{method} {path}: {error.code} {error.read()[:500]!r}") from None


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def token(port: int, client: str) -> dict[str, str]:
    headers = {"Authorization": _basic("bench", PASSWORD), "role": "API Role", "clientname": client}
    answer, _ = _call(port, "POST", "/api/integration/v1/authenticate", headers)
    return {"token": answer["Revpro-Token"]}


class AuthLoad:
    """Keep-alive connections POSTing /authenticate until stopped (asyncio, in a thread of its own)."""

    def __init__(self, port: int, client: str, connections: int) -> None:
        self.port, self.client, self.connections = port, client, connections
        self.statuses: Counter[int] = Counter()
        self.latencies_ns: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._started = self._elapsed = 0

    def _request(self, wrong: bool) -> bytes:
        password = "wrong-password" if wrong else PASSWORD
        return (
            "POST /api/integration/v1/authenticate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {_basic('bench', password)}\r\nrole: API Role\r\nclientname: {self.client}\r\n"
            "Content-Length: 0\r\n\r\n"
        ).encode()

    async def _connection(self, wrong: bool) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        request = self._request(wrong)
        try:
            while not self._stop.is_set():
                began = time.perf_counter_ns()
                writer.write(request)
                await writer.drain()
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                await reader.readexactly(length)
                self.statuses[status] += 1
                if status in (200, 401):
                    self.latencies_ns.append(time.perf_counter_ns() - began)
        finally:
            writer.close()

    async def _main(self) -> None:
        await asyncio.gather(*(self._connection(i % 3 == 2) for i in range(self.connections)))

    def start(self) -> None:
        self._started = time.perf_counter_ns()
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join(timeout=120)
        elapsed = time.perf_counter_ns() - self._started
        checked = self.statuses[200] + self.statuses[401]
        latencies = sorted(self.latencies_ns) or [0]
        return {
            "connections": self.connections,
            "statuses": dict(sorted(self.statuses.items())),
            "checked_per_s": round(checked * 1e9 / elapsed, 1),
            "p50_ms": round(latencies[len(latencies) // 2] / 1e6, 1),
            "p99_ms": round(latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] / 1e6, 1),
        }


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _poll(port: int, path: str, headers: dict[str, str], done: Any) -> Any:
    """Poll until ``done``; a "not found" for the first seconds is the submit's commit not yet visible."""
    began = time.perf_counter()
    while True:
        try:
            _, body = _call(port, "GET", path, headers)
        except SystemExit as refused:
            if "not found" not in str(refused) or time.perf_counter() - began > 10:
                raise
            body = b"null"
        answer = json.loads(body)
        if answer is not None and done(answer):
            return answer
        time.sleep(0.1)


def upload_and_stage(port: int, headers: dict[str, str], start: int, lines: int) -> tuple[float, str]:
    """Seconds from the upload request until the file is staged, and its file log."""
    body, content_type = _multipart(f"mixed-{start}.csv", generate(start, lines))
    began = time.perf_counter()
    upload_headers = {**headers, "templatename": "Standard Transaction", "Content-Type": content_type}
    _, answer = _call(port, "POST", "/api/integration/v1/upload/file", upload_headers, body)
    path = f"/api/integration/v1/fileupload/status/{json.loads(answer)['file_request_id']}"
    status = _poll(
        port, path, headers, lambda a: any(s in a["Result"][0]["file_log"] for s in ("Staged", "Failed"))
    )
    return time.perf_counter() - began, str(status["Result"][0]["file_log"])


def collection_job(port: int, headers: dict[str, str]) -> tuple[float, str]:
    """Seconds from submitting a Data Collection job until it ends, and its final status."""
    began = time.perf_counter()
    body = json.dumps({"rc_template_name": "Bench", "org_id": 0}).encode()
    submit_headers = {**headers, "Content-Type": "application/json"}
    _, answer = _call(port, "POST", "/api/integration/v1/job/collection/template", submit_headers, body)
    path = f"/api/integration/v1/job/collection/template/{json.loads(answer)['job_id']}"
    status = _poll(port, path, headers, lambda a: a["data"]["status"] not in ("Pending", "Running"))
    return time.perf_counter() - began, str(status["data"]["status"])


def argon2_seconds() -> float:
    """The median time of one argon2 verification (wrong password), alone in this process."""
    stored = passwords.hash_password(PASSWORD)
    times = []
    for _ in range(9):
        began = time.perf_counter()
        passwords.verify_password(stored, "wrong-password")
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _work(port: int, headers: dict[str, str], start: int, lines: int) -> dict[str, Any]:
    upload_s, file_log = upload_and_stage(port, headers, start, lines)
    job_s, job_status = collection_job(port, headers)
    return {"upload_s": round(upload_s, 2), "upload": file_log, "job_s": round(job_s, 2), "job": job_status}


def _server_env(url: str, tmp: str) -> dict[str, str]:
    return {
        **os.environ,
        "REVREC_DATA_DIR": tmp,
        "REVREC_DATABASE_URL": url,
        "REVREC_SECRET_KEY": SECRET,
        "REVREC_LOG_LEVEL": "WARNING",
        "REVREC_AUTH_MAX_FAILURES": "1000000000",
        "REVREC_AUTH_MAX_ADDRESS_FAILURES": "1000000000",
    }


def _measure(url: str, tmp: str, lines: int, connections: int) -> dict[str, Any]:
    domains.install(load_settings(database_url=url, secret_key=SECRET, data_dir=Path(tmp)))  # setup sections
    engine = make_engine(url)
    migrate.upgrade(engine)
    client = f"mixed{os.getpid()}x{time.time_ns() % 1_000_000}"
    setup_client(engine, client)
    engine.dispose()
    server, port = start_server(_server_env(url, tmp))
    try:
        headers = token(port, client)
        auth_alone = AuthLoad(port, client, connections)
        auth_alone.start()
        time.sleep(AUTH_ALONE_SECONDS)
        auth_only = auth_alone.stop()
        alone = _work(port, headers, 0, lines)
        load = AuthLoad(port, client, connections)
        load.start()
        try:
            mixed = _work(port, headers, lines, lines)
        finally:
            auth = load.stop()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"alone": alone, "with_auth_load": mixed, "authenticate": auth, "authenticate_alone": auth_only}


def run_mixed(url: str | None, tmp: str, lines: int, connections: int) -> tuple[dict[str, Any], bool]:
    """The mixed run's figures and whether every target is met."""
    verify_s = argon2_seconds()
    database_url = url or f"sqlite:///{tmp}/mixed.sqlite3"
    figures = _measure(database_url, tmp, lines, connections)
    alone, mixed, auth = figures["alone"], figures["with_auth_load"], figures["authenticate"]
    ceiling = default_slots() / verify_s
    upload_x = mixed["upload_s"] / alone["upload_s"]
    job_x = mixed["job_s"] / alone["job_s"]
    errors = sum(n for status, n in auth["statuses"].items() if status not in (200, 401, 429))
    succeeded = all("Staged" in w["upload"] and w["job"] in ("Completed", "Warning") for w in (alone, mixed))
    met = {
        "no_errors": errors == 0 and succeeded,
        "upload_at_most_1.5x": upload_x * 100 <= MAX_SLOWDOWN_X100,
        "job_at_most_1.5x": job_x * 100 <= MAX_SLOWDOWN_X100,
        "auth_at_least_80pct": auth["checked_per_s"] * 100 >= MIN_AUTH_SHARE_PERCENT * ceiling,
    }
    result = {
        "lines": lines,
        **figures,
        "argon2_verify_ms": round(verify_s * 1000, 1),
        "cores": default_slots(),
        "auth_ceiling_per_s": round(ceiling, 1),
        "auth_share_of_ceiling_pct": round(auth["checked_per_s"] * 100 / ceiling, 1),
        "auth_alone_share_of_ceiling_pct": round(
            figures["authenticate_alone"]["checked_per_s"] * 100 / ceiling, 1
        ),
        "upload_slowdown": round(upload_x, 2),
        "job_slowdown": round(job_x, 2),
        "targets_met": met,
        "loadavg": Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else [],
    }
    return result, all(met.values())
