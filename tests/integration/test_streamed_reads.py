"""Streamed reads (``yield_per``: a server-side cursor on PostgreSQL) stream one statement, not the
connection: in SQLAlchemy 2 ``Connection.execution_options`` changes the connection itself, so every
later statement of the transaction would be streamed too, and on PostgreSQL a write after the read would
be sent as a cursor declaration (``DECLARE ... CURSOR FOR INSERT``: a syntax error)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, literal, select, update

from revrec.biviews import repository as biviews
from revrec.biviews.catalog import standard_registry
from revrec.biviews.views import ViewQuery
from revrec.contracts import repository as contracts
from revrec.contracts import warnings
from revrec.db.tables import client
from revrec.reports import standard


def test_a_write_follows_each_streamed_read_in_one_transaction(engine: Engine) -> None:
    reads = {
        "warnings": lambda conn: list(warnings.rows(conn, 0)),
        "report": lambda conn: list(standard.stream(conn, select(literal(1).label("one")))),
        "bi view": lambda conn: list(biviews.stream(conn, standard_registry().get("BI3_ORG"), ViewQuery(0))),
        "plan links": lambda conn: list(contracts.plan_links(conn, 0, dt.date(2026, 1, 1))),
        "plan keys": lambda conn: list(contracts.plan_contract_keys(conn, 0, dt.date(2026, 1, 1))),
    }
    for name, read in reads.items():
        with engine.connect() as conn, conn.begin() as tx:
            assert read(conn) in ([], [(1,)]), name
            assert "yield_per" not in conn.get_execution_options(), name
            assert conn.execute(update(client).where(client.c.id == 0).values(name=name)).rowcount == 0
            tx.rollback()
