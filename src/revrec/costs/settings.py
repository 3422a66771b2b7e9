"""The setup section ``costs``: cost types and the accounts of cost entries.

```yaml
costs:
  payable_account: "2100-000"      # P, credited when a cost is incurred
  impairment_account: "6950-000"   # H, debited by an impairment loss
  cost_types:
    - {name: Commission, kind: OBTAIN, treatment: REVENUE_PATTERN, practical_expedient: true}
    - {name: Legal, kind: OBTAIN, treatment: EXPENSE}
    - {name: Setup, kind: FULFIL, treatment: STRAIGHT_LINE, term_periods: 24}
```

Stored as canonical JSON in ``cost_setting`` (one row per client). Applying the section replaces it
whole; a cost line already recorded keeps the treatment it was recorded with.
"""

from __future__ import annotations

import datetime as dt
import json

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, insert, select, update

from revrec.db.tables import cost_setting
from revrec.engine.costs import CostType, check_cost_type
from revrec.errors import InvalidInput
from revrec.tenancy.repository import ClientRow

DEFAULT_PAYABLE = "COST-PAYABLE"
DEFAULT_IMPAIRMENT = "COST-IMPAIRMENT"


class CostTypeDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    kind: str
    treatment: str
    term_periods: int | None = None
    practical_expedient: bool = False

    def engine(self) -> CostType:
        return CostType(self.name, self.kind, self.treatment, self.term_periods, self.practical_expedient)


class CostSettingsDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payable_account: str = Field(default=DEFAULT_PAYABLE, min_length=1, max_length=300)
    impairment_account: str = Field(default=DEFAULT_IMPAIRMENT, min_length=1, max_length=300)
    cost_types: list[CostTypeDoc] = Field(default_factory=list)

    def types(self) -> dict[str, CostType]:
        return {t.name: t.engine() for t in self.cost_types}


def load(conn: Connection, client_id: int) -> CostSettingsDoc:
    """The client's cost settings (no cost types when the section was never applied)."""
    c = cost_setting.c
    raw = conn.execute(select(c.document).where(c.client_id == client_id)).scalar()
    return CostSettingsDoc() if raw is None else CostSettingsDoc.model_validate(json.loads(raw))


def export_costs(conn: Connection, client: ClientRow) -> CostSettingsDoc:
    return load(conn, client.id)


def apply_costs(conn: Connection, client: ClientRow, doc: CostSettingsDoc, changes: list[str]) -> None:
    """Replace the client's cost settings (setup section ``costs``); every problem is reported at once."""
    names = [t.name for t in doc.cost_types]
    problems = [
        f"costs: duplicated cost type name {n!r}" for n in sorted({n for n in names if names.count(n) > 1})
    ]
    problems += [
        f"costs.cost_types[{i}] ({t.name}): {p}"
        for i, t in enumerate(doc.cost_types)
        for p in check_cost_type(t.engine())
    ]
    if problems:
        raise InvalidInput("; ".join(problems))
    if load(conn, client.id) == doc:
        return
    text = json.dumps(doc.model_dump(mode="json"), sort_keys=True)
    stamp = dt.datetime.now(dt.UTC)
    c = cost_setting.c
    if conn.execute(select(c.client_id).where(c.client_id == client.id)).first():
        conn.execute(
            update(cost_setting).where(c.client_id == client.id).values(document=text, updated_at=stamp)
        )
    else:
        conn.execute(insert(cost_setting).values(client_id=client.id, document=text, updated_at=stamp))
    changes.append(f"costs: {len(names)} cost type(s) ({', '.join(names) or 'none'})")
