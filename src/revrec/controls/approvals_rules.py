"""Approval rules: setup-document section ``approval_rules``.

A rule says which contracts need approval before their figures may be posted, and who approves, in order:

* ``applies_to: NEW_CONTRACT`` — a contract created by Data Collection whose transaction price (absolute,
  contract currency) is above ``amount``;
* ``applies_to: REVISION`` — a revision of an existing contract whose lines' allocated amounts change, in
  total (Σ |new − in force| over its lines, contract currency), by more than ``amount``;
* ``applies_to: MANUAL_ADJUSTMENT`` — a manual revenue action (release, SSP or allocation override,
  withdrawal) whose change — Σ over the lines of |Δ allocated| + |Δ recognised through the open period| —
  is above ``amount``;
* ``applies_to: MJE`` — a manual journal entry whose total debit (entry currency) is above ``amount``
  (revrec.mje.service).

``approvers`` are role names; each becomes one approval step, approved in the order given. Rules are
created or updated by name and never deleted (``enabled: false`` switches one off).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, insert, select, update

from revrec.contracts.repository import now
from revrec.db.tables import approval_rule
from revrec.errors import InvalidInput
from revrec.tenancy import repository as tenancy_repo
from revrec.tenancy.repository import ClientRow

NEW_CONTRACT = "NEW_CONTRACT"
REVISION = "REVISION"
MANUAL_ADJUSTMENT = "MANUAL_ADJUSTMENT"  # a manual revenue action (revrec.controls.manual_actions)


class ApprovalRuleDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=500)
    applies_to: Literal["NEW_CONTRACT", "REVISION", "MANUAL_ADJUSTMENT", "MJE"]  # MJE: manual journal entries
    amount: Decimal = Field(ge=0)
    approvers: list[str] = Field(min_length=1)
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    id: int
    name: str
    description: str | None
    applies_to: str
    amount: Decimal
    approvers: tuple[str, ...]

    def matches(self, kind: str, figure: Decimal) -> bool:
        """Whether a contract of ``kind`` with ``figure`` (price, or allocated change) needs this rule."""
        return self.applies_to == kind and abs(figure) > self.amount


def load(conn: Connection, client_id: int) -> list[ApprovalRule]:
    """The client's enabled rules, in id order."""
    a = approval_rule.c
    rows = conn.execute(
        select(approval_rule).where(a.client_id == client_id, a.enabled.is_(True)).order_by(a.id)
    ).all()
    return [
        ApprovalRule(r.id, r.name, r.description, r.applies_to, r.amount, tuple(json.loads(r.approvers)))
        for r in rows
    ]


def export_rules(conn: Connection, client: ClientRow) -> list[ApprovalRuleDoc]:
    a = approval_rule.c
    rows = conn.execute(select(approval_rule).where(a.client_id == client.id).order_by(a.id)).all()
    return [
        ApprovalRuleDoc(
            name=r.name,
            description=r.description,
            applies_to=r.applies_to,
            amount=Decimal(format(r.amount.normalize(), "f")),  # as written: no storage zeros
            approvers=json.loads(r.approvers),
            enabled=r.enabled,
        )
        for r in rows
    ]


def _check_roles(conn: Connection, client_id: int, docs: list[ApprovalRuleDoc]) -> None:
    known = {name for _, name in tenancy_repo.list_roles(conn, client_id)}
    for doc in docs:
        missing = sorted(set(doc.approvers) - known)
        if missing:
            raise InvalidInput(
                f"approval_rules.{doc.name}.approvers: unknown role(s) {missing} (create them in 'roles')"
            )


def apply_rules(conn: Connection, client: ClientRow, docs: list[ApprovalRuleDoc], changes: list[str]) -> None:
    _check_roles(conn, client.id, docs)
    current = {doc.name: doc for doc in export_rules(conn, client)}
    a = approval_rule.c
    for doc in docs:
        if current.get(doc.name) == doc:
            continue
        values = {
            "description": doc.description,
            "applies_to": doc.applies_to,
            "amount": doc.amount,
            "approvers": json.dumps(doc.approvers),
            "enabled": doc.enabled,
            "updated_at": now(),
        }
        if doc.name in current:
            conn.execute(
                update(approval_rule).where(a.client_id == client.id, a.name == doc.name).values(values)
            )
            changes.append(f"approval_rules: updated {doc.name!r}")
        else:
            conn.execute(
                insert(approval_rule).values(client_id=client.id, name=doc.name, created_at=now(), **values)
            )
            changes.append(f"approval_rules: created {doc.name!r}")
