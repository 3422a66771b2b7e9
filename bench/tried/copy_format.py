"""COPY of contract lines in text and in binary format (session 23, docs/performance.md "Where a PostgreSQL
run's time goes"); binary was not kept.

Reads 100,000 ``rc_line`` rows of a database ``bench/bench_e2e.py`` built, then, ``--rounds`` times
alternately, ``COPY``-es them into a fresh copy of the table with its indexes (``LIKE rc_line INCLUDING
DEFAULTS INCLUDING INDEXES``) in text and in binary format, printing the wall time and this process's CPU.

Run: python bench/tried/copy_format.py postgresql://postgres@127.0.0.1:5432/bench [--rounds 5]
"""

from __future__ import annotations

import argparse
import time

import psycopg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    conn = psycopg.connect(args.url)
    found = conn.execute(
        "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = 'rc_line'::regclass AND attnum > 0"
        " AND NOT attisdropped AND attname <> 'id' ORDER BY attnum"
    ).fetchall()
    names, types = [n for n, _ in found], [t for _, t in found]
    rows = conn.execute(f"SELECT {', '.join(names)} FROM rc_line ORDER BY id LIMIT 100000").fetchall()  # noqa: S608
    for _ in range(args.rounds):
        for binary in (False, True):
            conn.execute("DROP TABLE IF EXISTS rc_line_copy_format")
            conn.execute(
                "CREATE TABLE rc_line_copy_format (LIKE rc_line INCLUDING DEFAULTS INCLUDING INDEXES)"
            )
            conn.commit()
            cpu, began = time.process_time(), time.perf_counter()
            statement = f"COPY rc_line_copy_format ({', '.join(names)}) FROM STDIN"
            with (
                conn.cursor() as cursor,
                cursor.copy(statement + (" (FORMAT BINARY)" if binary else "")) as copy,
            ):
                if binary:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            wall, used = time.perf_counter() - began, time.process_time() - cpu
            print(
                f"{'binary' if binary else 'text'}: {len(rows)} rows, {wall:.3f} s, client CPU {used:.3f} s"
            )
    conn.execute("DROP TABLE IF EXISTS rc_line_copy_format")
    conn.commit()


if __name__ == "__main__":
    main()
