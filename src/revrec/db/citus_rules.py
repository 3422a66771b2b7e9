"""Citus's rules for a schema, checked over plain values (docs/scaling.md "A distributed PostgreSQL").

A schema is described by ``TableShape`` values (read from a live database by ``revrec.db.citus.read_schema``)
and each table's ``Placement``: distributed by a column (hash, in a co-location group), a reference table
(one copy on every node), or a local table (stays on the coordinator). ``violations`` lists every rule a
schema and placement break; an empty list means Citus accepts the tables and their constraints as they are:

- every table has a placement, and every placement names a table;
- a distributed table has its distribution column, NOT NULL, of one type across its co-location group;
- every PRIMARY KEY, UNIQUE constraint and unique index of a distributed table includes that column
  (uniqueness is enforced shard by shard);
- a foreign key of a distributed table points to a reference table, or to a distributed table of the same
  co-location group with the distribution column on both sides (so the rows it joins are on one shard);
- a reference table's foreign keys point to reference tables only; a local table's to local or reference
  tables only (Citus refuses foreign keys from reference or local tables to distributed ones);
- the ids of a distributed table come from a sequence (one counter on the coordinator, so ids stay unique
  across shards and code that finds a row by ``(client_id, id)`` finds one row).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DISTRIBUTED = "distributed"
REFERENCE = "reference"
LOCAL = "local"


@dataclass(frozen=True, slots=True)
class Placement:
    kind: str  # DISTRIBUTED, REFERENCE or LOCAL
    column: str | None = None  # the distribution column of a distributed table
    group: str | None = None  # its co-location group


@dataclass(frozen=True, slots=True)
class ColumnShape:
    name: str
    type: str  # the database's type name, e.g. INTEGER
    nullable: bool
    sequence: bool | None = None  # fed by a sequence (nextval default); None where unknown (SQLite)


@dataclass(frozen=True, slots=True)
class Key:
    """A PRIMARY KEY, UNIQUE constraint or unique index."""

    name: str
    columns: tuple[str, ...]
    kind: str  # "primary key", "unique" or "unique index"


@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    ondelete: str | None = None


@dataclass(frozen=True, slots=True)
class TableShape:
    name: str
    columns: tuple[ColumnShape, ...]
    keys: tuple[Key, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()

    def column(self, name: str) -> ColumnShape | None:
        return next((c for c in self.columns if c.name == name), None)


def violations(shapes: Mapping[str, TableShape], plan: Mapping[str, Placement]) -> list[str]:
    """Every Citus rule the tables break under ``plan`` (empty when Citus accepts them)."""
    found = [f"{name}: no placement in the plan" for name in sorted(set(shapes) - set(plan))]
    found += [f"{name}: in the plan but not in the schema" for name in sorted(set(plan) - set(shapes))]
    for name in sorted(set(shapes) & set(plan)):
        found += _table_violations(shapes[name], plan[name], shapes, plan)
    found += _group_violations(shapes, plan)
    return found


def _table_violations(
    table: TableShape, placement: Placement, shapes: Mapping[str, TableShape], plan: Mapping[str, Placement]
) -> list[str]:
    if placement.kind == DISTRIBUTED:
        return _distributed_violations(table, placement, shapes, plan)
    if placement.kind not in (REFERENCE, LOCAL):
        return [f"{table.name}: unknown placement {placement.kind!r}"]
    allowed = (REFERENCE,) if placement.kind == REFERENCE else (REFERENCE, LOCAL)
    return [
        f"{table.name}: foreign key {fk.name} of a {placement.kind} table points to "
        f"{_kind(plan, fk.referred_table)} table {fk.referred_table}"
        for fk in table.foreign_keys
        if _kind(plan, fk.referred_table) not in allowed
    ]


def _distributed_violations(
    table: TableShape, placement: Placement, shapes: Mapping[str, TableShape], plan: Mapping[str, Placement]
) -> list[str]:
    name, column = table.name, placement.column
    if column is None or placement.group is None:
        return [f"{name}: a distributed table needs a distribution column and a co-location group"]
    shape = table.column(column)
    if shape is None:
        return [f"{name}: no distribution column {column}"]
    found = [f"{name}: distribution column {column} is nullable"] if shape.nullable else []
    found += [
        f"{name}: {key.kind} {key.name} {key.columns} does not include the distribution column {column}"
        for key in table.keys
        if column not in key.columns
    ]
    for fk in table.foreign_keys:
        found += _foreign_key_violations(table, placement, fk, plan)
    found += _sequence_violations(table)
    return found


def _foreign_key_violations(
    table: TableShape, placement: Placement, fk: ForeignKey, plan: Mapping[str, Placement]
) -> list[str]:
    target = plan.get(fk.referred_table)
    where = f"{table.name}: foreign key {fk.name} to {fk.referred_table}"
    if target is None:
        return [f"{where}: the referred table has no placement"]
    if target.kind == REFERENCE:
        return []
    if target.kind != DISTRIBUTED:
        return [f"{where}: a distributed table cannot refer to a {target.kind} table"]
    if target.group != placement.group:
        return [f"{where}: not co-located ({placement.group} vs {target.group})"]
    pairs = set(zip(fk.columns, fk.referred_columns, strict=True))
    if (placement.column, target.column) not in pairs:
        return [f"{where}: does not pair the distribution columns {placement.column} -> {target.column}"]
    return []


def _sequence_violations(table: TableShape) -> list[str]:
    id_column = table.column("id")
    primary = next((k for k in table.keys if k.kind == "primary key"), None)
    if id_column is None or primary is None or "id" not in primary.columns or id_column.sequence is None:
        return []
    if id_column.sequence:
        return []
    return [f"{table.name}: id is not fed by a sequence, so ids may repeat across shards"]


def _group_violations(shapes: Mapping[str, TableShape], plan: Mapping[str, Placement]) -> list[str]:
    types: dict[str, dict[str, str]] = {}
    for name, placement in plan.items():
        shape = shapes.get(name)
        column = shape.column(placement.column) if shape and placement.column else None
        if placement.kind == DISTRIBUTED and placement.group and column is not None:
            types.setdefault(placement.group, {})[name] = column.type
    return [
        f"co-location group {group}: distribution columns of different types {sorted(set(by_table.values()))}"
        for group, by_table in sorted(types.items())
        if len(set(by_table.values())) > 1
    ]


def _kind(plan: Mapping[str, Placement], table: str) -> str:
    placement = plan.get(table)
    return placement.kind if placement else "unplaced"
