"""revrec.db.local_settings: on PostgreSQL the settings hold for the statements inside and the previous
values come back after; on an error inside nothing is restored (the error is the one raised inside, not a
failure of a restoring statement in the aborted transaction); on SQLite it does nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from revrec.db.local_settings import local_settings
from revrec.db.session import transaction


def _setting(conn: object, name: str) -> str:
    return str(conn.execute(text("SELECT current_setting(:k)"), {"k": name}).scalar_one())  # type: ignore[attr-defined]


def test_settings_hold_inside_and_are_put_back_after(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        with transaction(engine) as conn, local_settings(conn, work_mem="64MB"):
            assert conn.execute(text("SELECT 1")).scalar_one() == 1  # nothing set, nothing to fail
        return
    with transaction(engine) as conn:
        before = _setting(conn, "work_mem"), _setting(conn, "jit")
        assert before[0] != "96MB"
        with local_settings(conn, work_mem="96MB", jit="off"):
            assert (_setting(conn, "work_mem"), _setting(conn, "jit")) == ("96MB", "off")
        assert (_setting(conn, "work_mem"), _setting(conn, "jit")) == before


def test_an_error_inside_is_the_error_raised(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL settings")
    with (
        pytest.raises(DBAPIError, match="division by zero"),
        transaction(engine) as conn,
        local_settings(conn, work_mem="96MB"),
    ):
        conn.execute(text("SELECT 1 / 0"))
    with transaction(engine) as conn:  # a transaction-local setting went with the rollback
        assert _setting(conn, "work_mem") != "96MB"
