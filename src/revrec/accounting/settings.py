"""The client's accounting settings: setup-document section ``accounting``.

``modification_treatment`` (domain §8.1): how a change to a contract after some of its periods closed is
booked — ``Retrospective`` (cumulative catch-up in the open period, the default) or ``Prospective`` (what
remains is spread over the remaining periods). ``open_period`` (YYYYMM): the first open period of every
org and book when periods are first created (by default, the period of the earliest SO date collected);
it can no longer change once periods exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, insert, select, update

from revrec.db.tables import accounting_period, accounting_setting
from revrec.errors import InvalidInput
from revrec.tenancy.repository import ClientRow

RETROSPECTIVE = "Retrospective"
PROSPECTIVE = "Prospective"


class AccountingDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    modification_treatment: Literal["Retrospective", "Prospective"] = "Retrospective"
    open_period: int | None = Field(default=None, ge=100001, le=999912)


@dataclass(frozen=True, slots=True)
class AccountingSettings:
    modification_treatment: str = RETROSPECTIVE
    open_period: int | None = None


def load(conn: Connection, client_id: int) -> AccountingSettings:
    raw = conn.execute(
        select(accounting_setting.c.document).where(accounting_setting.c.client_id == client_id)
    ).scalar()
    if raw is None:
        return AccountingSettings()
    doc = AccountingDoc.model_validate(json.loads(raw))
    return AccountingSettings(doc.modification_treatment, doc.open_period)


def export_accounting(conn: Connection, client: ClientRow) -> AccountingDoc:
    found = load(conn, client.id)
    return AccountingDoc(modification_treatment=found.modification_treatment, open_period=found.open_period)  # type: ignore[arg-type]


def _periods_exist(conn: Connection, client_id: int) -> bool:
    query = select(accounting_period.c.id).where(accounting_period.c.client_id == client_id).limit(1)
    return conn.execute(query).first() is not None


def apply_accounting(conn: Connection, client: ClientRow, doc: AccountingDoc, changes: list[str]) -> None:
    current = export_accounting(conn, client)
    if current == doc:
        return
    if doc.open_period != current.open_period and _periods_exist(conn, client.id):
        raise InvalidInput("accounting.open_period: periods already exist; close periods instead")
    text = json.dumps(doc.model_dump(mode="json"), sort_keys=True)
    stamp = datetime.now(UTC)
    exists = conn.execute(
        select(accounting_setting.c.client_id).where(accounting_setting.c.client_id == client.id)
    ).first()
    if exists is None:
        conn.execute(insert(accounting_setting).values(client_id=client.id, document=text, updated_at=stamp))
    else:
        conn.execute(
            update(accounting_setting)
            .where(accounting_setting.c.client_id == client.id)
            .values(document=text, updated_at=stamp)
        )
    changed = [k for k in ("modification_treatment", "open_period") if getattr(doc, k) != getattr(current, k)]
    changes.append("accounting: " + ", ".join(changed))
