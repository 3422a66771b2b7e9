"""Inbound use cases besides receiving: templates, upload status, mapping, stage errors, deletion."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from revrec.db.stage_columns import (
    BUNDLE_COLUMNS,
    COST_LINE_COLUMNS,
    EVENT_COLUMNS,
    LINE_COLUMNS,
    MJE_COLUMNS,
    VC_COLUMNS,
)
from revrec.db.tables import (
    bundle_config,
    flagged,
    stage_error,
    stage_event,
    stage_line,
    stage_line_hold,
    stage_mje,
    vc_estimate,
)
from revrec.errors import InvalidInput, NotFound
from revrec.inbound import repository as repo
from revrec.inbound.templates_std import STANDARD_TEMPLATES, template_from_mapping, template_to_mapping
from revrec.setup import defaults
from revrec.tenancy.repository import ClientRow

ERROR_TABLES = {
    "transaction": stage_line,
    "event": stage_event,
    "bundle": bundle_config,
    "mje": stage_mje,
    "vc": vc_estimate,
}


def seed_templates(conn: Connection, client_id: int) -> None:
    """Every client starts with the standard transaction, event, bundle and VC templates (idempotent)."""
    for template in STANDARD_TEMPLATES:
        if repo.find_template(conn, client_id, template.name) is None:
            repo.save_template(conn, client_id, template)


def mapping(conn: Connection, *, client_id: int, template_name: str | None) -> dict[str, Any]:
    """The GET /upload/mapping answer for a template."""
    template_name = defaults.upload_template(conn, client_id, template_name)
    found = repo.find_template(conn, client_id, template_name)
    if found is None:
        raise NotFound(
            f"Error fetching the mapping details: upload template {template_name!r} does not exist"
        )
    template_id, template = found
    if not template.enabled:
        raise InvalidInput(
            f"Error fetching the mapping details: upload template {template_name!r} is disabled"
        )
    rows = repo.mapping_rows(conn, template_id)
    return {
        "Dateformat": template.date_format,
        "Mapping": [
            {"client_id": client_id, "col_name": r.col_name, "data_type": r.data_type, "id": r.id,
             "label": r.label, "seq": r.seq, "upload_id": template_id}
            for r in rows
        ],
    }  # fmt: skip


def upload_status(conn: Connection, *, client_id: int, upload_id: int) -> Any:
    """The upload row (None when unknown or another client's)."""
    return repo.get_upload(conn, client_id, upload_id)


def problems_of(row: Any) -> list[dict[str, Any]]:
    return json.loads(row.problems) if row.problems else []


def file_log(row: Any) -> str:
    """A one-line account of an upload for the file-status API."""
    text = f"{row.file_name}: {row.status}; {row.data_lines} data line(s)"
    if row.status == "Staged":
        text += f", {row.data_lines - row.error_lines} valid, {row.error_lines} with errors"
    elif row.status == "Failed":
        text += f"; {row.message}"
    return text


def stage_errors(
    conn: Connection,
    *,
    client_id: int,
    kind: str,
    upload_id: int | None = None,
    from_date: datetime | None = None,
    to_date: datetime | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Errored staging rows with all their errors, oldest first."""
    if kind not in ERROR_TABLES:
        raise InvalidInput(f"Invalid error type {kind!r}: use transaction or event")
    table = ERROR_TABLES[kind]
    query = select(table).where(table.c.client_id == client_id, flagged(table.c.processed_flag, "E"))
    if upload_id is not None:
        query = query.where(table.c.upload_id == upload_id)
    if from_date is not None:
        query = query.where(table.c.crtd_dt >= from_date)
    if to_date is not None:
        query = query.where(table.c.crtd_dt <= to_date)
    rows = list(conn.execute(query.order_by(table.c.id).offset(offset).limit(limit)))
    messages = _messages(conn, kind, [r.id for r in rows])
    return [_stage_error(r, kind, messages.get(r.id, [])) for r in rows]


def _messages(conn: Connection, kind: str, row_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for start in range(0, len(row_ids), 500):
        chunk = list(row_ids[start : start + 500])
        query = (
            select(stage_error.c.row_id, stage_error.c.code, stage_error.c.message)
            .where(stage_error.c.kind == kind, stage_error.c.row_id.in_(chunk))
            .order_by(stage_error.c.id)
        )
        for row_id, code, message in conn.execute(query):
            found.setdefault(row_id, []).append(f"{code} {message}")
    return found


def _stage_error(row: Any, kind: str, messages: list[str]) -> dict[str, Any]:
    m = row._mapping
    return {
        "client_id": row.client_id,
        "crtd_by": row.crtd_by,
        "crtd_dt": row.crtd_dt.isoformat(),
        "err_msg": "; ".join(messages),
        "id": row.id,
        "inv_line_id": m.get("inv_line_id"),
        "inv_line_num": m.get("inv_line_num"),
        "processed_flag": row.processed_flag,
        "sec_atr_val": None,
        "so_line_id": m.get("so_line_id"),
        "so_line_num": m.get("so_line_num"),
        "so_num": m.get("so_num"),
        "type": m.get("type") if kind == "transaction" else m.get("event_type"),
        "updt_by": row.updt_by,
        "updt_dt": row.updt_dt.isoformat(),
        "upload_id": str(row.upload_id),
        **({"mje_num": m.get("mje_num"), "row_num": row.row_num} if kind == "mje" else {}),
    }


def delete_staged(
    conn: Connection, *, client_id: int, kind: str, row_ids: Sequence[int] = (), upload_id: int | None = None,
    errors_only: bool = True,
) -> list[int]:  # fmt: skip
    """Delete staging rows the user chose (never collected ones); returns the ids deleted."""
    table = ERROR_TABLES[kind]
    query = select(table.c.id).where(table.c.client_id == client_id, table.c.processed_flag != "Y")
    if errors_only:
        query = query.where(flagged(table.c.processed_flag, "E"))
    if upload_id is not None:
        query = query.where(table.c.upload_id == upload_id)
    if row_ids:
        query = query.where(table.c.id.in_(list(row_ids)))
    if upload_id is None and not row_ids:
        raise InvalidInput("name the rows to delete: --upload ID and/or --id ID")
    ids = list(conn.execute(query.order_by(table.c.id)).scalars())
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        conn.execute(delete(stage_error).where(stage_error.c.kind == kind, stage_error.c.row_id.in_(chunk)))
        conn.execute(delete(table).where(table.c.id.in_(chunk)))
    return ids


def delete_held(conn: Connection, *, client_id: int, upload_id: int) -> int:
    """Delete the rows of transaction upload ``upload_id`` that pre-stage holds for staging
    (``stage_line_hold``, PostgreSQL: not yet in ``stage_line``), so that staging finds none; their count."""
    held = stage_line_hold.c
    return conn.execute(
        delete(stage_line_hold).where(held.client_id == client_id, held.upload_id == upload_id)
    ).rowcount


# --- setup document section ------------------------------------------------------------------------------


def export_templates(conn: Connection, client: ClientRow) -> list[dict[str, Any]]:
    return [template_to_mapping(t) for t in repo.list_templates(conn, client.id)]


def apply_templates(
    conn: Connection, client: ClientRow, docs: list[dict[str, Any]], changes: list[str]
) -> None:
    columns = {
        "transaction": LINE_COLUMNS + COST_LINE_COLUMNS,
        "event": EVENT_COLUMNS,
        "bundle": BUNDLE_COLUMNS,
        "mje": MJE_COLUMNS,
        "vc": VC_COLUMNS,
    }
    for doc in docs:
        template = template_from_mapping(doc)
        known = {c for c, _ in columns[template.kind]}
        unknown = sorted(f.col_name for f in template.fields if f.col_name not in known)
        if unknown:
            raise InvalidInput(f"upload_templates.{template.name}: unknown staging column(s) {unknown}")
        if repo.save_template(conn, client.id, template):
            changes.append(f"upload_templates: {template.name!r}")
