"""Staging refreshes the statistics of PLANNED_COLUMNS only: every column its upload-wide queries select,
join or group rows on must be one of them (the planner sizes those queries from these statistics)."""

from __future__ import annotations

import re

from sqlalchemy.dialects import postgresql

from revrec.inbound import repository as repo
from revrec.inbound.line_screen import screen_condition
from revrec.inbound.staging import PLANNED_COLUMNS
from revrec.inbound.uploads import STAGING_TABLES


def test_the_screen_subqueries_plan_on_planned_columns() -> None:
    condition = screen_condition(False)
    # the screen's subqueries alias stage_line as ``so`` (SO references) and ``d`` (repeated line ids)
    used = set(re.findall(r"\b(?:so|d)\.(\w+)", condition))
    assert used and used <= set(PLANNED_COLUMNS), used - set(PLANNED_COLUMNS)


def test_the_unknown_reference_query_plans_on_planned_columns() -> None:
    from revrec.db.tables import stage_line

    captured: list[str] = []

    class Recorder:
        dialect = postgresql.dialect()

        def execute(self, statement: object) -> Recorder:
            captured.append(str(statement.compile(dialect=self.dialect)))  # type: ignore[attr-defined]
            return self

        def scalars(self) -> list[object]:
            return []

    repo.unknown_so_references(Recorder(), stage_line, 1, 2, ("SO", "RORD"), ("INV", "RORD"), ("N", "Y"))  # type: ignore[arg-type]
    assert captured
    used = set(re.findall(r"\bstage_line(?:_\d+)?\.(\w+)", captured[0])) | set(
        re.findall(r"\bso\.(\w+)", captured[0])
    )
    assert {"so_line_id", "orig_so_line_id", "line_key"} <= used
    used.discard("id")  # only selected (EXISTS), never compared
    assert used <= set(PLANNED_COLUMNS), used - set(PLANNED_COLUMNS)


def test_every_staging_table_has_its_generic_planned_columns() -> None:
    for table in STAGING_TABLES.values():
        assert {"client_id", "upload_id", "processed_flag", "line_key"} <= set(table.c.keys())
