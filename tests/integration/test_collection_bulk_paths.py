"""Collection's set-based write and read paths give what the plain statements give, on both databases:

* contracts inserted in bulk with ids reserved first (``COPY`` with ids drawn from the sequence on
  PostgreSQL, an executemany after the largest id on SQLite) are stored exactly as by ``INSERT ...
  RETURNING`` (times in the same form), their ids map to their keys, ascend in row order, and later plain
  inserts still get fresh ids;
* ``id_lists.among`` over ``id_lists.batches`` (``= ANY(array)`` on PostgreSQL, ``IN`` lists of at most
  900 on SQLite) selects the same rows as ``IN``;
* ``column_statistics.refresh_columns`` analyses only the columns named and leaves the table's changed-rows
  count, so ``statistics.refresh_stale`` still analyses it in full.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Text, cast, insert, select, text
from sqlalchemy.exc import StatementError

from revrec.contracts import repository as repo
from revrec.db import column_statistics, statistics
from revrec.db.id_lists import SQLITE_BATCH, among, batches
from revrec.db.session import transaction
from revrec.db.tables import book, client, revenue_contract
from support import make_tenant, unique

ROWS = 2 * SQLITE_BATCH + 7  # several batches of ids on SQLite


def _scope(engine: Engine) -> tuple[int, int]:
    tenant = make_tenant(engine)
    with engine.connect() as conn:
        return _ids(conn, tenant.client)


def _ids(conn: Connection, name: str) -> tuple[int, int]:
    client_id = conn.execute(select(client.c.id).where(client.c.name == name)).scalar_one()
    book_id = conn.execute(select(book.c.id).where(book.c.client_id == client_id).limit(1)).scalar_one()
    return client_id, book_id


def _heads(client_id: int, book_id: int, prefix: str, count: int) -> list[dict[str, Any]]:
    stamp = dt.datetime(2026, 1, 15, 10, 30, tzinfo=dt.UTC)
    return [
        {
            "client_id": client_id,
            "book_id": book_id,
            "org_id": 0,
            "rc_key": f"{prefix}-{i}",
            "version": 1,
            "crtd_prd_id": 202601,
            "created_at": stamp,
            "crtd_by": None if i % 3 else "bench",
            "template": "Bench",
            "currency": ("USD", "EUR", "JPY")[i % 3],
            "transaction_price": Decimal(f"{i * 37 % 100000}.{i % 100:02d}") * (-1 if i % 7 == 0 else 1),
            "alloc_method": "Relative",
            "error_code": "RC-1" if i % 11 == 0 else None,
            "error_message": "a message, with 'quotes'\tand a tab" if i % 11 == 0 else None,
            "updt_prd_id": 202601,
            "updated_at": stamp,
        }
        for i in range(count)
    ]


def _stored(conn: Connection, ids: dict[str, int], prefix: str) -> list[tuple[Any, ...]]:
    """The stored rows of ``ids`` (all columns but id, key without ``prefix``, and the times' stored text),
    in key order; checks each row's id is the one returned for its key."""
    found = []
    for chunk in batches(conn, ids.values()):
        c = revenue_contract.c
        stored_times = (
            cast(c.created_at, Text).label("created_text"),
            cast(c.updated_at, Text).label("updated_text"),
        )
        query = select(revenue_contract, *stored_times).where(among(conn, c.id, chunk))
        for row in conn.execute(query):  # the times as stored too (their text on SQLite)
            assert ids[row.rc_key] == row.id
            values = row._asdict()
            del values["id"]
            values["rc_key"] = values["rc_key"].removeprefix(prefix)
            found.append(tuple(values.items()))
    assert len(found) == len(ids)
    return sorted(found, key=lambda v: int(dict(v)["rc_key"].lstrip("-")))


def test_contracts_by_copy_equal_the_insert_path(engine: Engine) -> None:
    client_id, book_id = _scope(engine)
    with transaction(engine) as conn:
        first, second = unique("CPY"), unique("INS")
        rows_a, rows_b = _heads(client_id, book_id, first, ROWS), _heads(client_id, book_id, second, ROWS)
        ids_a = repo.insert_contracts(conn, rows_a)  # ids reserved, then COPY / executemany
        ids_b = repo.insert_contracts_returning(conn, rows_b)
        ids_c = repo.insert_contracts(conn, _heads(client_id, book_id, unique("CPY"), 3))
        assert len(set(ids_c.values())) == 3 and min(ids_c.values()) > max(ids_b.values())
        for ids, rows in ((ids_a, rows_a), (ids_b, rows_b)):
            assert list(ids) == [r["rc_key"] for r in rows]
            assert list(ids.values()) == sorted(set(ids.values()))  # distinct, ascending in row order
        assert set(ids_a.values()).isdisjoint(ids_b.values())
        assert _stored(conn, ids_a, first) == _stored(conn, ids_b, second)
        later = {**rows_a[0], "rc_key": unique("LATER")}
        fresh = conn.execute(insert(revenue_contract).values(later).returning(revenue_contract.c.id))
        assert fresh.scalar_one() > max(ids_a.values())


def test_among_selects_what_in_selects(engine: Engine) -> None:
    client_id, book_id = _scope(engine)
    with transaction(engine) as conn:
        prefix = unique("AMG")
        ids = repo.insert_contracts(conn, _heads(client_id, book_id, prefix, ROWS))
        wanted = [i for n, i in enumerate(ids.values()) if n % 3 != 1]
        wanted_keys = [k for n, k in enumerate(ids) if n % 3 != 1]
        assert list(batches(conn, [])) == []
        chunks = list(batches(conn, [*wanted, *wanted[:10]]))  # duplicates go
        assert [i for chunk in chunks for i in chunk] == sorted(wanted)
        assert len(chunks) == (1 if conn.dialect.name == "postgresql" else 2)
        c = revenue_contract.c
        by_among = {
            k
            for chunk in chunks
            for k in conn.execute(select(c.rc_key).where(among(conn, c.id, chunk))).scalars()
        }
        by_in = set(conn.execute(select(c.rc_key).where(c.id.in_(wanted))).scalars())
        assert by_among == by_in == set(wanted_keys)
        keys = list(batches(conn, wanted_keys))
        found = {
            int(i)
            for chunk in keys
            for i in conn.execute(
                select(c.id).where(c.client_id == client_id, among(conn, c.rc_key, chunk))
            ).scalars()
        }
        assert found == set(wanted)


def test_column_statistics_only_the_columns_named(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            column_statistics.refresh_columns(conn, {"rc_bill": ("rc_id",)}, 30)  # a no-op
        return
    table = unique("colstat_probe").lower().replace("-", "_")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {table} (id integer, key text, other text)")
        conn.commit()
        try:
            conn.exec_driver_sql(
                f"INSERT INTO {table} SELECT g, 'k' || g, 'o' FROM generate_series(1, 1000) g"  # noqa: S608
            )
            conn.exec_driver_sql(f"ANALYZE {table}")
            conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
            conn.commit()
            conn.exec_driver_sql(
                f"INSERT INTO {table} SELECT g, 'k' || g, 'n' FROM generate_series(1001, 3000) g"  # noqa: S608
            )
            conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
            conn.commit()
            target = conn.execute(text("SELECT current_setting('default_statistics_target')")).scalar_one()
            column_statistics.refresh_columns(conn, {table: ("id", "key")}, 30)
            assert (
                conn.execute(text("SELECT current_setting('default_statistics_target')")).scalar_one()
                == target
            )
            reltuples = conn.execute(
                text(f"SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass")  # noqa: S608
            ).scalar_one()
            assert reltuples == 3000  # the row count is refreshed
            stats = dict(
                conn.execute(
                    text("SELECT attname, n_distinct FROM pg_stats WHERE tablename = :t"), {"t": table}
                ).all()
            )
            assert stats["id"] == -1 and stats["key"] == -1  # analysed after the load: all distinct
            assert stats["other"] == 1  # from the full analysis before it: not analysed again
            conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
            conn.commit()
            assert statistics.refresh_stale(conn, (table,)) == (table,)  # the full analysis still runs
            conn.commit()
        finally:
            conn.rollback()
            conn.exec_driver_sql(f"DROP TABLE {table}")
            conn.commit()


def test_update_by_id_writes_each_row_its_values(engine: Engine) -> None:
    """One ``UPDATE ... FROM unnest`` on PostgreSQL, an executemany on SQLite: each row gets its own new
    values (amounts, NULLs, text), the rows not named keep theirs, too many decimals are refused."""
    client_id, book_id = _scope(engine)
    prefix = unique("UPD")
    with transaction(engine) as conn:
        ids = repo.insert_contracts(conn, _heads(client_id, book_id, prefix, 50))
        changed = {
            rc_id: {
                "version": 2 + n,
                "transaction_price": Decimal(f"-{n}.000001") if n % 2 else Decimal(n * 1000),
                "error_code": None if n % 3 else f"E{n}",
                "currency": "GBP",
            }
            for n, rc_id in enumerate(list(ids.values())[::2])
        }
        repo.update_contracts(conn, list(changed.items()))
        c = revenue_contract.c
        query = select(c.id, c.version, c.transaction_price, c.error_code, c.currency)
        for row in conn.execute(query.where(c.client_id == client_id, c.rc_key.like(f"{prefix}-%"))):
            if row.id in changed:
                assert tuple(row[1:]) == tuple(changed[row.id].values())
            else:
                assert (row.version, row.currency != "GBP") == (1, True)
    wrong = [(next(iter(ids.values())), {"transaction_price": Decimal("1.0000001")})]
    with (
        pytest.raises((ValueError, StatementError), match="more than 6 decimals"),
        transaction(engine) as conn,
    ):
        repo.update_contracts(conn, wrong)
