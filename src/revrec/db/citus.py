"""How revrec's tables spread over a Citus cluster, and the DDL that gets them there (`revrec db citus-ddl`).

``PLAN`` places every table (docs/scaling.md "A distributed PostgreSQL (Citus)"): the business tables are
distributed by ``client_id`` in one co-location group, so a client's contracts, lines, schedules, bills,
journal entries and staging rows live on one shard and every statement of one client runs on one node;
the small identity and configuration tables every request reads (clients, users, roles, books, orgs,
upload templates) are reference tables; the job queue stays a local table on the coordinator (claiming a
job scans every client with ``FOR UPDATE SKIP LOCKED``, which Citus runs on one shard only); the
authentication throttle is distributed by its own key.

Today's schema keeps single-column ``id`` primary keys and ``rc_id``-style foreign keys without ``client_id``
(they serve SQLite and one PostgreSQL alike; the high-volume tables of
``revrec.db.tables.CONTRACT_CHILD_TABLES`` and the staging tables' keys to their upload already pair
``client_id``, and are left as they are);
``constraint_changes`` derives the changes Citus needs (``client_id`` first in every key and in every foreign
key between distributed tables) from the live schema, and ``revrec.db.citus_rules.violations`` checks the
result. Ids stay global (one sequence per table on the coordinator), so no query that finds a row by id
changes meaning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, inspect

from revrec.db.citus_rules import (
    DISTRIBUTED,
    LOCAL,
    REFERENCE,
    ColumnShape,
    ForeignKey,
    Key,
    Placement,
    TableShape,
    violations,
)

_BY_CLIENT = Placement(DISTRIBUTED, "client_id", "client")
_REFERENCE = Placement(REFERENCE)

#: Every table's placement. The first table of a co-location group anchors it (``colocate_with => 'none'``).
PLAN: dict[str, Placement] = {
    # read by every request, written rarely: one copy on every node
    **{name: _REFERENCE for name in ("client", "org", "book", "role", "role_privilege", "role_org")},
    **{name: _REFERENCE for name in ("app_user", "user_role", "upload_template", "upload_template_field")},
    # the queue (claimed across clients) and Alembic's revision stay on the coordinator
    "job": Placement(LOCAL),
    # a split collection's plan, keyed by its job (whose foreign key must stay local with it)
    "collection_part_line": Placement(LOCAL),
    "alembic_version": Placement(LOCAL),
    # throttle counters, keyed by a digest of (client, user) or (client, address)
    "auth_failure": Placement(DISTRIBUTED, "key", "auth_failure"),
    # a client's data: revenue_contract anchors the group every other table joins
    **{
        name: _BY_CLIENT
        for name in (
            "revenue_contract", "rc_line", "rc_pob", "rc_bill", "rc_schedule", "rc_warning", "rc_approval",
            "rc_hold", "rc_hold_line", "rc_manual_action", "rc_revision_snapshot", "rc_return_reserve",
            "rc_cost", "rc_cost_schedule", "vc_schedule", "vc_reassessment", "vc_settlement", "journal_entry",
            "journal_state",
            "accounting_period", "transfer_batch", "transfer_line", "mje_head", "mje_line", "mje_approval",
            "upload", "stage_line", "stage_line_hold", "stage_event", "bundle_config", "vc_estimate",
            "stage_mje", "stage_error",
            "control_audit", "approval_rule", "client_policy", "client_default", "accounting_setting",
            "return_setting", "cost_setting", "vc_setting", "hold_rule_setting", "gl_interface_setting",
        )
    },
}  # fmt: skip

_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")
_RESERVED = {"user", "order", "group", "primary", "references", "table", "check", "default"}


def _q(name: str) -> str:
    return name if _PLAIN.fullmatch(name) and name not in _RESERVED else '"' + name.replace('"', '""') + '"'


def _cols(columns: tuple[str, ...]) -> str:
    return ", ".join(_q(c) for c in columns)


# --- reading a live schema --------------------------------------------------------------------------------


def read_schema(conn: Connection) -> dict[str, TableShape]:
    """The tables of the connected database (current schema) as ``TableShape`` values."""
    inspector = inspect(conn)
    return {name: _shape(inspector, name) for name in inspector.get_table_names()}


def _shape(inspector: Any, name: str) -> TableShape:
    columns = tuple(
        ColumnShape(c["name"], str(c["type"]), bool(c["nullable"]), _sequence(inspector, c))
        for c in inspector.get_columns(name)
    )
    keys: list[Key] = []
    primary = inspector.get_pk_constraint(name)
    if primary.get("constrained_columns"):
        keys.append(
            Key(primary.get("name") or f"pk_{name}", tuple(primary["constrained_columns"]), "primary key")
        )
    keys += [
        Key(u["name"], tuple(u["column_names"]), "unique") for u in inspector.get_unique_constraints(name)
    ]
    named = {k.name for k in keys}
    keys += [
        Key(i["name"], tuple(i["column_names"]), "unique index")
        for i in inspector.get_indexes(name)
        if i.get("unique") and not i.get("duplicates_constraint") and i["name"] not in named
    ]
    foreign = tuple(
        ForeignKey(
            fk.get("name") or f"fk_{name}_{fk['constrained_columns'][0]}_{fk['referred_table']}",
            tuple(fk["constrained_columns"]),
            fk["referred_table"],
            tuple(fk["referred_columns"]),
            (fk.get("options") or {}).get("ondelete"),
        )
        for fk in inspector.get_foreign_keys(name)
    )
    return TableShape(name, columns, tuple(keys), foreign)


def _sequence(inspector: Any, column: Mapping[str, Any]) -> bool | None:
    if inspector.dialect.name != "postgresql":
        return None  # SQLite's INTEGER PRIMARY KEY is the rowid; no sequence to speak of
    return "identity" in column or "nextval(" in str(column.get("default") or "")


# --- the constraint changes Citus needs -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConstraintChanges:
    """Plain SQL to run before distributing (``before``) and after (``after``), and the schema it yields."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    shapes: dict[str, TableShape]


def constraint_changes(shapes: Mapping[str, TableShape], plan: Mapping[str, Placement]) -> ConstraintChanges:
    """Put each distributed table's distribution column first in its keys and co-located foreign keys."""
    drop_fks: list[str] = []
    rekey: list[str] = []
    add_fks: list[str] = []
    result: dict[str, TableShape] = {}
    for name, table in sorted(shapes.items()):
        placement = plan.get(name)
        column = placement.column if placement and placement.kind == DISTRIBUTED else None
        if column is None or table.column(column) is None:
            result[name] = table
            continue
        keys = []
        for key in table.keys:
            if column in key.columns:
                keys.append(key)
                continue
            key = replace(key, columns=(column, *key.columns))
            rekey += _rekey(name, key)
            keys.append(key)
        fks = []
        for fk in table.foreign_keys:
            target = plan.get(fk.referred_table)
            if not _needs_pairing(fk, column, placement, target):
                fks.append(fk)
                continue
            assert target is not None and target.column is not None
            fk = replace(
                fk, columns=(column, *fk.columns), referred_columns=(target.column, *fk.referred_columns)
            )
            drop_fks.append(f"ALTER TABLE {_q(name)} DROP CONSTRAINT {_q(fk.name)};")
            add_fks.append(_add_foreign_key(name, fk))
            fks.append(fk)
        result[name] = replace(table, keys=tuple(keys), foreign_keys=tuple(fks))
    return ConstraintChanges(tuple(drop_fks + rekey), tuple(add_fks), result)


def _needs_pairing(
    fk: ForeignKey, column: str, placement: Placement | None, target: Placement | None
) -> bool:
    if placement is None or target is None or target.kind != DISTRIBUTED or target.group != placement.group:
        return False  # to a reference table it is fine; anything else is a violation no DDL here fixes
    return (column, target.column) not in set(zip(fk.columns, fk.referred_columns, strict=True))


def _rekey(table: str, key: Key) -> list[str]:
    if key.kind == "unique index":
        return [
            f"DROP INDEX {_q(key.name)};",
            f"CREATE UNIQUE INDEX {_q(key.name)} ON {_q(table)} ({_cols(key.columns)});",
        ]
    what = "PRIMARY KEY" if key.kind == "primary key" else "UNIQUE"
    return [
        f"ALTER TABLE {_q(table)} DROP CONSTRAINT {_q(key.name)}, "
        f"ADD CONSTRAINT {_q(key.name)} {what} ({_cols(key.columns)});"
    ]


def _add_foreign_key(table: str, fk: ForeignKey) -> str:
    ondelete = f" ON DELETE {fk.ondelete}" if fk.ondelete else ""
    return (
        f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(fk.name)} FOREIGN KEY ({_cols(fk.columns)}) "
        f"REFERENCES {_q(fk.referred_table)} ({_cols(fk.referred_columns)}){ondelete};"
    )


# --- the Citus script --------------------------------------------------------------------------------------


def citus_calls(shapes: Mapping[str, TableShape], plan: Mapping[str, Placement]) -> list[str]:
    """create_reference_table (referred tables first), local tables into the metadata, then
    create_distributed_table, each group's first table anchoring it."""
    calls = [f"SELECT create_reference_table('{name}');" for name in _referred_first(shapes, plan, REFERENCE)]
    calls += [
        f"SELECT citus_add_local_table_to_metadata('{name}');"
        for name in sorted(shapes)
        if plan.get(name) == Placement(LOCAL) and shapes[name].foreign_keys
    ]
    anchors: dict[str, str] = {}
    for name, placement in plan.items():
        if placement.kind != DISTRIBUTED or name not in shapes or placement.group is None:
            continue
        colocate = anchors.setdefault(placement.group, name)
        colocate = "none" if colocate == name else colocate
        calls.append(
            f"SELECT create_distributed_table('{name}', '{placement.column}', colocate_with => '{colocate}');"
        )
    return calls


def _referred_first(shapes: Mapping[str, TableShape], plan: Mapping[str, Placement], kind: str) -> list[str]:
    names = sorted(n for n in shapes if n in plan and plan[n].kind == kind)
    ordered: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in ordered or name in path or name not in names:
            return
        for fk in shapes[name].foreign_keys:
            visit(fk.referred_table, (*path, name))
        ordered.append(name)

    for name in names:
        visit(name, ())
    return ordered


HEADER = """\
-- revrec on Citus: run on the coordinator (connected to revrec's database, Citus extension created, workers
-- added, the coordinator itself added with citus_set_coordinator_host so the local job table may refer to
-- the reference table client). Distributing tables that hold rows copies them to the workers.
"""


def citus_ddl(
    shapes: Mapping[str, TableShape], plan: Mapping[str, Placement] = PLAN
) -> tuple[str, list[str]]:
    """The whole script and the rules the schema would still break after it (empty when none)."""
    changes = constraint_changes(shapes, plan)
    problems = violations(changes.shapes, plan)
    sections = [
        ("1. keys and foreign keys that must include the distribution column", changes.before, True),
        (
            "2. placement of every table (each call commits on its own)",
            tuple(citus_calls(shapes, plan)),
            False,
        ),
        ("3. foreign keys between co-located tables, with client_id on both sides", changes.after, True),
    ]
    body = "\n".join(_section(*section) for section in sections if section[1])
    return HEADER + body + "\n", problems


def _section(title: str, statements: tuple[str, ...], atomic: bool) -> str:
    lines = "\n".join(statements)
    return f"\n-- {title}\n" + (f"BEGIN;\n{lines}\nCOMMIT;" if atomic else lines)
