"""Pre-stage through the holding table (PostgreSQL) and through stage_line (SQLite) give the same answer
as the Python reference check, on a file with many kinds of bad cells, and store the same values.

On PostgreSQL a transaction upload's checked rows are ``COPY``-ed as text into stage_line_hold and moved
into stage_line by staging (``revrec.inbound.line_screen.move_held``); on SQLite they are inserted into
stage_line at once. Either way the errors (row, column, value, code, reason) are those of
the reference check (``PrestageChecker``) and the values staging ends with are the checked values.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from cli_support import point_cli_at, run
from inbound_data import so_line, transactions
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.stage_columns import sql_name
from revrec.db.tables import stage_line, stage_line_hold
from revrec.inbound.bulk import storage_limits, text_limit
from revrec.inbound.prestage import PrestageChecker
from revrec.inbound.templates_std import STANDARD_TRANSACTION
from revrec.inbound.uploads import problem_dict
from revrec.jobs import worker
from support import login, make_tenant, unique

URL = "/api/integration/v1/csv/upload"

#: One row a kind of bad cell (and a few rows with several), between valid rows.
BAD_ROWS = [
    so_line("B1", **{"Ext Sll Prc": "1,000"}),  # thousands separator (quoted by the CSV writer)
    so_line("B2", **{"Ext Sll Prc": "1e3", "Ord Qty": "--5"}),  # exponent; a formula
    so_line("B3", **{"Ext Sll Prc": "1.0000001"}),  # more decimals than stored
    so_line("B4", **{"F Ex Rate": "100000000"}),  # a rate too large to store
    so_line("B5", **{"Cstmr Nm": "N" * 301}),  # longer than the column
    so_line("B6", **{"Cstmr Nm": "bell\x07"}),  # a control character
    so_line("B7", **{"Atr10": "=SUM(A1)", "Atr11": "@cmd"}),  # formulas (BLOCK)
    so_line("B8", **{"Doc Date": "31-FEB-2025", "Start Date": "2025-01-01"}),  # not dates in the format
    so_line("B9", **{"Ext Sll Prc": " 12 ", "Cstmr Nm": "  ok  "}),  # valid once stripped
    so_line("B10", **{"Ord Qty": "- 5", "End Date": "1-jan-2026"}),  # blank after the minus; a valid date
]


def _send(http: TestClient, token: dict[str, str], body: str) -> tuple[int, dict[str, object]]:
    headers = {**token, "templatename": "Standard Transaction", "filename": unique("f")}
    response = http.post(URL, headers=headers, content=body.encode())
    return response.status_code, response.json()


def test_bad_cells_give_the_reference_errors(http: TestClient, engine: Engine) -> None:
    token = login(http, make_tenant(engine))
    rows = [so_line("V1"), *BAD_ROWS, so_line("V2")]
    body = transactions(*rows) + "short,row\n"  # and a wrong field count
    status, answer = _send(http, token, body)
    checker = _checker()
    for _ in checker.rows(body):
        pass
    reference = checker.result()
    assert status == 400 and not reference.ok
    errors = answer["result"]["errors"]  # type: ignore[index]
    expected = [problem_dict(e) for e in reference.errors]
    assert errors == expected
    assert {e["code"] for e in errors} >= {"RREV-03007", "RPRO-00603", "RREV-03011", "RREV-03012",
                                          "RREV-03013", "RREV-03008", "RREV-03006"}  # fmt: skip
    with transaction(engine) as conn:  # nothing kept, anywhere
        for table in (stage_line, stage_line_hold):
            assert not conn.execute(select(table.c.row_num).where(table.c.client_id == _client(conn))).all()


def _checker() -> PrestageChecker:
    """The reference, with the storage limits the upload API checks against."""
    return PrestageChecker(STANDARD_TRANSACTION, number_limits=storage_limits, text_limits=text_limit)


def _client(conn: object) -> int:
    from revrec.db.tables import upload

    return int(conn.execute(select(upload.c.client_id).order_by(upload.c.id.desc()).limit(1)).scalar_one())  # type: ignore[attr-defined]


def test_valid_rows_of_every_form_are_stored_as_checked(http: TestClient, engine: Engine) -> None:
    token = login(http, make_tenant(engine))
    rows = [
        so_line("S1"),
        so_line("S2", **{"Ext Sll Prc": " 12 ", "Cstmr Nm": "  Acme  ", "Doc Date": "1-feb-2025"}),
        so_line("S3", **{"Atr10": 'quoted, "q"\nline', "Ord Qty": "-.5", "F Ex Rate": "1.00000"}),
        so_line("S4", **{"Atr10": "back\\slash", "Atr11": "-12.5", "Ext Lst Prc": "0001200.000"}),
    ]
    body = transactions(*rows)
    status, answer = _send(http, token, body)
    assert status == 200, answer
    upload_id = answer["result"]["id"]  # type: ignore[index]
    expected = {row.row: row.values for row in _checker().rows(body)}
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        stored = conn.execute(select(stage_line).where(stage_line.c.upload_id == upload_id)).all()
        assert not conn.execute(
            select(stage_line_hold.c.row_num).where(stage_line_hold.c.upload_id == upload_id)
        ).all()
    assert sorted(r.row_num for r in stored) == sorted(expected)
    for row in stored:
        values = row._mapping
        for col_name, value in expected[row.row_num].items():
            assert values[sql_name(col_name)] == value, (row.row_num, col_name)


def test_deleting_an_upload_not_yet_staged_leaves_staging_nothing(
    http: TestClient,
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``revrec staging delete --upload N --include-valid`` before staging ran: on PostgreSQL the upload's
    rows are still held (stage_line_hold), on SQLite they are pre-staged (P) lines of stage_line; either way
    they are deleted, and staging then stages none of them. A dry run deletes nothing."""
    point_cli_at(monkeypatch, settings)
    tenant = make_tenant(engine)
    token = login(http, tenant)
    status, answer = _send(http, token, transactions(so_line("D1"), so_line("D2"), so_line("D3")))
    assert status == 200, answer
    upload_id = str(answer["result"]["id"])  # type: ignore[index]
    args = ("staging", "delete", "--client", tenant.client, "--upload", upload_id, "--include-valid")
    assert run(capsys, *args, "--dry-run")[0] == 0
    assert _lines(engine, int(upload_id)) == 3
    code, out, _ = run(capsys, *args)
    assert code == 0
    if engine.dialect.name == "postgresql":
        assert out.splitlines() == [
            "deleted 0 transaction staging row(s): -",
            f"deleted 3 row(s) of upload {upload_id} not yet staged",
        ]
    else:
        assert out.startswith("deleted 3 transaction staging row(s): ")
    assert _lines(engine, int(upload_id)) == 0
    worker.run_until_idle(engine)
    assert _lines(engine, int(upload_id)) == 0


def _lines(engine: Engine, upload_id: int) -> int:
    """The upload's rows in stage_line and stage_line_hold."""
    with transaction(engine) as conn:
        return sum(
            len(conn.execute(select(t.c.row_num).where(t.c.upload_id == upload_id)).all())
            for t in (stage_line, stage_line_hold)
        )


def test_staging_leaves_the_holding_table_no_bigger_than_one_upload(http: TestClient, engine: Engine) -> None:
    """PostgreSQL: each staging job vacuums stage_line_hold once it committed, so the next upload's rows
    take the place of the moved ones. Without it the table grew by every upload of a bulk load (the dead
    rows kept their pages until autovacuum), and every move's scans of it read them all."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the holding table is PostgreSQL's")
    token = login(http, make_tenant(engine))

    def hold_stats() -> tuple[int, int]:  # (pages, vacuums so far)
        with transaction(engine) as conn:
            pages = conn.exec_driver_sql("SELECT pg_relation_size('stage_line_hold') / 8192").scalar_one()
            vacuums = conn.exec_driver_sql(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'stage_line_hold'"
            ).scalar_one()
        return int(pages), int(vacuums)

    sizes = []
    for upload in range(4):
        # each line its own sales order: rows waiting under one SO number would skew the planner's
        # statistics of stage_line.so_num for the tests after this one
        rows = [
            so_line(f"H{upload}-{n}", **{"Doc Num": f"HOLD-{upload}-{n}", "Cstmr Nm": "N" * 100})
            for n in range(1500)
        ]
        status, answer = _send(http, token, transactions(*rows))
        assert status == 200, answer
        _, vacuums = hold_stats()
        worker.run_until_idle(engine)
        pages, vacuumed = hold_stats()
        assert vacuumed == vacuums + 1  # the staging job's own vacuum
        sizes.append(pages)
    # one upload's held rows fill over 50 pages (1,500 rows of over 100 bytes; 111 for 3,000): three more
    # uploads would have added over 150 without the vacuum
    assert sizes[-1] - sizes[0] < 16, sizes
