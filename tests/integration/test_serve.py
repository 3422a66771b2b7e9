"""``revrec serve`` as a process: migrates an empty database, bootstraps, serves HTTP and TLS."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest

from support import basic

REVREC = str(Path(sys.executable).parent / "revrec")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[tuple[int, Path]]:
    port = _free_port()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "REVREC_DATA_DIR": str(tmp_path / "var"),
        "REVREC_BOOTSTRAP_CLIENT": "Default",
        "REVREC_BOOTSTRAP_USER": "demo",
        "REVREC_BOOTSTRAP_PASSWORD": "demo-password",
        **(env or {}),
    }
    log = tmp_path / f"serve-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [REVREC, "serve", "--port", str(port), *extra],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None:
                raise AssertionError(log.read_text())
            time.sleep(0.1)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=10)


def _authenticate(base: str, **kwargs: object) -> httpx.Response:
    headers = {"Authorization": basic("demo", "demo-password"), "role": "API Role", "clientname": "Default"}
    return httpx.post(f"{base}/api/integration/v1/authenticate", headers=headers, **kwargs)  # type: ignore[arg-type]


def test_serve_migrates_bootstraps_and_tokens_survive_restart(tmp_path: Path) -> None:
    with serving(tmp_path) as (port, _):
        response = _authenticate(f"http://127.0.0.1:{port}")
        assert response.status_code == 200
        token = response.headers["Revpro-Token"]
    assert (tmp_path / "var" / "revrec.sqlite3").exists()
    with serving(tmp_path) as (port, log):
        orgs = httpx.get(f"http://127.0.0.1:{port}/api/integration/v1/revenue-orgs", headers={"token": token})
        assert orgs.status_code == 200
        assert orgs.json() == {"data": [{"org_id": 1, "org_name": "DEFAULT"}]}
    output = log.read_text()
    assert "authenticate with" in output
    assert "demo-password" not in output
    assert token not in output


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make a self-signed pair")
def test_serve_tls_with_self_signed_pair(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    with serving(tmp_path, "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)) as (port, _):
        response = _authenticate(
            f"https://127.0.0.1:{port}", verify=ssl.create_default_context(cafile=str(cert))
        )
        assert response.status_code == 200
        assert "Revpro-Token" in response.headers
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)


def test_serve_on_a_port_in_use_says_so_in_one_line_and_exits_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environment = {"PATH": os.environ.get("PATH", ""), "REVREC_DATA_DIR": str(tmp_path / "var")}
        for extra in ((), ("--check-port",)):
            done = subprocess.run(
                [REVREC, "serve", "--port", str(port), *extra],
                env=environment,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 1
            assert done.stdout == ""  # no banner
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0], done.stderr
            assert "--port" in lines[0]
    assert not (tmp_path / "var" / "revrec.sqlite3").exists()  # nothing started
