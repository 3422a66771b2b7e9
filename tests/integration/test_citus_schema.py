"""The live migrated schema against Citus's rules (docs/scaling.md "A distributed PostgreSQL (Citus)"):
every table has a placement; today's schema breaks only the rules the plan's constraint changes fix (keys
and foreign keys without ``client_id``); after the changes no rule is broken. On PostgreSQL the emitted
DDL itself is run (in a schema of its own, built by the migrations) and the schema it leaves is read back
and checked again. ``revrec db citus-ddl`` prints the script."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from cli_support import point_cli_at, run
from revrec.config import Settings
from revrec.db import citus, migrate
from revrec.db.citus_rules import DISTRIBUTED, violations
from revrec.db.session import make_engine, transaction

FIXED_BY_DDL = re.compile(
    r"^(\w+): (primary key|unique|unique index) \w+ \(.*\) "
    r"does not include the distribution column client_id$"
    r"|^(\w+): foreign key \w+ to \w+: does not pair the distribution columns client_id -> client_id$"
)


def test_every_table_of_the_schema_is_placed(engine: Engine) -> None:
    with transaction(engine, readonly=True) as conn:
        shapes = citus.read_schema(conn)
    assert set(shapes) == set(citus.PLAN)


def test_todays_schema_breaks_only_rules_the_constraint_changes_fix(engine: Engine) -> None:
    with transaction(engine, readonly=True) as conn:
        shapes = citus.read_schema(conn)
    before = violations(shapes, citus.PLAN)
    assert before, "the schema already fits Citus: drop the constraint changes from the plan and the docs"
    assert [v for v in before if not FIXED_BY_DDL.match(v)] == []
    changes = citus.constraint_changes(shapes, citus.PLAN)
    assert violations(changes.shapes, citus.PLAN) == []
    assert len(changes.before) >= len(before)  # one statement (or two) per broken key or foreign key


def test_every_distributed_business_table_is_distributed_by_client(engine: Engine) -> None:
    with transaction(engine, readonly=True) as conn:
        shapes = citus.read_schema(conn)
    by_client = {n for n, s in shapes.items() if s.column("client_id") is not None}
    distributed = {n for n, p in citus.PLAN.items() if p.kind == DISTRIBUTED}
    assert {n for n in distributed if citus.PLAN[n].column == "client_id"} == distributed - {"auth_failure"}
    # tables with client_id that are not distributed: the small reference tables, the job queue and the
    # split collection plan kept with it
    assert by_client - distributed == {
        "app_user",
        "book",
        "job",
        "collection_part_line",
        "org",
        "role",
        "upload_template",
    }


@pytest.fixture
def scratch_schema(database_url: str) -> Iterator[Engine]:
    """A schema of its own on the PostgreSQL test database, built by the migrations, dropped after."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the DDL is PostgreSQL's (Citus runs on PostgreSQL)")
    schema = f"citus_check_{os.getpid()}"
    admin = make_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = make_engine(database_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        migrate.upgrade(scoped)
        yield scoped
    finally:
        scoped.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_the_emitted_ddl_runs_and_leaves_a_schema_citus_accepts(scratch_schema: Engine) -> None:
    with transaction(scratch_schema) as conn:
        shapes = citus.read_schema(conn)
        changes = citus.constraint_changes(shapes, citus.PLAN)
        for statement in (*changes.before, *changes.after):
            conn.execute(text(statement))
        after = citus.read_schema(conn)
    assert violations(shapes, citus.PLAN) != []
    assert violations(after, citus.PLAN) == []
    assert after["rc_line"].keys[0].columns == ("client_id", "id")


def test_cli_prints_the_citus_script(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Settings, engine: Engine
) -> None:
    point_cli_at(monkeypatch, settings)
    code, out, err = run(capsys, "db", "citus-ddl")
    assert (code, err) == (0, "")
    assert "SELECT create_reference_table('client');" in out
    assert "SELECT create_distributed_table('revenue_contract', 'client_id', colocate_with => 'none');" in out
    assert (
        "SELECT create_distributed_table('rc_line', 'client_id', colocate_with => 'revenue_contract');" in out
    )
    assert "SELECT citus_add_local_table_to_metadata('job');" in out
    assert (
        "ALTER TABLE rc_warning ADD CONSTRAINT fk_rc_warning_rc_id_revenue_contract FOREIGN KEY "
        "(client_id, rc_id) REFERENCES revenue_contract (client_id, id) ON DELETE CASCADE;" in out
    )
    assert (
        out.index("DROP CONSTRAINT fk_rc_warning_rc_id")
        < out.index("create_reference_table")
        < out.index("ADD CONSTRAINT fk_rc_warning_rc_id")
    )
    # the tables whose foreign key to their contract already carries client_id (migration 0035) keep it
    assert "fk_rc_line_" not in out
    assert "fk_stage_line_" not in out  # so does staging's to its upload (migration 0036)
