"""Engine benchmark: ``python bench/bench_engine.py [--lines N]`` (default 1,000,000 lines).

Generates the data of ``bench/engine_data.py`` (not timed), then times, on one core, the engine end to end:
allocation (collection: grouping; POB assignment, SSP derivation and allocation) and schedules (releases,
ratable methods, cumulative rounding in three currencies).  Contracts are scheduled one at a time and their
schedules dropped after a checksum, as a service streaming them to the database would.  Prints lines/s for
each phase and end to end, and the peak resident memory; exits 1 when end to end is below 50,000 lines/s.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "src"))

from engine_data import generate, policies  # noqa: E402
from revrec.engine.contracts import allocate_contract, collect, schedule_contract  # noqa: E402

TARGET = 50_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--no-gc-freeze", action="store_true", help="leave the input lines to the cyclic GC")
    arguments = parser.parse_args(argv)
    rules = policies()
    started = time.perf_counter()
    lines = list(generate(arguments.lines))
    if not arguments.no_gc_freeze:
        # the loaded batch is long-lived: keep the cyclic GC from re-scanning it (as a worker would)
        gc.freeze()
    generated = time.perf_counter()
    collection = collect(lines, rules)
    allocation_time = time.perf_counter() - generated
    schedule_time = 0.0
    periods = problems = checksum = 0
    clock = time.perf_counter
    for group in collection.groups:  # stream: one contract in memory at a time, as a service would
        begin = clock()
        contract = allocate_contract(group, rules)
        middle = clock()
        revenue = schedule_contract(contract, rules, collection.activity)
        schedule_time += clock() - middle
        allocation_time += middle - begin
        problems += len(revenue.errors)
        for schedule in revenue.schedules:
            periods += len(schedule.periods)
            checksum += schedule.running_allocated[2][-1] if schedule.periods else 0
    finished = time.perf_counter()
    count = len(lines)
    end_to_end = count / (finished - generated)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"lines: {count:,}  contracts: {len(collection.groups):,}  schedule periods: {periods:,}  "
        f"errors: {problems + len(collection.errors)}  reporting checksum: {checksum:,}"
    )
    print(f"data generation: {generated - started:.1f} s (not counted)")
    print(f"allocation: {count / allocation_time:,.0f} lines/s ({allocation_time:.1f} s)")
    print(f"schedules:  {count / schedule_time:,.0f} lines/s ({schedule_time:.1f} s)")
    print(f"end to end: {end_to_end:,.0f} lines/s ({finished - generated:.1f} s)")
    print(f"peak memory (RSS): {peak_mib:,.0f} MiB")
    if end_to_end < TARGET:
        print(f"FAIL: below the target of {TARGET:,} lines/s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
