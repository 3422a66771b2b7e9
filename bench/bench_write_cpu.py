"""bench_e2e.py with the CPU time of Data Collection's write path: the process CPU seconds
(``time.process_time``) spent in ``service._write`` and in ``persist.insert_new``, ``update_many`` and
``flush``, summed over both collections and printed after the benchmark's JSON as ``WRITE_CPU {...}``.

Only these four per-chunk calls are wrapped (a few dozen calls a run), so the benchmark's own figures are
those of ``bench_e2e.py``. Run: python bench/bench_write_cpu.py [bench_e2e.py's options].
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import bench_e2e  # noqa: E402
from revrec.contracts import persist, service  # noqa: E402

TOTALS: dict[str, float] = {}


def _timed(module: Any, name: str) -> None:
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            TOTALS[name] = TOTALS.get(name, 0.0) + time.process_time() - start

    setattr(module, name, wrapper)


def main() -> int:
    _timed(service, "_write")  # looked up by name at each call, as are persist's functions
    for name in ("insert_new", "update_many", "flush"):
        _timed(persist, name)
    try:
        return bench_e2e.main()
    finally:
        print("WRITE_CPU", json.dumps({k: round(v, 2) for k, v in TOTALS.items()}))


if __name__ == "__main__":
    raise SystemExit(main())
