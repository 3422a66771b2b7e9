"""All SQL of the setup package's own data: a client's default templates (``client_default``)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from revrec.db.tables import client_default


def default_templates(conn: Connection, client_id: int) -> tuple[str | None, str | None]:
    """(upload template, RC grouping template) the client set as defaults; (None, None) when none."""
    c = client_default.c
    row = conn.execute(select(c.upload_template, c.rc_template).where(c.client_id == client_id)).first()
    return (None, None) if row is None else (row.upload_template, row.rc_template)


def set_default_templates(
    conn: Connection, client_id: int, upload: str | None, rc_grouping: str | None
) -> None:
    conn.execute(delete(client_default).where(client_default.c.client_id == client_id))
    if upload is not None or rc_grouping is not None:
        conn.execute(
            insert(client_default).values(
                client_id=client_id, upload_template=upload, rc_template=rc_grouping
            )
        )
