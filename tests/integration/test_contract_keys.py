"""The contract's child tables reference it by (client_id, rc_id), and journal entries their book by
(client_id, book_id) (migration 0035): the database refuses a row that names another client's contract or
book, accepts the row of the contract's own client, and removes the rows with their client (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from revrec.db import migrate
from revrec.db.session import make_engine, transaction
from revrec.db.tables import (
    CONTRACT_CHILD_TABLES,
    client,
    journal_entry,
    rc_bill,
    rc_line,
    rc_pob,
    rc_schedule,
    revenue_contract,
)
from revrec.periods import service as periods
from revrec.tenancy import service as tenancy
from support import unique


def _contract(conn: Any, scope: Any) -> int:
    now = dt.datetime.now(dt.UTC)
    return int(
        conn.execute(
            insert(revenue_contract).values(
                client_id=scope.client_id, book_id=scope.book_id, org_id=scope.org_id, rc_key=unique("RC"),
                template="T", version=1, currency="USD", transaction_price=Decimal(0), alloc_method="SSP",
                crtd_prd_id=202601, updt_prd_id=202601, created_at=now, updated_at=now,
            )
        ).inserted_primary_key[0]
    )  # fmt: skip


def _rows(client_id: int, rc_id: int, book_id: int) -> dict[Any, dict[str, Any]]:
    """One row of each child table, of ``client_id``, naming contract ``rc_id`` (and book ``book_id``)."""
    money = {"curr": "USD", "f_cur": "USD", "r_cur": "USD"}
    return {
        rc_line: {"client_id": client_id, "rc_id": rc_id, "line_id": "L1", "version": 1, "current_flag": True,
                  "stage_row_id": 0, "type": "SO", "allocatable": Decimal(0), "allocated": Decimal(0),
                  "carve": Decimal(0), "curr": "USD", "f_cur": "USD", "f_ex_rate": Decimal(1),
                  "g_ex_rate": Decimal(1), "crtd_prd_id": 202601},
        rc_pob: {"client_id": client_id, "rc_id": rc_id, "pob_key": "P1", "template": "T",
                 "lead_line_id": "L1"},
        rc_bill: {"client_id": client_id, "rc_id": rc_id, "line_id": "L1", "stage_row_id": 0, "type": "INV",
                  "inv_num": "I1", "inv_line_id": "IL1", "ext_sll_prc": Decimal(0), **money,
                  "amount_t": 0, "amount_f": 0, "amount_r": 0, "prd_id": 202601, "crtd_prd_id": 202601},
        rc_schedule: {"client_id": client_id, "rc_id": rc_id, "line_id": "L1", "version": 1,
                      "current_flag": True, "first_period": 202601, "first_index": 0, "n": 1, **money,
                      "rev_t": "[0]", "crtd_prd_id": 202601},
        journal_entry: {"client_id": client_id, "book_id": book_id, "org_id": 0, "period_key": 202601,
                        "posted_flag": False, "rc_id": rc_id, "acctg_type": "R", "acctg_seg": "S", **money,
                        "dr_t": 0, "cr_t": 0, "dr_f": 0, "cr_f": 0, "dr_r": 0, "cr_r": 0},
    }  # fmt: skip


def _two_clients(engine: Engine) -> tuple[Any, Any, int, int]:
    with transaction(engine) as conn:
        mine = periods.default_scope(conn, tenancy.create_client(conn, name=unique("keys")))
        other = periods.default_scope(conn, tenancy.create_client(conn, name=unique("keys")))
        return mine, other, _contract(conn, mine), _contract(conn, other)


@pytest.mark.parametrize("table", ["rc_line", "rc_pob", "rc_bill", "rc_schedule", "journal_entry"])
def test_a_row_naming_another_clients_contract_is_refused(engine: Engine, table: str) -> None:
    mine, other, my_rc, other_rc = _two_clients(engine)
    by_name = {t.name: t for t in _rows(0, 0, 0)}
    with transaction(engine) as conn:  # the contract's own client: accepted
        conn.execute(
            insert(by_name[table]).values(_rows(mine.client_id, my_rc, mine.book_id)[by_name[table]])
        )
    with (
        pytest.raises(IntegrityError, match="(?i)foreign key"),
        transaction(engine) as conn,
    ):  # my client, the other's contract
        conn.execute(
            insert(by_name[table]).values(_rows(mine.client_id, other_rc, mine.book_id)[by_name[table]])
        )


def test_a_journal_entry_naming_another_clients_book_is_refused(engine: Engine) -> None:
    mine, other, my_rc, _ = _two_clients(engine)
    manual = {**_rows(mine.client_id, my_rc, other.book_id)[journal_entry], "rc_id": None, "mje_id": 1}
    with (
        pytest.raises(IntegrityError, match="(?i)foreign key"),
        transaction(engine) as conn,
    ):  # no contract to check: the book is
        conn.execute(insert(journal_entry).values(manual))


def test_the_rows_go_with_their_client(engine: Engine) -> None:
    mine, other, my_rc, other_rc = _two_clients(engine)
    with transaction(engine) as conn:
        for who, rc_id in ((mine, my_rc), (other, other_rc)):
            for table, values in _rows(who.client_id, rc_id, who.book_id).items():
                conn.execute(insert(table).values(values))
    with transaction(engine) as conn:
        conn.execute(delete(client).where(client.c.id == mine.client_id))
    with transaction(engine) as conn:
        for table in _rows(0, 0, 0):
            count = select(func.count()).select_from(table)
            assert conn.execute(count.where(table.c.client_id == mine.client_id)).scalar_one() == 0
            assert conn.execute(count.where(table.c.client_id == other.client_id)).scalar_one() == 1


def test_migration_0035_keeps_every_row_and_pairs_the_keys(tmp_path: Path) -> None:
    """A database with contracts and their rows at 0034 keeps every row through migration 0035 (SQLite
    rebuilds the five tables) and ends with the paired foreign keys only."""
    engine = make_engine(f"sqlite:///{tmp_path}/m.sqlite3")
    migrate.upgrade(engine, "0034")
    with transaction(engine) as conn:
        scope = periods.default_scope(conn, tenancy.create_client(conn, name=unique("keys")))
        rc_id = _contract(conn, scope)
        rows = _rows(scope.client_id, rc_id, scope.book_id)
        for table, values in rows.items():
            conn.execute(insert(table).values(values))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        for table in rows:
            count = select(func.count()).select_from(table).where(table.c.client_id == scope.client_id)
            assert conn.execute(count).scalar_one() == 1, table.name
    keys = {t.name: {(tuple(k["constrained_columns"]), k["referred_table"]) for k in
                     inspect(engine).get_foreign_keys(t.name)} for t in rows}  # fmt: skip
    engine.dispose()
    paired = {(("client_id", "rc_id"), "revenue_contract")}
    for name in CONTRACT_CHILD_TABLES:
        book = {(("client_id", "book_id"), "book")} if name == "journal_entry" else set()
        assert keys[name] == paired | book, name
