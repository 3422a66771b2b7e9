"""A small bounded HTTP/1.1 keep-alive load generator for loopback benchmarks (asyncio, no dependencies).

It sends exactly ``requests`` GETs over ``connections`` persistent connections and records each latency.
"""

from __future__ import annotations

import asyncio
import statistics
import time


async def _worker(
    host: str, port: int, request: bytes, count: int, latencies: list[int], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(count):
            started = time.perf_counter_ns()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            latencies.append(time.perf_counter_ns() - started)
            if not status_line.startswith(b"HTTP/1.1 200"):
                errors.append(1)
    finally:
        writer.close()


def run_load(
    host: str, port: int, path: str, headers: dict[str, str], requests: int, connections: int
) -> dict[str, str]:
    """Run the load and return printable figures (integers of microseconds, no floats)."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{head}\r\n".encode()
    latencies: list[int] = []
    errors: list[int] = []
    per_connection = requests // connections

    async def main() -> None:
        await asyncio.gather(
            *(_worker(host, port, request, per_connection, latencies, errors) for _ in range(connections))
        )

    started = time.perf_counter_ns()
    asyncio.run(main())
    elapsed_ns = time.perf_counter_ns() - started
    latencies.sort()
    done = len(latencies)
    p50 = latencies[done // 2]
    p99 = latencies[min(done - 1, (done * 99) // 100)]
    return {
        "requests": str(done),
        "errors": str(len(errors)),
        "req_per_s": str(done * 1_000_000_000 // elapsed_ns),
        "p50_us": str(p50 // 1000),
        "p99_us": str(p99 // 1000),
        "mean_us": str(int(statistics.mean(latencies)) // 1000),
    }
