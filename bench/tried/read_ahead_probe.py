"""bench_e2e.py with the time a collection job waited for its chunks' staging rows, for the read-ahead
experiment of session 23 (docs/performance.md, "Where a PostgreSQL run's time goes"); not kept in revrec.

Needs a tree with ``read_ahead.patch`` applied (see README.md here). Prints bench_e2e.py's JSON, then
``READ_AHEAD {"take_s": ..., "takes": ..., "read_s": ..., "used": ...}``: the seconds the job spent taking its
chunks (waiting for a read ahead, or reading inline), how many chunks it took, the seconds the thread spent
reading ahead, and how many chunks of the last job came from a read ahead.

Run: REVREC_COLLECTION_READ_AHEAD=1|0 REVREC_BENCH_DATABASE_URL=postgresql://... PYTHONPATH=<patched tree>/src
python bench/tried/read_ahead_probe.py [bench_e2e.py's options]; ``PROBE_SWITCH_INTERVAL`` (seconds) sets
``sys.setswitchinterval`` first.
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import sys
import time
from pathlib import Path
from typing import Any

from revrec.contracts import read_ahead  # type: ignore[attr-defined]  # only in the patched tree

STATS: dict[str, Any] = {"take_s": 0.0, "takes": 0, "read_s": 0.0, "used": 0}


def _wrap() -> None:
    take, read = read_ahead.ReadAhead.take, read_ahead.ReadAhead._read

    def timed_take(self: Any, conn: Any, after: int) -> Any:
        began = time.perf_counter()
        try:
            return take(self, conn, after)
        finally:
            STATS["take_s"] += time.perf_counter() - began
            STATS["takes"] += 1
            STATS["used"] = self.used

    def timed_read(self: Any, after: int, skip: Any) -> Any:
        began = time.perf_counter()
        try:
            return read(self, after, skip)
        finally:
            STATS["read_s"] += time.perf_counter() - began

    read_ahead.ReadAhead.take = timed_take
    read_ahead.ReadAhead._read = timed_read


def main() -> None:
    if interval := os.environ.get("PROBE_SWITCH_INTERVAL"):
        sys.setswitchinterval(float(interval))
    _wrap()
    atexit.register(lambda: print("READ_AHEAD " + json.dumps({k: round(v, 3) for k, v in STATS.items()})))
    bench = Path(__file__).resolve().parent.parent / "bench_e2e.py"
    sys.argv = [str(bench), *sys.argv[1:]]
    runpy.run_path(str(bench), run_name="__main__")


if __name__ == "__main__":
    main()
