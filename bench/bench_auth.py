"""Benchmark: authenticated request throughput and latency of GET /api/integration/v1/revenue-orgs against
GET /health (the floor: same server, no authentication), over loopback with a keep-alive load generator.

Run: python bench/bench_auth.py [--requests N] [--connections C]
Uses a throw-away SQLite database, or REVREC_BENCH_DATABASE_URL (e.g. PostgreSQL) when set.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import run_load  # noqa: E402

REVREC = str(Path(sys.executable).parent / "revrec")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("server exited early")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def _token(port: int) -> str:
    request = urllib.request.Request(  # noqa: S310
        f"http://127.0.0.1:{port}/api/integration/v1/authenticate",
        method="POST",
        headers={
            "Authorization": "Basic " + base64.b64encode(b"bench:bench-password").decode(),
            "role": "API Role",
            "clientname": "Bench",
        },
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return str(response.headers["Revpro-Token"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "REVREC_DATA_DIR": tmp,
            "REVREC_LOG_LEVEL": "WARNING",
            "REVREC_BOOTSTRAP_CLIENT": "Bench",
            "REVREC_BOOTSTRAP_USER": "bench",
            "REVREC_BOOTSTRAP_PASSWORD": "bench-password",
        }
        if os.environ.get("REVREC_BENCH_DATABASE_URL"):
            env["REVREC_DATABASE_URL"] = os.environ["REVREC_BENCH_DATABASE_URL"]
            env.setdefault("REVREC_SECRET_KEY", "bench-secret-key-bench-secret-key-bench-secret-key-000000")
        server = subprocess.Popen([REVREC, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
        try:
            _wait(port, server)
            token = _token(port)
            database = "postgresql" if env.get("REVREC_DATABASE_URL", "").startswith("postgres") else "sqlite"
            run_load("127.0.0.1", port, "/health", {}, 200, 4)  # warm-up
            floor = run_load("127.0.0.1", port, "/health", {}, args.requests, args.connections)
            authed = run_load(
                "127.0.0.1",
                port,
                "/api/integration/v1/revenue-orgs",
                {"token": token},
                args.requests,
                args.connections,
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    ratio_x100 = int(floor["req_per_s"]) * 100 // max(1, int(authed["req_per_s"]))
    print(
        json.dumps(
            {
                "benchmark": "auth",
                "database": database,
                "connections": args.connections,
                "floor_GET_health": floor,
                "GET_revenue_orgs": authed,
                "throughput_ratio_floor_over_authed": f"{ratio_x100 // 100}.{ratio_x100 % 100:02d}",
            },
            indent=2,
        )
    )
    return 0 if authed["errors"] == "0" and floor["errors"] == "0" else 1


if __name__ == "__main__":
    raise SystemExit(main())
