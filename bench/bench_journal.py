"""Journal generation benchmark: times N regenerations of the open period's journal on a database built once.

Build the database with ``python bench/bench_e2e.py --lines N --keep DIR`` (SQLite: ``DIR/bench.sqlite3``;
PostgreSQL: ``REVREC_BENCH_DATABASE_URL=postgresql://...``, the database is kept anyway). The end-to-end run
ends with a Period Close, so the open period is the next one (February) with its unposted journal.

Run: python bench/bench_journal.py (--dir DIR | --url URL) [--client NAME] [--repeat N] [--explain
[--explain-empty]]
With neither (``make bench``), it first builds a SQLite database of ``--lines`` (default 100,000) lines with
bench_e2e.py in a temporary directory, removed afterwards.

Each round, in transactions rolled back at their end (the database is left as it was): the whole journalize
(a full generation, what bench_e2e reports as ``journal_regeneration_s``); then, where the code regenerates
incrementally, a generation with nothing changed and one after 1 % of the contracts were stamped changed
(``incremental_*``); then a full generation into the period emptied of its unposted entries first
(``journalize_into_empty_*``: a period's first generation, every entry written, which a regeneration that
writes only what changed cannot spare); then Period Close's first generation with the
posting of the period (``journalize_and_post``; with code older than it, journalize then the posting
UPDATE). Every statement's wall time is summed by its first words (``DELETE``, ``INSERT``, ``UPDATE`` ...),
so the regeneration's DELETE, its ``INSERT ... SELECT`` and the posting are reported apart.
``journalize_peak_rss_growth_mb``: how far the full generation's peak RSS rose above the RSS before it (the
peak is reset first, Linux only; SQLite does its work in this process). ``digest`` is a SHA-256 of the
period's regenerated rows (ids left out): equal digests before and after a change of the statement mean the
same entries. ``--explain`` prints the plan of the ``INSERT ... SELECT``
(SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), run and rolled back).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, text

from revrec.accounting import repository as journal_repo
from revrec.accounting import service as accounting
from revrec.db.session import make_engine
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.tenancy import service as tenancy


def _client_name(conn: Connection, name: str | None) -> str:
    """``name``, else the newest client whose name starts with ``bench`` (bench_e2e's)."""
    if name:
        return name
    found = conn.execute(text("SELECT name FROM client WHERE name LIKE 'bench%' ORDER BY id DESC")).first()
    if found is None:
        raise SystemExit("no bench client in this database: build one with bench_e2e.py --keep DIR")
    return str(found.name)


def _digest(conn: Connection, scope: Any, key: int) -> tuple[str, int]:
    """SHA-256 of the period's unposted system rows in a fixed order, and their count."""
    rows = conn.execute(
        text(
            "SELECT rc_id, acctg_type, acctg_seg, curr, f_cur, r_cur, dr_t, cr_t, dr_f, cr_f, dr_r, cr_r,"
            " origin"
            " FROM journal_entry WHERE client_id = :c AND book_id = :b AND org_id = :o AND period_key = :p"
            " AND posted_flag = :no AND mje_id IS NULL"
            " ORDER BY rc_id, acctg_type, acctg_seg, curr, f_cur, r_cur, origin, dr_t, cr_t"
        ),
        {"c": scope.client_id, "b": scope.book_id, "o": scope.org_id, "p": key, "no": False},
    )
    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(repr(tuple(row)).encode())
        count += 1
    return digest.hexdigest(), count


def _cpu_clock(conn: Connection) -> Callable[[], float | None]:
    """CPU seconds of the work: this process on SQLite, the server's backend process on PostgreSQL (read
    from /proc when the server runs on this machine, else unknown). Steadier than wall time on a shared
    machine."""
    if conn.dialect.name != "postgresql":
        return time.process_time
    with conn.begin():
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    stat = Path(f"/proc/{pid}/stat")
    tick = os.sysconf("SC_CLK_TCK")

    def backend() -> float | None:
        if not stat.exists():
            return None
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    return backend


def _timed(cpu: Callable[[], float | None], work: Callable[[], int]) -> tuple[int, float, float | None]:
    """``work``'s result, wall seconds and CPU seconds."""
    began, cpu_began = time.perf_counter(), cpu()
    result = work()
    cpu_end = cpu()
    used = None if cpu_began is None or cpu_end is None else round(cpu_end - cpu_began, 2)
    return result, round(time.perf_counter() - began, 2), used


class Statements:
    """Wall time per statement kind (its first two words) while ``on``."""

    def __init__(self, engine: Any) -> None:
        self.on = False
        self.cpu: Callable[[], float | None] = time.process_time
        self.seconds: dict[str, float] = defaultdict(float)
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *args: Any) -> None:
        conn.info["bench_began"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.on:
            kind = " ".join(statement.split()[:2]).upper()
            self.seconds[kind] += time.perf_counter() - conn.info["bench_began"]

    def take(self) -> dict[str, float]:
        taken = {k: round(v, 2) for k, v in sorted(self.seconds.items(), key=lambda kv: -kv[1]) if v >= 0.01}
        self.seconds.clear()
        return taken


def _explain(conn: Connection, scope: Any, opened: Any, empty: bool = False) -> str:
    """The plan of the journal's ``INSERT ... SELECT`` (PostgreSQL: executed, in the caller's transaction;
    with ``--explain-empty`` into the period emptied of its unposted entries first)."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        # also ``WITH computed ...``, the statement that writes only the difference (PostgreSQL)
        if "INSERT INTO journal_entry" in statement:
            captured.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", capture)
    try:
        journal_repo.replace_unposted(
            conn, scope, opened.index, opened.key, accounting.book_accounts(conn, scope)
        )
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    if empty:  # the capture ran the generation: the period holds its rows again
        _empty_period(conn, scope, opened)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT set_config('jit', 'off', true)")
        work_mem = getattr(journal_repo, "JOURNAL_WORK_MEM", None)  # the statement's own, where it sets one
        if work_mem:
            conn.exec_driver_sql("SELECT set_config('work_mem', %(v)s, true)", {"v": work_mem})
        if statement.lstrip().startswith("WITH computed"):  # the difference's own (no nested loops)
            for name, value in getattr(journal_repo, "DIFFERENCE_SETTINGS", {}).items():
                conn.exec_driver_sql("SELECT set_config(%(k)s, %(v)s, true)", {"k": name, "v": value})
        prefix = "EXPLAIN (ANALYZE, BUFFERS) "
    else:
        prefix = "EXPLAIN QUERY PLAN "
    rows = conn.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join(" | ".join(str(v) for v in row) for row in rows)


#: the code regenerates incrementally (journalize takes ``full``; before that, every generation was full)
INCREMENTAL = "full" in inspect.signature(accounting.journalize).parameters


def _journalize(conn: Connection, scope: Any, opened: Any) -> int:
    """A full generation, whatever the code would choose (the end-to-end run's Period Close stamped every
    contract anyway)."""
    if INCREMENTAL:
        return int(accounting.journalize(conn, scope, opened, full=True))
    return int(accounting.journalize(conn, scope, opened))


def _incremental(
    conn: Connection, scope: Any, opened: Any, cpu: Callable[[], float | None], digest: str
) -> dict[str, Any]:
    """After the full generation: an incremental one with nothing changed, then one after 1 % of the
    contracts were stamped changed (as a small Data Collection revising them would). Their rows must be the
    full generation's (``incremental_digest_equal``)."""
    _, nothing_s, nothing_cpu = _timed(cpu, lambda: int(accounting.journalize(conn, scope, opened)))
    stamp = text("UPDATE revenue_contract SET updated_at = :now WHERE client_id = :client AND id % 100 = 0")
    stamped = conn.execute(stamp, {"now": dt.datetime.now(dt.UTC), "client": scope.client_id}).rowcount
    _, one_s, one_cpu = _timed(cpu, lambda: int(accounting.journalize(conn, scope, opened)))
    return {
        "incremental_unchanged_s": nothing_s,
        "incremental_unchanged_cpu_s": nothing_cpu,
        "incremental_contracts_stamped": int(stamped),
        "incremental_1pct_s": one_s,
        "incremental_1pct_cpu_s": one_cpu,
        "incremental_digest_equal": _digest(conn, scope, opened.key)[0] == digest,
    }


def _empty_period(conn: Connection, scope: Any, opened: Any) -> None:
    """Delete the open period's unposted entries (in the caller's transaction, rolled back)."""
    conn.execute(
        text(
            "DELETE FROM journal_entry WHERE client_id = :c AND book_id = :b AND org_id = :o"
            " AND period_key = :p AND posted_flag = :no"
        ),
        {"c": scope.client_id, "b": scope.book_id, "o": scope.org_id, "p": opened.key, "no": False},
    )


def _into_empty(conn: Connection, scope: Any, opened: Any, cpu: Callable[[], float | None]) -> dict[str, Any]:
    """A full generation into the period emptied of its unposted entries first, as a period's first
    generation is (the first Data Collection's, the next period's in a Period Close): every entry is
    written, whatever the code does with entries already stored."""
    _empty_period(conn, scope, opened)
    written, seconds, cpu_s = _timed(cpu, lambda: _journalize(conn, scope, opened))
    return {
        "journalize_into_empty_s": seconds,
        "journalize_into_empty_cpu_s": cpu_s,
        "into_empty_digest": _digest(conn, scope, opened.key)[0],
        "into_empty_rows": written,
    }


def _status_mb(field: str) -> int | None:
    """``VmRSS`` or ``VmHWM`` (peak) of this process in MB, from /proc (None elsewhere)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return None


def _reset_peak() -> int | None:
    """Reset this process's peak RSS to its current RSS (Linux: ``5`` to /proc/self/clear_refs), so that
    the peak a step reaches is not hidden by an earlier one (an argon2 hash, an earlier round);
    the RSS now, in MB, or None where that cannot be done."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _status_mb("VmRSS")


def _round(conn: Connection, scope: Any, opened: Any, statements: Statements) -> dict[str, Any]:
    """One regeneration (journalize), then, in a transaction of its own, Period Close's generation with the
    posting (``journalize_and_post``, or journalize then post where the code has no such function); both
    rolled back."""
    cpu = statements.cpu

    def close() -> int:
        if hasattr(accounting, "journalize_and_post"):
            return int(accounting.journalize_and_post(conn, scope, opened))
        accounting.journalize(conn, scope, opened)
        return journal_repo.post_period(conn, scope, opened.key)

    incremental: dict[str, Any] = {}
    with conn.begin() as trans:
        statements.on = True
        rss_before = _reset_peak()
        written, journalize_s, journalize_cpu = _timed(cpu, lambda: _journalize(conn, scope, opened))
        peak = _status_mb("VmHWM")
        peak_growth = None if rss_before is None or peak is None else peak - rss_before
        statements.on = False
        during = statements.take()
        digest, count = _digest(conn, scope, opened.key)
        if INCREMENTAL:
            incremental = _incremental(conn, scope, opened, cpu, digest)
        trans.rollback()
    with conn.begin() as trans:
        empty = _into_empty(conn, scope, opened, cpu)
        trans.rollback()
    with conn.begin() as trans:
        statements.on = True
        posted, close_s, close_cpu = _timed(cpu, close)
        statements.on = False
        closing = statements.take()
        trans.rollback()
    return {
        "journalize_s": journalize_s,
        "journalize_cpu_s": journalize_cpu,
        # how far the full generation's peak RSS rose above the RSS before it (SQLite works in this process)
        "journalize_peak_rss_growth_mb": peak_growth,
        "statements_s": during,
        **incremental,
        **empty,
        "close_generation_and_post_s": close_s,
        "close_generation_and_post_cpu_s": close_cpu,
        "close_statements_s": closing,
        "rows": written,
        "posted": posted,
        "digest": digest,
        "digest_rows": count,
    }


def run(url: str, client: str | None, repeat: int, explain: bool, empty: bool = False) -> dict[str, Any]:
    engine = make_engine(url)
    statements = Statements(engine)
    rounds = []
    with engine.connect() as conn:
        statements.cpu = _cpu_clock(conn)
        with conn.begin():
            name = _client_name(conn, client)
            found = tenancy.require_client(conn, name)
            scope = periods.default_scope(conn, found.id)
            opened = periods.current_open(conn, scope, policies_for(conn, found).calendar)
            assert opened is not None
        for _ in range(repeat):
            rounds.append(_round(conn, scope, opened, statements))
            print(json.dumps(rounds[-1]), file=sys.stderr)
        plan = None
        if explain:
            with conn.begin() as trans:
                plan = _explain(conn, scope, opened, empty)
                trans.rollback()
    engine.dispose()
    return {
        "benchmark": "journal",
        "database": engine.dialect.name,
        "client": name,
        "period": opened.key,
        "rounds": rounds,
        "best_journalize_s": min(r["journalize_s"] for r in rounds) if rounds else None,
        "first_journalize_peak_rss_growth_mb": rounds[0]["journalize_peak_rss_growth_mb"] if rounds else None,
        "best_journalize_into_empty_s": min(r["journalize_into_empty_s"] for r in rounds) if rounds else None,
        "best_incremental_1pct_s": (
            min(r["incremental_1pct_s"] for r in rounds) if rounds and INCREMENTAL else None
        ),
        "best_close_generation_and_post_s": (
            min(r["close_generation_and_post_s"] for r in rounds) if rounds else None
        ),
        **({"plan": plan} if plan is not None else {}),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--dir", help="the directory bench_e2e.py --keep built (SQLite)")
    where.add_argument("--url", help="database URL (default: REVREC_BENCH_DATABASE_URL)")
    parser.add_argument("--client", help="client name (default: the newest bench client)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the INSERT ... SELECT's plan")
    parser.add_argument(
        "--explain-empty",
        action="store_true",
        help="with --explain: the plan of a generation into the period emptied of its unposted entries",
    )
    parser.add_argument(
        "--lines", type=int, default=100_000, help="without --dir or --url: the lines of the database built"
    )
    args = parser.parse_args()
    url = args.url or os.environ.get("REVREC_BENCH_DATABASE_URL")
    if args.dir:
        url = f"sqlite:///{Path(args.dir) / 'bench.sqlite3'}"
    if url:
        result = run(url, args.client, args.repeat, args.explain, args.explain_empty)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            built = Path(tmp) / "db"
            script = Path(__file__).with_name("bench_e2e.py")
            command = [sys.executable, str(script), "--lines", str(args.lines), "--keep", str(built)]
            subprocess.run(command, check=False, stdout=subprocess.DEVNULL)  # it may miss its own target
            result = run(
                f"sqlite:///{built / 'bench.sqlite3'}",
                args.client,
                args.repeat,
                args.explain,
                args.explain_empty,
            )
    plan = result.pop("plan", None)
    print(json.dumps(result, indent=2))
    if plan is not None:
        print(plan)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
