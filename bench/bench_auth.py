"""Benchmark: authenticated request throughput and latency of GET /api/integration/v1/revenue-orgs against
GET /health (the floor: same server, no authentication), over loopback with a keep-alive load generator;
then the mixed run (``auth_mixed``): 16 connections authenticating while a 60,000-line upload and a Data
Collection job run, with its targets (exit 1 when one is missed).

Run: python bench/bench_auth.py [--requests N] [--connections C] [--mixed-lines N] [--auth-connections C]
     [--only-mixed]
Uses a throw-away SQLite database, or REVREC_BENCH_DATABASE_URL (e.g. PostgreSQL) when set.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from auth_mixed import SECRET, run_mixed, start_server  # noqa: E402
from loadgen import run_load  # noqa: E402


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


def token_overhead(tmp: str, requests: int, connections: int) -> tuple[dict[str, Any], bool]:
    """GET /revenue-orgs with a token against GET /health on the same server."""
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
        env.setdefault("REVREC_SECRET_KEY", SECRET)
    server, port = start_server(env)
    try:
        token = _token(port)
        run_load("127.0.0.1", port, "/health", {}, 200, 4)  # warm-up
        floor = run_load("127.0.0.1", port, "/health", {}, requests, connections)
        path = "/api/integration/v1/revenue-orgs"
        authed = run_load("127.0.0.1", port, path, {"token": token}, requests, connections)
    finally:
        server.terminate()
        server.wait(timeout=10)
    ratio_x100 = int(floor["req_per_s"]) * 100 // max(1, int(authed["req_per_s"]))
    figures = {
        "connections": connections,
        "floor_GET_health": floor,
        "GET_revenue_orgs": authed,
        "throughput_ratio_floor_over_authed": f"{ratio_x100 // 100}.{ratio_x100 % 100:02d}",
    }
    return figures, authed["errors"] == "0" and floor["errors"] == "0"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--mixed-lines", type=int, default=60000)
    parser.add_argument("--auth-connections", type=int, default=16)
    parser.add_argument("--only-mixed", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("REVREC_BENCH_DATABASE_URL")
    result: dict[str, Any] = {"benchmark": "auth", "database": "postgresql" if url else "sqlite"}
    ok = True
    if not args.only_mixed:
        with tempfile.TemporaryDirectory() as tmp:
            result["token_overhead"], ok = token_overhead(tmp, args.requests, args.connections)
    with tempfile.TemporaryDirectory() as tmp:
        result["mixed"], mixed_ok = run_mixed(url, tmp, args.mixed_lines, args.auth_connections)
    print(json.dumps(result, indent=2))
    return 0 if ok and mixed_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
