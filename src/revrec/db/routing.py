"""The client of rows found by id or by a parent id, as a term that routes the statement (Citus) and never
chooses the index.

Every statement on a client's tables names the client of each table, so that Citus sends it to the one shard
holding the client (docs/scaling.md "Which queries stay single-shard"). When the rows are found by id or by a
parent id (a contract's lines, an upload's staging rows, a batch of row ids), the id's index is the one to
use, and the client is only a check. PostgreSQL (and Citus) get the plain column: statistics make the id's
index the choice, and Citus needs the column itself. SQLite plans without statistics and takes an index
that starts with the client (``client_id = ?``) over the id's index, reading every row of the client for
each id or parent; there the term is written ``+column``, SQLite's way to keep a term out of the index choice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, and_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from revrec.db.tables import revenue_contract


class _ClientTerm(FunctionElement[int]):
    type = Integer()
    inherit_cache = True
    name = "client_term"


@compiles(_ClientTerm, "postgresql")
def _client_term_pg(element: _ClientTerm, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return str(compiler.process(column, **kw))


@compiles(_ClientTerm)
def _client_term_default(element: _ClientTerm, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return "+" + str(compiler.process(column, **kw))


def same_client(client_column: Any, client: Any) -> ColumnElement[bool]:
    """``client_column`` (the ``client_id`` of rows found by id or parent id) equals ``client`` (a value or
    the outer row's ``client_id``), as a routing term that leaves the index choice to the ids."""
    term: ColumnElement[bool] = _ClientTerm(client_column) == client
    return term


def same_client_sql(column: str, sqlite: bool) -> str:
    """:func:`same_client`'s term in hand-written SQL: ``column`` as is, ``+column`` on SQLite."""
    return f"+{column}" if sqlite else column


def of_contract(row: Any) -> ColumnElement[bool]:
    """The join of ``row`` (the columns of a table or subquery with ``client_id`` and ``rc_id``) to its
    contract, on the client too: co-located on Citus, the statement stays on one shard."""
    rc = revenue_contract.c
    return and_(same_client(rc.client_id, row.client_id), rc.id == row.rc_id)
