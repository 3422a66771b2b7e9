"""The journal statement runs with PostgreSQL's JIT off (its compilation cost seconds per generation,
docs/performance.md) and its own ``work_mem``, and the transaction's own settings are restored after it."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import Engine

from revrec.accounting import repository as repo


def test_journal_statement_leaves_the_jit_setting_as_it_found_it(engine: Engine) -> None:
    scope = SimpleNamespace(client_id=-1, book_id=-1, org_id=0)  # no such client: no rows
    with engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("SET LOCAL jit = on")
        assert repo.compute_entries(conn, scope, 1, 202601, ("U", "C")) == []
        if postgres:
            assert conn.exec_driver_sql("SELECT current_setting('jit')").scalar() == "on"
            with repo._statement_settings(conn):
                assert conn.exec_driver_sql("SELECT current_setting('jit')").scalar() == "off"
                work_mem = conn.exec_driver_sql("SELECT current_setting('work_mem')").scalar()
                assert work_mem == repo.JOURNAL_WORK_MEM
            assert conn.exec_driver_sql("SELECT current_setting('jit')").scalar() == "on"
