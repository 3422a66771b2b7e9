"""Migration 0023 on a database with an existing client: its Administrator role gets the two MJE privileges
and the client the Standard MJE template."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import text

from revrec.db import migrate
from revrec.db.session import make_engine


def test_existing_clients_get_the_privileges_and_the_template(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        migrate.upgrade(engine, "0018")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO client (id, name, api_enabled, csv_injection_policy, reporting_currency, "
                     "created_at) VALUES (1, 'OLD', 1, 'BLOCK', 'USD', :now)"),
                {"now": dt.datetime.now(dt.UTC)},
            )  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO role (id, client_id, name) "
                    "VALUES (1, 1, 'Administrator'), (2, 1, 'API Role')"
                )
            )
            conn.execute(text("INSERT INTO role_privilege (role_id, privilege) VALUES (1, 'Administration')"))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            granted = conn.execute(
                text(
                    "SELECT role_id, privilege FROM role_privilege WHERE privilege IN ('Administration', "
                    "'Approve Manual Journal Entries', 'Manual Journal Entries') ORDER BY role_id, privilege"
                )
            )  # later migrations grant other privileges too
            assert list(granted) == [
                (1, "Administration"),
                (1, "Approve Manual Journal Entries"),
                (1, "Manual Journal Entries"),
            ]  # the API Role gets nothing
            fields = conn.execute(
                text("SELECT f.seq, f.label, f.col_name, f.required FROM upload_template t JOIN "
                     "upload_template_field f ON f.template_id = t.id WHERE t.client_id = 1 AND "
                     "t.name = 'Standard MJE' AND t.kind = 'mje' ORDER BY f.seq")
            ).all()  # fmt: skip
        assert len(fields) == 15
        assert fields[0][1:] == ("Mje Num", "MJE_NUM", 1) and fields[12][1:] == ("Dr Amount", "DR_AMOUNT", 1)
        migrate.upgrade(engine)  # at head: nothing more happens
    finally:
        engine.dispose()
