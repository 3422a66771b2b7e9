"""Citus's rules (revrec.db.citus_rules) catch each kind of table Citus refuses, and the constraint changes
(revrec.db.citus) fix the ones DDL can fix. Plain values, no database."""

from __future__ import annotations

from revrec.db.citus import citus_calls, constraint_changes
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

BY_CLIENT = Placement(DISTRIBUTED, "client_id", "client")


def _table(name: str, *keys: Key, fks: tuple[ForeignKey, ...] = (), nullable: bool = False) -> TableShape:
    columns = (
        ColumnShape("id", "INTEGER", False, True),
        ColumnShape("client_id", "INTEGER", nullable),
        ColumnShape("parent_id", "INTEGER", True),
    )
    return TableShape(name, columns, keys or (Key(f"pk_{name}", ("client_id", "id"), "primary key"),), fks)


def _fk(table: str, columns: tuple[str, ...], referred: str, referred_columns: tuple[str, ...]) -> ForeignKey:
    return ForeignKey(f"fk_{table}_{referred}", columns, referred, referred_columns, "CASCADE")


def test_a_table_that_keeps_every_rule_has_no_violation() -> None:
    parent = _table("parent")
    child = _table("child", fks=(_fk("child", ("client_id", "parent_id"), "parent", ("client_id", "id")),))
    plan = {"parent": BY_CLIENT, "child": BY_CLIENT}
    assert violations({"parent": parent, "child": child}, plan) == []


def test_a_unique_constraint_without_the_distribution_column_is_a_violation() -> None:
    bad = _table(
        "bad", Key("pk_bad", ("client_id", "id"), "primary key"), Key("uq_bad", ("parent_id",), "unique")
    )
    assert violations({"bad": bad}, {"bad": BY_CLIENT}) == [
        "bad: unique uq_bad ('parent_id',) does not include the distribution column client_id"
    ]


def test_an_id_primary_key_and_a_unique_index_without_client_id_are_violations() -> None:
    bad = _table("bad", Key("pk_bad", ("id",), "primary key"), Key("ux_bad", ("parent_id",), "unique index"))
    found = violations({"bad": bad}, {"bad": BY_CLIENT})
    assert len(found) == 2 and "primary key pk_bad" in found[0] and "unique index ux_bad" in found[1]


def test_a_foreign_key_between_distributed_tables_without_client_id_is_a_violation() -> None:
    parent = _table("parent")
    child = _table("child", fks=(_fk("child", ("parent_id",), "parent", ("id",)),))
    found = violations({"parent": parent, "child": child}, {"parent": BY_CLIENT, "child": BY_CLIENT})
    assert found == [
        "child: foreign key fk_child_parent to parent: "
        "does not pair the distribution columns client_id -> client_id"
    ]


def test_a_foreign_key_to_a_table_of_another_colocation_group_is_a_violation() -> None:
    parent = _table("parent")
    child = _table("child", fks=(_fk("child", ("client_id", "parent_id"), "parent", ("client_id", "id")),))
    plan = {"parent": Placement(DISTRIBUTED, "client_id", "other"), "child": BY_CLIENT}
    assert violations({"parent": parent, "child": child}, plan) == [
        "child: foreign key fk_child_parent to parent: not co-located (client vs other)"
    ]


def test_reference_and_local_tables_may_not_refer_to_distributed_ones() -> None:
    parent = _table("parent")
    ref = _table("ref", fks=(_fk("ref", ("parent_id",), "parent", ("id",)),))
    local = _table("local", fks=(_fk("local", ("parent_id",), "parent", ("id",)),))
    plan = {"parent": BY_CLIENT, "ref": Placement(REFERENCE), "local": Placement(LOCAL)}
    assert violations({"parent": parent, "ref": ref, "local": local}, plan) == [
        "local: foreign key fk_local_parent of a local table points to distributed table parent",
        "ref: foreign key fk_ref_parent of a reference table points to distributed table parent",
    ]


def test_a_distributed_table_may_refer_to_a_reference_table() -> None:
    ref = _table("ref", Key("pk_ref", ("id",), "primary key"))
    child = _table("child", fks=(_fk("child", ("parent_id",), "ref", ("id",)),))
    assert violations({"ref": ref, "child": child}, {"ref": Placement(REFERENCE), "child": BY_CLIENT}) == []


def test_unplaced_tables_missing_or_nullable_columns_and_mixed_types_are_violations() -> None:
    other = TableShape("other", (ColumnShape("client_id", "BIGINT", False),))
    shapes = {"a": _table("a", nullable=True), "b": _table("b"), "other": other}
    plan = {
        "a": BY_CLIENT,
        "other": BY_CLIENT,
        "gone": BY_CLIENT,
        "b2": Placement(DISTRIBUTED, "tenant", "x"),
    }
    assert violations(shapes, plan) == [
        "b: no placement in the plan",
        "b2: in the plan but not in the schema",
        "gone: in the plan but not in the schema",
        "a: distribution column client_id is nullable",
        "co-location group client: distribution columns of different types ['BIGINT', 'INTEGER']",
    ]
    missing = {"b": _table("b")}
    assert violations(missing, {"b": Placement(DISTRIBUTED, "tenant", "x")}) == [
        "b: no distribution column tenant"
    ]


def test_ids_not_fed_by_a_sequence_are_a_violation() -> None:
    columns = (ColumnShape("id", "INTEGER", False, False), ColumnShape("client_id", "INTEGER", False))
    table = TableShape("t", columns, (Key("pk_t", ("client_id", "id"), "primary key"),))
    assert violations({"t": table}, {"t": BY_CLIENT}) == [
        "t: id is not fed by a sequence, so ids may repeat across shards"
    ]


def test_constraint_changes_put_client_id_first_and_fix_the_schema() -> None:
    parent = _table(
        "parent", Key("pk_parent", ("id",), "primary key"), Key("ux_parent", ("parent_id",), "unique index")
    )
    child = _table(
        "child",
        Key("pk_child", ("id",), "primary key"),
        fks=(_fk("child", ("parent_id",), "parent", ("id",)),),
    )
    shapes = {"parent": parent, "child": child}
    plan = {"parent": BY_CLIENT, "child": BY_CLIENT}
    assert len(violations(shapes, plan)) == 4
    changes = constraint_changes(shapes, plan)
    assert violations(changes.shapes, plan) == []
    assert changes.before == (
        "ALTER TABLE child DROP CONSTRAINT fk_child_parent;",
        "ALTER TABLE child DROP CONSTRAINT pk_child, ADD CONSTRAINT pk_child PRIMARY KEY (client_id, id);",
        "ALTER TABLE parent DROP CONSTRAINT pk_parent, ADD CONSTRAINT pk_parent PRIMARY KEY (client_id, id);",
        "DROP INDEX ux_parent;",
        "CREATE UNIQUE INDEX ux_parent ON parent (client_id, parent_id);",
    )
    assert changes.after == (
        "ALTER TABLE child ADD CONSTRAINT fk_child_parent FOREIGN KEY (client_id, parent_id) "
        "REFERENCES parent (client_id, id) ON DELETE CASCADE;",
    )


def test_a_reference_table_referring_to_a_distributed_one_is_not_fixed_by_ddl() -> None:
    parent = _table("parent")
    ref = _table("ref", fks=(_fk("ref", ("parent_id",), "parent", ("id",)),))
    plan = {"parent": BY_CLIENT, "ref": Placement(REFERENCE)}
    changes = constraint_changes({"parent": parent, "ref": ref}, plan)
    assert changes.before == () and violations(changes.shapes, plan) != []


def test_citus_calls_create_referred_reference_tables_first_and_anchor_each_group() -> None:
    client = TableShape("client", (ColumnShape("id", "INTEGER", False),))
    user = _table("user_x", fks=(_fk("user_x", ("client_id",), "client", ("id",)),))
    shapes = {"user_x": user, "client": client, "a": _table("a"), "b": _table("b")}
    plan = {"user_x": Placement(REFERENCE), "client": Placement(REFERENCE), "a": BY_CLIENT, "b": BY_CLIENT}
    assert citus_calls(shapes, plan) == [
        "SELECT create_reference_table('client');",
        "SELECT create_reference_table('user_x');",
        "SELECT create_distributed_table('a', 'client_id', colocate_with => 'none');",
        "SELECT create_distributed_table('b', 'client_id', colocate_with => 'a');",
    ]
