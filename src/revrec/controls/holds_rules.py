"""Hold rules: the setup document's section ``hold_rules``, and holding what they match.

A rule holds a contract, the POB of a matching line or a matching line (with its POB) when every criterion
holds on one of its current lines: criteria compare a line field (staging names: ``CUST_NUM``, ``ATR1``,
``EXT_SLL_PRC``, ``SO_DATE`` ...) or a contract field (``RC_AMOUNT`` the transaction price, ``RC_CURRENCY``,
``RC_TEMPLATE``) with values, as the engine's conditions do (numbers as Decimals, dates as dates).

Rules are applied whenever the journal of the open period is regenerated (after Data Collection, Event
Process, Period Close; revrec.controls.holds_freeze), so a contract is held before its entries are computed.
A rule holds an object once: a hold it applied that was released is never applied again (Zuora: "a
processed hold is never re-applied"). The scan streams the scope's current lines (bounded memory) and
costs nothing for a client without rules.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, insert, select, update

from revrec.controls import repository_holds as repo
from revrec.controls.holds_core import RULE, HoldRequest, covered_lines, record_hold
from revrec.db.stage_columns import LINE_COLUMNS, sql_name
from revrec.db.tables import hold_rule_setting, rc_hold, rc_line, revenue_contract, stage_line
from revrec.engine.calendar import add_months
from revrec.engine.conditions import OPERATORS, Condition
from revrec.errors import InvalidInput
from revrec.periods.service import OpenPeriod, Scope
from revrec.tenancy.repository import ClientRow

SYSTEM_ACTOR = "revrec"
CONTRACT_FIELDS = {"RC_AMOUNT": "transaction_price", "RC_CURRENCY": "currency", "RC_TEMPLATE": "template"}
_STAGE_FIELDS = {name for name, _kind in LINE_COLUMNS}


class CriterionDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    operator: str = "="
    value: str | None = None
    values: list[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> CriterionDoc:
        self.field = self.field.strip().upper()
        self.operator = self.operator.strip().upper()
        if self.field not in CONTRACT_FIELDS and self.field not in _STAGE_FIELDS:
            raise ValueError(
                f"unknown field {self.field!r} (a staging line field or one of {sorted(CONTRACT_FIELDS)})"
            )
        if self.operator not in OPERATORS:
            raise ValueError(f"unknown operator {self.operator!r} (expected one of {', '.join(OPERATORS)})")
        many = self.operator in ("IN", "NOT IN")
        if many and not self.values or not many and self.value is None:
            raise ValueError(f"operator {self.operator} needs {'values' if many else 'value'}")
        return self

    def condition(self) -> Condition:
        values = tuple(self.values or ()) if self.operator in ("IN", "NOT IN") else (str(self.value),)
        return Condition(self.field, self.operator, values)


class ExpiryDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: int = Field(ge=1)
    unit: Literal["Days", "Months"] = "Days"


class HoldRuleDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    hold_type: Literal["REVENUE", "TRANSFER"]
    level: Literal["CONTRACT", "POB", "LINE"] = "CONTRACT"
    schedules: Literal["R", "A", "RA"] = "RA"
    whole_pob: bool = True
    criteria: list[CriterionDoc] = Field(min_length=1)
    manual_release: bool = True
    expiry: ExpiryDoc | None = None
    release_event: str | None = Field(None, description="an event of this type on a held line releases it")
    enabled: bool = True


def load_rules(conn: Connection, client_id: int) -> list[HoldRuleDoc]:
    raw = conn.execute(
        select(hold_rule_setting.c.document).where(hold_rule_setting.c.client_id == client_id)
    ).scalar()
    return [] if raw is None else [HoldRuleDoc.model_validate(r) for r in json.loads(raw)]


def export_rules(conn: Connection, client: ClientRow) -> list[HoldRuleDoc]:
    return load_rules(conn, client.id)


def apply_rules(conn: Connection, client: ClientRow, docs: list[HoldRuleDoc], changes: list[str]) -> None:
    """Replace the client's hold rules (setup section ``hold_rules``)."""
    names = [d.name for d in docs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InvalidInput(f"hold_rules: duplicated rule name(s) {', '.join(duplicated)}")
    current = load_rules(conn, client.id)
    if current == docs:
        return
    text = json.dumps([d.model_dump(mode="json", exclude_none=True) for d in docs], sort_keys=True)
    stamp = dt.datetime.now(dt.UTC)
    if conn.execute(
        select(hold_rule_setting.c.client_id).where(hold_rule_setting.c.client_id == client.id)
    ).first():
        statement = update(hold_rule_setting).where(hold_rule_setting.c.client_id == client.id)
        conn.execute(statement.values(document=text, updated_at=stamp))
    else:
        conn.execute(insert(hold_rule_setting).values(client_id=client.id, document=text, updated_at=stamp))
    changes.append(f"hold_rules: {len(docs)} rule(s) ({', '.join(names) or 'none'})")


# --- applying the rules ----------------------------------------------------------------------------------


def _columns(rules: list[HoldRuleDoc]) -> list[Any]:
    """The columns the rules' criteria read, labelled by field name."""
    fields = sorted({c.field for r in rules for c in r.criteria})
    found = []
    for name in fields:
        if name in CONTRACT_FIELDS:
            found.append(revenue_contract.c[CONTRACT_FIELDS[name]].label(name))
        elif name.lower() in rc_line.c:
            found.append(rc_line.c[name.lower()].label(name))
        else:
            found.append(stage_line.c[sql_name(name)].label(name))
    return found


def _lines(conn: Connection, scope: Scope, rules: list[HoldRuleDoc]) -> Iterator[Any]:
    """The scope's current lines with the fields the rules read, streamed in contract order."""
    ln, c = rc_line.c, revenue_contract.c
    joined = rc_line.join(revenue_contract, c.id == ln.rc_id).outerjoin(
        stage_line, stage_line.c.id == ln.stage_row_id
    )
    query = (
        select(ln.rc_id, ln.line_id, ln.pob_key, *_columns(rules))
        .select_from(joined)
        .where(ln.client_id == scope.client_id, ln.current_flag.is_(True), c.book_id == scope.book_id,
               c.org_id == scope.org_id)
        .order_by(ln.rc_id, ln.line_id)
    )  # fmt: skip
    # on the statement: Connection.execution_options would change the connection for every later statement
    yield from conn.execute(query.execution_options(yield_per=2000))


def _value(row: Any, name: str) -> Any:
    value = row._mapping[name]
    return value.date() if isinstance(value, dt.datetime) else value


def _target(rule: HoldRuleDoc, row: Any) -> tuple[int, str | None, str | None]:
    """The object the rule holds for a matching line: (contract, POB key, line id)."""
    if rule.level == "CONTRACT":
        return int(row.rc_id), None, None
    if rule.level == "POB" or (rule.whole_pob and row.pob_key is not None):
        return int(row.rc_id), row.pob_key, None
    return int(row.rc_id), None, row.line_id


def _already(conn: Connection, client_id: int, rule: str) -> set[tuple[int, str | None, str | None]]:
    """Objects the rule ever held (released or not): never held twice."""
    h = rc_hold.c
    query = select(h.rc_id, h.pob_key, h.line_id, h.hold_level).where(
        h.client_id == client_id, h.hold_name == rule
    )
    return {(int(r.rc_id), r.pob_key, r.line_id) for r in conn.execute(query)}


def matches(
    conn: Connection, scope: Scope, rules: list[HoldRuleDoc]
) -> dict[str, set[tuple[int, str | None, str | None]]]:
    """Rule name → the objects its criteria match now."""
    conditions = {r.name: [(c.field, c.condition()) for c in r.criteria] for r in rules}
    found: dict[str, set[tuple[int, str | None, str | None]]] = {r.name: set() for r in rules}
    for row in _lines(conn, scope, rules):
        for rule in rules:
            if all(cond.matches_value(_value(row, field)) for field, cond in conditions[rule.name]):
                found[rule.name].add(_target(rule, row))
    return found


def _expiry(rule: HoldRuleDoc, opened: OpenPeriod) -> dt.date | None:
    if rule.expiry is None:
        return None
    if rule.expiry.unit == "Months":
        return add_months(opened.start, rule.expiry.number)
    return opened.start + dt.timedelta(days=rule.expiry.number)


def hold_matching(conn: Connection, scope: Scope, opened: OpenPeriod) -> int:
    """Apply every enabled rule to the objects it matches and never held; how many holds were applied."""
    rules = [r for r in load_rules(conn, scope.client_id) if r.enabled]
    if not rules:
        return 0
    applied = 0
    by_name = {r.name: r for r in rules}
    for name, targets in matches(conn, scope, rules).items():
        rule = by_name[name]
        for rc_id, pob_key, line_id in sorted(targets - _already(conn, scope.client_id, name), key=str):
            level = "CONTRACT" if pob_key is None and line_id is None else "POB" if pob_key else "LINE"
            request = HoldRequest(
                rc_id, rule.hold_type, level, pob_key, line_id, rule.schedules, f"hold rule {name}",
                _expiry(rule, opened), rule.manual_release, False, name, RULE,
            )  # fmt: skip
            covered = covered_lines(request, repo.current_lines(conn, scope.client_id, rc_id))
            record_hold(conn, scope.client_id, request, covered, opened, SYSTEM_ACTOR)
            applied += 1
    return applied
