"""Every text cell is checked like every number, on both databases: cells longer than their column, control
characters, over-long file names, over-long lines, header-only files; problems are capped but counted."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from inbound_data import BUNDLE_LABELS, EVENT_LABELS, so_line, to_csv, transactions
from revrec.db.session import transaction
from revrec.db.tables import bundle_config, stage_event, stage_line, upload
from revrec.jobs import worker
from support import login, make_tenant, unique

CSV_UPLOAD = "/api/integration/v1/csv/upload"
FILE_UPLOAD = "/api/integration/v1/upload/file"


def _send(http: TestClient, headers: dict[str, str], body: str, *, name: str | None = None,
          template: str = "Standard Transaction") -> Any:  # fmt: skip
    return http.post(
        CSV_UPLOAD,
        headers={**headers, "templatename": template, "filename": name or unique("f") + ".csv"},
        content=body.encode(),
    )


def _errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 400, response.text
    return list(response.json()["result"]["errors"])


@pytest.fixture
def headers(http: TestClient, engine: Engine) -> dict[str, str]:
    return login(http, make_tenant(engine))


def test_a_cell_longer_than_its_column_is_400_naming_row_column_and_limit(
    http: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    body = transactions(so_line("T1"), so_line("T2", **{"Cstmr Nm": "N" * 301}))
    (error,) = _errors(_send(http, headers, body))
    assert (error["row"], error["column"], error["code"]) == (3, "Cstmr Nm", "RREV-03012")
    assert error["reason"] == "The value has 301 characters; Cstmr Nm holds at most 300"
    assert error["value"] == "N" * 100 + "… (301 characters)"
    at_limit = _send(http, headers, transactions(so_line("T3", **{"Cstmr Nm": "é" * 300})))
    assert at_limit.status_code == 200, at_limit.text
    worker.run_until_idle(engine)  # (PostgreSQL holds the rows until staging)
    with transaction(engine) as conn:
        stored = conn.execute(
            select(stage_line.c.cstmr_nm).where(stage_line.c.upload_id == at_limit.json()["result"]["id"])
        ).scalar_one()
    assert stored == "é" * 300


def test_a_ten_megabyte_cell_is_refused_not_stored(http: TestClient, headers: dict[str, str]) -> None:
    body = transactions(so_line("T1", **{"Atr10": "x" * (1 << 20)}))
    response = _send(http, headers, body)
    (error,) = _errors(response)
    assert (error["row"], error["code"]) == (2, "RREV-03015")
    assert "1048576 bytes" in error["reason"]


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f"])
def test_control_characters_are_400_on_every_database(
    http: TestClient, headers: dict[str, str], char: str
) -> None:
    body = transactions(so_line("T1", **{"Item Num": f"SKU{char}1"}))
    (error,) = _errors(_send(http, headers, body))
    assert (error["row"], error["column"], error["code"]) == (2, "Item Num", "RREV-03013")


def _multipart(file_name: str, body: str) -> tuple[bytes, str]:
    """A multipart body with the file name as raw bytes (httpx would percent-encode a control character)."""
    disposition = f'Content-Disposition: form-data; name="file"; filename="{file_name}"'
    part = f"--B\r\n{disposition}\r\n\r\n{body}\r\n--B--\r\n"
    return part.encode(), "multipart/form-data; boundary=B"


def test_over_long_and_control_file_names_are_400(http: TestClient, headers: dict[str, str]) -> None:
    body = transactions(so_line("T1"))
    response = _send(http, headers, body, name="n" * 301 + ".csv")
    assert response.status_code == 400
    assert response.json()["message"] == "File name is 305 characters long; at most 300 are allowed"
    for name, expected in (("a" * 296 + ".csv", 200), ("bad\x01name.csv", 400)):
        content, kind = _multipart(name, body)
        response = http.post(
            FILE_UPLOAD,
            headers={**headers, "templatename": "Standard Transaction", "content-type": kind},
            content=content,
        )
        assert response.status_code == expected, response.text
    assert response.json()["message"] == "File name contains the control character U+0001; remove it"


def test_a_header_only_file_is_refused_and_keeps_its_name_free(
    http: TestClient, headers: dict[str, str]
) -> None:
    name = unique("header-only") + ".csv"
    (error,) = _errors(_send(http, headers, transactions(), name=name))
    assert error["code"] == "RREV-03016" and "no data lines" in error["reason"]
    assert _send(http, headers, transactions(so_line("H1")), name=name).status_code == 200


def test_a_header_wider_than_the_template_is_refused_at_once(
    http: TestClient, headers: dict[str, str]
) -> None:
    body = ",".join(f"Label {i}" for i in range(5000)) + "\n" + "x\n" * 100
    (error,) = _errors(_send(http, headers, body))
    assert (error["row"], error["code"]) == (1, "RREV-03014")
    assert "5000 columns" in error["reason"] and "77" in error["reason"]


def test_problems_are_capped_and_counted(http: TestClient, headers: dict[str, str]) -> None:
    body = transactions(*(so_line(f"P{i}", **{"Ord Qty": "x", "Ext Sll Prc": "y"}) for i in range(700)))
    response = _send(http, headers, body)
    assert len(_errors(response)) == 1000
    assert response.json()["result"]["message"].startswith(
        "Upload rejected: 1400 problem(s) found (the first 1000"
    )


def test_long_event_and_bundle_cells_are_stored_whole(
    http: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    """Their line keys join several cells; a key longer than the column is kept as its SHA-256."""
    line_id, event_type = "L" * 300, "E" * 300
    assert _send(http, headers, transactions(so_line(line_id))).status_code == 200
    event = {"Doc Line Id": line_id, "Event Type": event_type, "Process Type": "Percent", "Action": "REC",
             "Release Pct": "50", "Event Date": "15-MAR-2025"}  # fmt: skip
    events = to_csv(EVENT_LABELS, [event])
    response = _send(http, headers, events, template="Standard Event")
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    bundles = to_csv(BUNDLE_LABELS, [{"Bndl Cfg Item Num": "B" * 300, "Parent Item Num": "P" * 300}])
    bundle_response = _send(http, headers, bundles, template="Standard Bundle")
    assert bundle_response.status_code == 200, bundle_response.text
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        stored = conn.execute(
            select(stage_event.c.event_type, stage_event.c.line_key).where(
                stage_event.c.upload_id == response.json()["result"]["id"]
            )
        ).one()
        bundle = conn.execute(
            select(bundle_config.c.parent_item_num).where(
                bundle_config.c.upload_id == bundle_response.json()["result"]["id"]
            )
        ).scalar_one()
        statuses = conn.execute(
            select(upload.c.status).where(
                upload.c.id.in_([response.json()["result"]["id"], bundle_response.json()["result"]["id"]])
            )
        ).scalars()
        assert set(statuses) == {"Staged"}
    assert stored.event_type == event_type and stored.line_key.startswith("sha256:")
    assert bundle == "P" * 300
