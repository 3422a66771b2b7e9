"""A revision's in-place updates stay on their pages on PostgreSQL (migrations 0038 and 0039).

Collection writes ``rc_line`` and ``revenue_contract`` with ``COPY``; a later revision rewrites the lines it
keeps (their new allocation) and the contract's head in place. Those columns are not indexed, so PostgreSQL
makes each update HOT (same page, no new index entry) when the page has room: the tables keep a fifth of
each page free (``fillfactor`` 80). Without it, ``COPY`` packs the pages full and every such update moves
its row to another page and adds an entry to each index (docs/performance.md). Retiring a line or schedule
version (``current_flag`` true → false) is such an update too since no index holds the flag (0039), with
``rc_schedule`` at ``fillfactor`` 80 as well.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, text

from accounting_support import accounting_tenant, bill, collect, send, subscription
from revrec.db.session import transaction
from revrec.tenancy import service as tenancy
from support import login

ORDERS = 60
LINES = 4  # lines a sales order: a contract each
# a tenth of them get an invoice of their first line (numbered with leading zeros: contracts are written in
# key order): 40 line rows apart, more than a page holds (about 23), so a page holds the rewritten lines of
# one contract at most, 4 rows of about 300 bytes, which its free fifth (1,638 bytes) takes. (With a fifth
# of the contracts revised, some pages would hold more rewritten rows than their free fifth.)
REVISED = range(0, ORDERS, 10)


def _pages(
    engine: Engine, table: str, client_id: int, *, current_only: bool = False
) -> dict[int, tuple[int, int]]:
    """id → (page, offset) of the client's rows of ``table`` (``current_only``: current versions only)."""
    current = " AND current_flag" if current_only else ""
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT id, ctid::text FROM {table} WHERE client_id = :c{current}"),  # noqa: S608
            {"c": client_id},
        )
        found = {}
        for row_id, ctid in rows:
            page, offset = ctid.strip("()").split(",")
            found[int(row_id)] = (int(page), int(offset))
        return found


def test_storage_setting_of_the_revised_tables(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("fillfactor is a PostgreSQL storage setting")
    with engine.connect() as conn:
        for table in ("rc_line", "revenue_contract", "rc_schedule"):
            options = conn.execute(
                text("SELECT reloptions FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
            ).scalar()
            assert options is not None and "fillfactor=80" in options, (table, options)


def test_no_index_of_the_versioned_tables_holds_the_current_flag(engine: Engine) -> None:
    """Retiring a version changes ``current_flag`` alone: with the flag in no index it can be a HOT update
    (PostgreSQL); the same indexes on SQLite."""
    inspector = inspect(engine)
    for table in ("rc_line", "rc_schedule"):
        indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes(table)}
        assert indexes, table
        assert not [name for name, columns in indexes.items() if "current_flag" in columns], indexes
    lines = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("rc_line")}
    assert lines["ix_rc_line_client_line"] == ["client_id", "line_id"]


def _collected_orders(http: TestClient, engine: Engine) -> tuple[dict[str, str], int]:
    """A tenant's login headers and client id after collecting ORDERS sales orders of LINES lines."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *(_line(order, n) for order in range(ORDERS) for n in range(1, LINES + 1)))
    assert collect(http, engine, headers)["status"] == "Completed"
    with transaction(engine) as conn:
        return headers, tenancy.require_client(conn, tenant.client).id


def _line(order: int, n: int, price: int | None = None) -> dict[str, str]:
    return subscription(f"HOT-{order:03}-{n}", f"HOT-SO-{order:03}", price=f"{price or 1000 + 37 * n}.00")


def test_a_revision_rewrites_lines_and_heads_on_their_own_pages(http: TestClient, engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("where PostgreSQL puts a row version is its own (SQLite has no fillfactor)")
    headers, client_id = _collected_orders(http, engine)
    lines_before = _pages(engine, "rc_line", client_id, current_only=True)
    heads_before = _pages(engine, "revenue_contract", client_id)
    assert len(lines_before) == ORDERS * LINES and len(heads_before) == ORDERS

    invoices = [bill("INV", f"HOT-{order:03}-1", f"HOT-I-{order:03}", "500.00") for order in REVISED]
    send(http, headers, *invoices)
    assert collect(http, engine, headers)["status"] == "Completed"

    lines_after = _pages(engine, "rc_line", client_id, current_only=True)
    rewritten = {
        i: (lines_before[i], where) for i, where in lines_after.items() if lines_before.get(i) != where
    }
    # the revised contracts' lines, reallocated in place (same id, a new row version): every one of them
    assert len(rewritten) == len(REVISED) * LINES, rewritten
    moved = {i: pair for i, pair in rewritten.items() if pair[0][0] != pair[1][0]}  # ((page, offset) ×2)
    assert moved == {}, f"{len(moved)} of {len(rewritten)} reallocated lines left their page: {moved}"
    heads_after = _pages(engine, "revenue_contract", client_id)
    revised_heads = {
        i: (heads_before[i], where) for i, where in heads_after.items() if heads_before[i] != where
    }
    assert len(revised_heads) == len(REVISED), revised_heads
    assert all(before[0] == after[0] for before, after in revised_heads.values()), revised_heads


def test_retired_versions_stay_on_their_pages(http: TestClient, engine: Engine) -> None:
    """An SO update of the first line of a tenth of the orders: its line version and its schedule version
    are retired (``current_flag`` false) and new versions written; each retired row stays on its page."""
    if engine.dialect.name != "postgresql":
        pytest.skip("where PostgreSQL puts a row version is its own (SQLite has no fillfactor)")
    headers, client_id = _collected_orders(http, engine)
    lines_before = _pages(engine, "rc_line", client_id)
    schedules_before = _pages(engine, "rc_schedule", client_id)

    send(http, headers, *(_line(order, 1, price=2500) for order in REVISED))
    assert collect(http, engine, headers)["status"] == "Completed"

    with engine.connect() as conn:
        retired = {
            table: {
                int(i)
                for i in conn.execute(
                    text(f"SELECT id FROM {table} WHERE client_id = :c AND NOT current_flag"),  # noqa: S608
                    {"c": client_id},
                ).scalars()
            }
            for table in ("rc_line", "rc_schedule")
        }
    assert len(retired["rc_line"]) == len(REVISED), retired
    assert len(retired["rc_schedule"]) >= len(REVISED), retired
    for table, before in (("rc_line", lines_before), ("rc_schedule", schedules_before)):
        after = _pages(engine, table, client_id)
        moved = {i: (before[i], after[i]) for i in retired[table] if before[i][0] != after[i][0]}
        assert moved == {}, f"{table}: {len(moved)} of {len(retired[table])} retired versions moved: {moved}"
