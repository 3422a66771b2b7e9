"""Every statement revrec runs on a distributed table names one client, so Citus routes it to one shard
(docs/scaling.md "Which queries stay single-shard").

The SQL executed during a small Data Collection (staging, contracts, schedules, bills, the journal) and
a read of every BI view is captured with a SQLAlchemy event listener. Each distributed table a statement names
(FROM, JOIN, UPDATE, DELETE FROM, INSERT INTO, COPY) must carry a ``client_id`` predicate of its own
(``<table or alias>.client_id = ...``/``IN``, or equal to another table's ``client_id``); an INSERT or
COPY must write ``client_id``. Statements on reference and local tables are not routed by client and are
not checked. The check reads SQL text, so it is a guard against a statement forgetting its client, not a
proof of Citus's router planner (an alias used twice counts once). ``KNOWN`` lists, with the reason, every
statement known to span clients today: the cross-client maintenance scan by design, the rest because the
client equality made PostgreSQL's plan worse (to settle before a Citus deployment).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from accounting_support import accounting_tenant, collect, send, subscription
from biviews_support import table_of
from revrec.biviews.catalog import standard_registry
from revrec.db.citus import PLAN
from revrec.db.citus_rules import DISTRIBUTED
from support import login, unique

CLIENT_TABLES = {name for name, p in PLAN.items() if p.kind == DISTRIBUTED and p.column == "client_id"}
_NOT_ALIAS = (
    "where|join|left|right|inner|outer|cross|on|using|set|group|order|limit|offset|for|values|select|"
    "returning|union|having|window|as|natural|lateral|default|from"
)
_TABLE = re.compile(
    rf"\b(from|join|update|delete\s+from|insert\s+into|copy)\s+\"?(\w+)\"?(?:\s+(?:as\s+)?(?!(?:{_NOT_ALIAS})\b)(\w+))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Known:
    """Statements (``pattern``, on the statement with its white space collapsed) whose ``tables`` may lack a
    client predicate today, and why; docs/scaling.md lists them as the work before a Citus deployment."""

    pattern: str
    tables: frozenset[str]
    why: str


def _known(pattern: str, tables: str, why: str) -> Known:
    return Known(pattern, frozenset(tables.split()), why)


KNOWN: tuple[Known, ...] = (
    # by design: a scan across clients, like claiming a job (job itself is a local table)
    _known(
        r"^SELECT upload\.id, upload\.receiver, .* FROM upload WHERE upload\.status =",
        "upload",
        "maintenance fails uploads whose receiving process died, for every client: a multi-shard SELECT",
    ),
    # a join on a parent id without client_id: not co-located on Citus. Each equality was tried and made
    # PostgreSQL's plan worse (docs/scaling.md "Which queries stay single-shard", docs/performance.md)
    _known(  # written whole, written as the difference (PostgreSQL), or computed to compare (the check)
        r"^(INSERT INTO journal_entry|WITH computed AS MATERIALIZED|WITH raw AS MATERIALIZED) .* "
        r"JOIN revenue_contract c ON c\.id =",
        "revenue_contract",
        "the journal",
    ),
    _known(
        r"^SELECT (revenue_contract|rc_line)\.id AS c0,",
        "rc_manual_action",
        "BI3_RC_HEAD's and BI3_RC_LNS's overrides in force: with the client and its rejections correlated, "
        "BI3_RC_HEAD took 15-25 % more on PostgreSQL (6,000 contracts without a manual action)",
    ),
    _known(
        r"^SELECT ri_rows\.",
        "mje_head",
        "BI3_RI_ACCT_SUMM's manual entries: with it, a client without manual entries in the statistics is "
        "estimated at one entry, and the client's journal index is read again for every entry",
    ),
    _known(
        r"^SELECT rc_cost\.id AS c0,",
        "rc_cost_schedule",
        "BI3_RC_LN_COST's amounts by cost: with it, the schedule is read through its client index (every "
        "cost row of the client for each cost) instead of its cost index",
    ),
)


def unrouted(statement: str) -> list[str]:
    """The problems of ``statement`` that no ``KNOWN`` entry covers."""
    flat = " ".join(statement.split())
    found = problems(flat)
    tables = {p.split(":")[0].split(" AS ")[0] for p in found}
    if found and any(re.search(k.pattern, flat) and tables <= k.tables for k in KNOWN):
        return []
    return found


def problems(statement: str) -> list[str]:
    """The distributed tables ``statement`` names without a client_id predicate of their own."""
    found = []
    for verb, table, alias in _TABLE.findall(statement):
        if table not in CLIENT_TABLES:
            continue
        verb = " ".join(verb.lower().split())
        if verb in ("insert into", "copy"):
            columns = re.search(rf"{verb}\s+\"?{table}\"?\s*\(([^)]*)\)", statement, re.IGNORECASE)
            if columns is None or not re.search(r"\bclient_id\b", columns.group(1)):
                found.append(f"{table}: {verb} without client_id")
            continue
        name = re.escape(alias or table)
        own = rf"\b{name}\.\"?client_id\"?\s*(=|in\b|IN\b)|=\s*{name}\.\"?client_id\b"
        if not re.search(own, statement):
            found.append(f"{table}" + (f" AS {alias}" if alias else "") + ": no client_id predicate")
    return found


def test_the_check_catches_a_statement_without_its_client() -> None:
    assert problems("SELECT rc_line.id FROM rc_line WHERE rc_line.rc_id = %(rc_id_1)s") == [
        "rc_line: no client_id predicate"
    ]
    joined = (
        "SELECT * FROM revenue_contract JOIN rc_line AS l ON l.rc_id = revenue_contract.id "
        "WHERE revenue_contract.client_id = %(c)s"
    )
    assert problems(joined) == ["rc_line AS l: no client_id predicate"]
    assert problems(joined + " AND l.client_id = revenue_contract.client_id") == []
    assert problems("INSERT INTO rc_pob (rc_id, pob_key) VALUES (%(a)s, %(b)s)") == [
        "rc_pob: insert into without client_id"
    ]
    assert problems("INSERT INTO rc_pob (client_id, rc_id) VALUES (%(a)s, %(b)s)") == []
    assert problems("UPDATE job SET status=%(s)s WHERE job.id = %(i)s") == []  # job is a local table
    assert problems("DELETE FROM rc_pob WHERE rc_pob.rc_id IN (%(a)s)") == ["rc_pob: no client_id predicate"]
    # a known statement is let through only for its own tables
    scan = "SELECT upload.id, upload.receiver, upload.problems FROM upload WHERE upload.status = %(s)s"
    assert unrouted(scan) == []
    widened = scan.replace("WHERE", "WHERE upload.template_id IN (SELECT rc_line.id FROM rc_line) AND")
    assert unrouted(widened) == ["upload: no client_id predicate", "rc_line: no client_id predicate"]
    # no longer known: staging names the client of its upload
    by_id = "UPDATE upload SET status=%(s)s WHERE upload.id = %(i)s"
    assert unrouted(by_id) == ["upload: no client_id predicate"]
    assert unrouted("SELECT rc_hold.id FROM rc_hold WHERE rc_hold.rc_id = 1") == [
        "rc_hold: no client_id predicate"
    ]


@contextmanager
def captured(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_collection_journal_and_bi_views_name_one_client(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    prefix = unique("R")
    with captured(engine) as statements:
        send(
            http,
            headers,
            subscription(f"{prefix}-1", f"{prefix}-SO1"),
            subscription(f"{prefix}-2", f"{prefix}-SO1"),
        )
        result = collect(http, engine, headers)
        for view in standard_registry().names():  # every BI view
            table_of(http, headers, view)
    assert result["status"] == "Completed", result
    on_client_tables = [
        s for s in statements if any(t for _, t, _ in _TABLE.findall(s) if t in CLIENT_TABLES)
    ]
    assert len(on_client_tables) > 20  # the capture saw the work
    new = {s: p for s in on_client_tables if (p := unrouted(s))}
    report = "\n".join(f"{p} :: {' '.join(s.split())[:300]}" for s, p in new.items())
    assert not new, f"{len(new)} statement(s) on distributed tables without their client:\n{report}"
