"""The setup document's section ``returns`` (table ``return_setting``): the client's expectations of
returns, per item (``ITEM_NUM``) or product family (``PROD_FMLY``) of the SO line.

Each entry gives the expected return percent of the consideration (or an expected return amount per line),
the cost of the goods as a percent of the consideration (the transaction template has no cost column), the
expected recovery costs as a percent of that cost, and the four account strings. An item's entry wins over
its product family's. Changing the section is the period-end reassessment: the next journal regeneration
of the open period books the change as a catch-up there; closed periods never move.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, insert, select, update

from revrec.db.tables import return_setting
from revrec.engine.returns import ReturnTerms
from revrec.errors import InvalidInput
from revrec.tenancy.repository import ClientRow

REFUND_LIABILITY = "REFUND-LIABILITY"
RETURN_ASSET = "RETURN-ASSET"
COST_OF_SALES = "COST-OF-SALES"
INVENTORY = "INVENTORY"

Percent = Field(default=Decimal(0), ge=0, le=100, max_digits=12, decimal_places=6)


class ReturnTermsDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str | None = Field(None, min_length=1, max_length=300)
    product_family: str | None = Field(None, min_length=1, max_length=300)
    return_percent: Decimal | None = Field(None, ge=0, le=100, max_digits=12, decimal_places=6)
    expected_amount: Decimal | None = Field(None, ge=0, max_digits=24, decimal_places=6)
    cost_percent: Decimal = Percent
    recovery_cost_percent: Decimal = Percent
    refund_liability_account: str = Field(REFUND_LIABILITY, min_length=1, max_length=300)
    return_asset_account: str = Field(RETURN_ASSET, min_length=1, max_length=300)
    cost_of_sales_account: str = Field(COST_OF_SALES, min_length=1, max_length=300)
    inventory_account: str = Field(INVENTORY, min_length=1, max_length=300)

    @model_validator(mode="after")
    def _check(self) -> ReturnTermsDoc:
        if (self.item is None) == (self.product_family is None):
            raise ValueError("give exactly one of item and product_family")
        if (self.return_percent is None) == (self.expected_amount is None):
            raise ValueError("give exactly one of return_percent and expected_amount")
        return self

    @property
    def key(self) -> tuple[str, str]:
        return ("item", self.item) if self.item is not None else ("family", str(self.product_family))


def engine_terms(doc: ReturnTermsDoc, expected_minor: int | None) -> ReturnTerms:
    """The engine's terms of ``doc``; ``expected_minor``: its expected amount in the currency at hand."""
    return ReturnTerms(
        return_percent=doc.return_percent or Decimal(0),
        cost_percent=doc.cost_percent,
        recovery_percent=doc.recovery_cost_percent,
        expected_amount=expected_minor,
    )


def load(conn: Connection, client_id: int) -> list[ReturnTermsDoc]:
    raw = conn.execute(
        select(return_setting.c.document).where(return_setting.c.client_id == client_id)
    ).scalar()
    return [] if raw is None else [ReturnTermsDoc.model_validate(r) for r in json.loads(raw)]


def matcher(docs: list[ReturnTermsDoc]) -> dict[tuple[str, str], ReturnTermsDoc]:
    return {d.key: d for d in docs}


def terms_for(
    found: dict[tuple[str, str], ReturnTermsDoc], item: str | None, family: str | None
) -> ReturnTermsDoc | None:
    """The item's entry, else the product family's, else none."""
    if item is not None and ("item", item) in found:
        return found[("item", item)]
    if family is not None:
        return found.get(("family", family))
    return None


def export_returns(conn: Connection, client: ClientRow) -> list[ReturnTermsDoc]:
    return load(conn, client.id)


def apply_returns(
    conn: Connection, client: ClientRow, docs: list[ReturnTermsDoc], changes: list[str]
) -> None:
    """Replace the client's return terms (setup section ``returns``)."""
    keys = [d.key for d in docs]
    duplicated = sorted({f"{k}={v}" for k, v in keys if keys.count((k, v)) > 1})
    if duplicated:
        raise InvalidInput(f"returns: more than one entry for {', '.join(duplicated)}")
    if load(conn, client.id) == docs:
        return
    text = json.dumps([d.model_dump(mode="json", exclude_none=True) for d in docs], sort_keys=True)
    stamp = dt.datetime.now(dt.UTC)
    exists = conn.execute(
        select(return_setting.c.client_id).where(return_setting.c.client_id == client.id)
    ).first()
    if exists:
        statement = update(return_setting).where(return_setting.c.client_id == client.id)
        conn.execute(statement.values(document=text, updated_at=stamp))
    else:
        conn.execute(insert(return_setting).values(client_id=client.id, document=text, updated_at=stamp))
    changes.append(f"returns: {len(docs)} entr{'y' if len(docs) == 1 else 'ies'}")
