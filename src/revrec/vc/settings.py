"""The setup section ``variable_consideration`` (table ``vc_setting``): VC types and VC accounts.

Each VC type names how estimates of that type are measured (``method``), how much of an increase of the
price is included (``constraint``), which lines share it (``allocation``) and, for volume discounts, the
retrospective price tiers. ``accounts`` are the account strings of the VC journal: ``V`` VC liability,
``W`` VC revenue, ``K`` VC clearing. ``settlement_attribute`` names the free attribute column (e.g.
``ATR5``) by which an ``INV`` or ``CM`` transaction line names the VC type it settles (revrec.vc.settlement).
Applying the section replaces the client's VC setup as a whole.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, insert, select, update

from revrec.db.stage_columns import LINE_COLUMNS
from revrec.db.tables import vc_setting
from revrec.engine.vc import Constraint, ConstraintKind, VcMethod, VolumeTier
from revrec.errors import InvalidInput
from revrec.tenancy.repository import ClientRow

DEFAULT_ACCOUNTS = {"liability": "2450", "revenue": "4050", "clearing": "1450"}
#: the free text attributes of a transaction line that may name the VC type a bill settles
SETTLEMENT_ATTRIBUTES = tuple(c for c, kind in LINE_COLUMNS if c.startswith("ATR") and kind == "C")


class ConstraintDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["none", "cap", "percent", "fully_constrained"] = "none"
    value: Decimal | None = Field(default=None, description="cap: an amount; percent: 0..100")

    @model_validator(mode="after")
    def _check(self) -> ConstraintDoc:
        if self.kind in ("cap", "percent") and (self.value is None or self.value < 0):
            raise ValueError(f"constraint {self.kind} needs a value >= 0")
        if self.kind == "percent" and self.value is not None and self.value > 100:
            raise ValueError("a constraint percent is at most 100")
        if self.kind in ("none", "fully_constrained") and self.value is not None:
            raise ValueError(f"constraint {self.kind} takes no value")
        return self

    def constraint(self) -> Constraint:
        return Constraint(ConstraintKind(self.kind), self.value)


class AllocationDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Literal["contract", "line", "items"] = "contract"
    items: list[str] | None = Field(
        default=None, description="to: items — the item numbers that share the VC"
    )

    @model_validator(mode="after")
    def _check(self) -> AllocationDoc:
        if (self.to == "items") != bool(self.items):
            raise ValueError("items is required with to: items, and only then")
        return self


class TierDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_units: Decimal = Field(ge=0)
    unit_price: Decimal = Field(ge=0)


class VcTypeDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    method: Literal["expected_value", "most_likely"] = "expected_value"
    constraint: ConstraintDoc = Field(default_factory=ConstraintDoc)
    allocation: AllocationDoc = Field(default_factory=AllocationDoc)
    tiers: list[TierDoc] | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _check(self) -> VcTypeDoc:
        if self.tiers is not None:
            starts = [t.from_units for t in self.tiers]
            if 0 not in starts or len(set(starts)) != len(starts):
                raise ValueError("tiers must start at from_units 0 and not repeat a from_units")
        return self

    @property
    def vc_method(self) -> VcMethod:
        return VcMethod(self.method)

    def volume_tiers(self) -> tuple[VolumeTier, ...]:
        return tuple(VolumeTier(t.from_units, t.unit_price) for t in self.tiers or ())


class AccountsDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    liability: str = Field(default=DEFAULT_ACCOUNTS["liability"], min_length=1, max_length=300)
    revenue: str = Field(default=DEFAULT_ACCOUNTS["revenue"], min_length=1, max_length=300)
    clearing: str = Field(default=DEFAULT_ACCOUNTS["clearing"], min_length=1, max_length=300)


class VcSettingDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accounts: AccountsDoc = Field(default_factory=AccountsDoc)
    types: list[VcTypeDoc] = Field(default_factory=list)
    settlement_attribute: str | None = Field(
        default=None,
        description="the attribute column (e.g. ATR5) naming the VC type an INV or CM line settles",
    )

    @model_validator(mode="after")
    def _check_attribute(self) -> VcSettingDoc:
        if self.settlement_attribute is not None:
            name = self.settlement_attribute.strip().upper()
            if name not in SETTLEMENT_ATTRIBUTES:
                raise ValueError(
                    f"settlement_attribute {self.settlement_attribute!r} is not an attribute column "
                    f"({', '.join(SETTLEMENT_ATTRIBUTES)})"
                )
            self.settlement_attribute = name
        return self

    def type_named(self, name: str) -> VcTypeDoc | None:
        return next((t for t in self.types if t.name == name and t.enabled), None)


def load(conn: Connection, client_id: int) -> VcSettingDoc:
    raw = conn.execute(select(vc_setting.c.document).where(vc_setting.c.client_id == client_id)).scalar()
    return VcSettingDoc() if raw is None else VcSettingDoc.model_validate(json.loads(raw))


def export_setting(conn: Connection, client: ClientRow) -> VcSettingDoc:
    return load(conn, client.id)


def apply_setting(conn: Connection, client: ClientRow, doc: VcSettingDoc, changes: list[str]) -> None:
    """Replace the client's VC setup (section ``variable_consideration``)."""
    names = [t.name for t in doc.types]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InvalidInput(
            f"variable_consideration.types: duplicated VC type name(s) {', '.join(duplicated)}"
        )
    if load(conn, client.id) == doc:
        return
    text = json.dumps(doc.model_dump(mode="json", exclude_none=True), sort_keys=True)
    stamp = dt.datetime.now(dt.UTC)
    if conn.execute(select(vc_setting.c.client_id).where(vc_setting.c.client_id == client.id)).first():
        statement = update(vc_setting).where(vc_setting.c.client_id == client.id)
        conn.execute(statement.values(document=text, updated_at=stamp))
    else:
        conn.execute(insert(vc_setting).values(client_id=client.id, document=text, updated_at=stamp))
    changes.append(f"variable_consideration: {len(doc.types)} VC type(s) ({', '.join(names) or 'none'})")


def install() -> None:
    from revrec.setup import service as setup_service

    setup_service.register(
        setup_service.Section("variable_consideration", VcSettingDoc, export_setting, apply_setting)
    )
