"""The staging tables reference their upload by (client_id, upload_id) (migration 0036): the database
refuses a staged row that names another client's upload, accepts one of the upload's own client, and
removes the rows with their upload's client (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Table, delete, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from revrec.db import migrate
from revrec.db.session import make_engine, transaction
from revrec.db.tables import (
    bundle_config,
    client,
    stage_event,
    stage_line,
    stage_mje,
    upload,
    vc_estimate,
)
from support import client_and_upload

STAGING_TABLES: tuple[Table, ...] = (stage_line, stage_event, bundle_config, vc_estimate, stage_mje)


def _client_and_upload(conn: Any) -> tuple[int, int]:
    return client_and_upload(conn, "stagekeys")


def _row(client_id: int, upload_id: int) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {
        "client_id": client_id, "upload_id": upload_id, "row_num": 1, "processed_flag": "N",
        "crtd_by": "test", "crtd_dt": now, "updt_by": "test", "updt_dt": now,
    }  # fmt: skip


@pytest.mark.parametrize("table", STAGING_TABLES, ids=lambda t: t.name)
def test_a_staged_row_naming_another_clients_upload_is_refused(engine: Engine, table: Table) -> None:
    with transaction(engine) as conn:
        mine, my_upload = _client_and_upload(conn)
        _, other_upload = _client_and_upload(conn)
    with transaction(engine) as conn:  # the upload's own client: accepted
        conn.execute(insert(table).values(_row(mine, my_upload)))
    with (
        pytest.raises(IntegrityError, match="(?i)foreign key"),
        transaction(engine) as conn,
    ):  # my client, the other client's upload
        conn.execute(insert(table).values(_row(mine, other_upload)))


def test_the_staged_rows_go_with_their_client(engine: Engine) -> None:
    with transaction(engine) as conn:
        mine, my_upload = _client_and_upload(conn)
        other, other_upload = _client_and_upload(conn)
        for table in STAGING_TABLES:
            conn.execute(insert(table).values(_row(mine, my_upload)))
            conn.execute(insert(table).values(_row(other, other_upload)))
    with transaction(engine) as conn:
        conn.execute(delete(client).where(client.c.id == mine))
    with transaction(engine) as conn:
        for table in (*STAGING_TABLES, upload):
            count = select(func.count()).select_from(table)
            assert conn.execute(count.where(table.c.client_id == mine)).scalar_one() == 0, table.name
            assert conn.execute(count.where(table.c.client_id == other)).scalar_one() == 1, table.name


def test_migration_0036_keeps_every_row_and_pairs_the_keys(tmp_path: Path) -> None:
    """A database with staged rows at 0035 keeps every row through migration 0036 (SQLite rebuilds the
    five tables) and ends with the paired foreign key only."""
    engine = make_engine(f"sqlite:///{tmp_path}/m.sqlite3")
    migrate.upgrade(engine, "0035")
    with transaction(engine) as conn:
        client_id, upload_id = _client_and_upload(conn)
        for table in STAGING_TABLES:
            conn.execute(insert(table).values(_row(client_id, upload_id)))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        for table in STAGING_TABLES:
            count = select(func.count()).select_from(table).where(table.c.client_id == client_id)
            assert conn.execute(count).scalar_one() == 1, table.name
    keys = {
        t.name: {
            (tuple(k["constrained_columns"]), k["referred_table"])
            for k in inspect(engine).get_foreign_keys(t.name)
        }
        for t in STAGING_TABLES
    }
    engine.dispose()
    for table in STAGING_TABLES:
        assert keys[table.name] == {(("client_id", "upload_id"), "upload")}, table.name
