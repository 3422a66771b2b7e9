"""All SQL of the inbound package: templates, uploads, staging rows and stage errors. Scoped by client."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, case, delete, func, insert, or_, select, union, update

from revrec.db.routing import same_client
from revrec.db.tables import (
    flagged,
    stage_error,
    stage_line_hold,
    upload,
    upload_template,
    upload_template_field,
)
from revrec.inbound.templates_std import FieldMapping, UploadTemplateDef


def now() -> datetime:
    return datetime.now(UTC)


# --- templates -----------------------------------------------------------------------------------------


def find_template(conn: Connection, client_id: int, name: str) -> tuple[int, UploadTemplateDef] | None:
    """The template's id and definition."""
    head = conn.execute(
        select(upload_template).where(
            upload_template.c.client_id == client_id, upload_template.c.name == name
        )
    ).first()
    if head is None:
        return None
    return head.id, _template(head, _fields(conn, head.id))


def _fields(conn: Connection, template_id: int) -> list[Any]:
    query = select(upload_template_field).where(upload_template_field.c.template_id == template_id)
    return list(conn.execute(query.order_by(upload_template_field.c.seq)))


def _template(head: Any, fields: Sequence[Any]) -> UploadTemplateDef:
    return UploadTemplateDef(
        name=head.name,
        kind=head.kind,
        date_format=head.date_format,
        field_separator=head.field_separator,
        start_row=head.start_row,
        enabled=head.enabled,
        fields=tuple(FieldMapping(f.seq, f.label, f.col_name, f.data_type, f.required) for f in fields),
    )


def mapping_rows(conn: Connection, template_id: int) -> list[Any]:
    return _fields(conn, template_id)


def list_templates(conn: Connection, client_id: int) -> list[UploadTemplateDef]:
    heads = conn.execute(
        select(upload_template)
        .where(upload_template.c.client_id == client_id)
        .order_by(upload_template.c.name)
    ).all()
    return [_template(h, _fields(conn, h.id)) for h in heads]


def save_template(conn: Connection, client_id: int, template: UploadTemplateDef) -> bool:
    """Create or replace a template; True when something changed."""
    found = find_template(conn, client_id, template.name)
    if found is not None and found[1] == template:
        return False
    values = {
        "kind": template.kind,
        "enabled": template.enabled,
        "date_format": template.date_format,
        "field_separator": template.field_separator,
        "start_row": template.start_row,
    }
    if found is None:
        result = conn.execute(
            insert(upload_template).values(client_id=client_id, name=template.name, **values)
        )
        template_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    else:
        template_id = found[0]
        conn.execute(update(upload_template).where(upload_template.c.id == template_id).values(**values))
        conn.execute(delete(upload_template_field).where(upload_template_field.c.template_id == template_id))
    rows = [
        {"template_id": template_id, "seq": f.seq, "label": f.label, "col_name": f.col_name,
         "data_type": f.data_type, "required": f.required}
        for f in template.fields
    ]  # fmt: skip
    if rows:
        conn.execute(insert(upload_template_field), rows)
    return True


# --- uploads -------------------------------------------------------------------------------------------

IN_FLIGHT = ("Receiving", "Successfully Uploaded")


def count_in_flight(conn: Connection, client_id: int, receiving_since: datetime) -> int:
    """Uploads of the client being received (recently) or waiting to be staged."""
    query = select(func.count()).where(
        upload.c.client_id == client_id,
        ((upload.c.status == "Receiving") & (upload.c.updated_at >= receiving_since))
        | (upload.c.status == "Successfully Uploaded"),
    )
    return int(conn.execute(query).scalar_one())


def name_taken(conn: Connection, client_id: int, template_id: int, file_name: str) -> int | None:
    query = select(upload.c.id).where(
        upload.c.client_id == client_id,
        upload.c.template_id == template_id,
        upload.c.active_name == file_name,
    )
    return conn.execute(query).scalar()


def insert_upload(conn: Connection, **values: Any) -> int:
    stamp = now()
    result = conn.execute(
        insert(upload).values(
            status="Receiving", message="Receiving data", data_lines=0, error_lines=0, created_at=stamp,
            updated_at=stamp, **values,
        )
    )  # fmt: skip
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def update_upload(conn: Connection, client_id: int, upload_id: int, **values: Any) -> None:
    if "problems" in values and values["problems"] is not None:
        values["problems"] = json.dumps(values["problems"])
    mine = (upload.c.client_id == client_id, upload.c.id == upload_id)
    conn.execute(update(upload).where(*mine).values(updated_at=now(), **values))


def get_upload(conn: Connection, client_id: int, upload_id: int) -> Any:
    return conn.execute(
        select(upload).where(upload.c.client_id == client_id, upload.c.id == upload_id)
    ).first()


def receiving_uploads(conn: Connection, client_id: int | None, stale_before: datetime) -> list[Any]:
    """Uploads being received (of ``client_id``, or all): id, receiver, and ``stale`` (last change before
    ``stale_before``)."""
    stale = case((upload.c.updated_at < stale_before, True), else_=False).label("stale")
    query = select(upload.c.id, upload.c.receiver, stale).where(upload.c.status == "Receiving")
    if client_id is not None:
        query = query.where(upload.c.client_id == client_id)
    return list(conn.execute(query))


def fail_receiving(conn: Connection, upload_ids: Sequence[int], message: str) -> int:
    """Mark these uploads Failed (nothing of them was stored) if they are still Receiving; how many were."""
    if not upload_ids:
        return 0
    result = conn.execute(
        update(upload)
        .where(upload.c.id.in_(list(upload_ids)), upload.c.status == "Receiving")
        .values(status="Failed", message=message, active_name=None, updated_at=now())
    )
    return int(result.rowcount)


def finish_receiving(conn: Connection, client_id: int, upload_id: int, **values: Any) -> bool:
    """Move an upload out of Receiving; False when it is no longer Receiving (failed as interrupted)."""
    result = conn.execute(
        update(upload)
        .where(upload.c.client_id == client_id, upload.c.id == upload_id, upload.c.status == "Receiving")
        .values(updated_at=now(), **values)
    )
    return int(result.rowcount) == 1


# --- staging rows ----------------------------------------------------------------------------------------


def unknown_so_references(
    conn: Connection,
    table: Table,
    client_id: int,
    upload_id: int,
    so_types: Sequence[str],
    referencing: Sequence[str],
    staged: Sequence[str],
) -> set[str]:
    """SO line ids that the upload's ``referencing`` lines name but that are neither SO lines of the upload
    nor staged (``staged`` flags) SO lines of the client; one anti-join on the line-key index."""
    mine = (table.c.upload_id == upload_id, table.c.type.in_(list(referencing)))
    refs = union(
        select(table.c.so_line_id.label("ref")).where(*mine),
        select(table.c.orig_so_line_id.label("ref")).where(*mine),
    ).subquery()
    so = table.alias("so")
    known = (
        select(so.c.id)
        .where(so.c.client_id == client_id, so.c.line_key == refs.c.ref, so.c.type.in_(list(so_types)))
        .where(or_(so.c.upload_id == upload_id, so.c.processed_flag.in_(list(staged))))
    )
    query = select(refs.c.ref).where(refs.c.ref.is_not(None), ~known.exists())
    return set(conn.execute(query).scalars())


def existing_keys(conn: Connection, table: Table, client_id: int, keys: Sequence[str], flags: Iterable[str],
                  types: Sequence[str] | None = None) -> set[str]:  # fmt: skip
    """Which of ``keys`` are line keys of rows with one of ``flags`` (and one of ``types``)."""
    found: set[str] = set()
    flag_list = list(flags)
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        query = select(table.c.line_key).where(
            table.c.client_id == client_id, table.c.line_key.in_(chunk), table.c.processed_flag.in_(flag_list)
        )
        if types is not None:
            query = query.where(table.c.type.in_(list(types)))
        found.update(conn.execute(query).scalars())
    return found


def replace_errored(conn: Connection, table: Table, kind: str, client_id: int, upload_id: int) -> int:
    """Delete errored rows (and their errors) that a row of ``upload_id`` re-sends under the same line key."""
    errored = select(table.c.id).where(table.c.client_id == client_id, flagged(table.c.processed_flag, "E"))
    if conn.execute(errored.limit(1)).first() is None:
        return 0
    new = table.alias("resent")
    old_ids = list(
        conn.execute(
            select(table.c.id)
            .join(new, new.c.line_key == table.c.line_key)
            .where(
                new.c.upload_id == upload_id,
                table.c.client_id == client_id,
                flagged(table.c.processed_flag, "E"),
                table.c.upload_id != upload_id,
            )
            .distinct()
        ).scalars()
    )
    for start in range(0, len(old_ids), 500):
        chunk = old_ids[start : start + 500]
        conn.execute(delete(stage_error).where(stage_error.c.kind == kind, stage_error.c.row_id.in_(chunk)))
        conn.execute(delete(table).where(table.c.id.in_(chunk)))
    return len(old_ids)


def insert_errors(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(stage_error), rows)


def set_flags(
    conn: Connection, table: Table, client_id: int, upload_id: int, errored_ids: Sequence[int], by: str
) -> None:
    """Errored rows become E, the other pre-staged rows of the upload N."""
    stamp = now()
    for start in range(0, len(errored_ids), 500):
        chunk = list(errored_ids[start : start + 500])
        conn.execute(
            update(table)
            .where(same_client(table.c.client_id, client_id), table.c.id.in_(chunk))
            .values(processed_flag="E", updt_dt=stamp, updt_by=by)
        )
    conn.execute(
        update(table)
        .where(
            same_client(table.c.client_id, client_id),
            table.c.upload_id == upload_id,
            table.c.processed_flag == "P",
        )
        .values(processed_flag="N", updt_dt=stamp, updt_by=by)
    )


def vacuum_held_rows(engine: Engine) -> None:
    """PostgreSQL: ``VACUUM`` stage_line_hold, outside any transaction (run after a staging job committed).

    Staging deletes an upload's held rows once it has moved them; until a vacuum the dead rows keep their
    pages, every later ``COPY`` appends after them, and each move's scans of the holding table (it has no
    index, for pre-stage's sake) read every row ever held, so staging grew slower with every upload of a
    bulk load (autovacuum comes up to a minute later). Vacuumed, the table's free space is reused and a scan
    reads about the rows held now. ``SKIP_LOCKED``: another vacuum of it (autovacuum, a concurrent staging
    job) may go on alone; ``TRUNCATE false``: no exclusive lock to give back the file's empty tail, which
    a pre-stage ``COPY`` in progress would hold up (the next uploads fill that space)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (SKIP_LOCKED, TRUNCATE false) {stage_line_hold.name}")
