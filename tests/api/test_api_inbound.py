"""Inbound through HTTP: mapping, both upload APIs, all-or-nothing pre-stage, staging, stage errors,
repost."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from inbound_data import BUNDLE_LABELS, EVENT_LABELS, billing_line, so_line, to_csv, transactions
from revrec.db.session import transaction
from revrec.db.tables import bundle_config, stage_error, stage_line, upload
from revrec.jobs import worker
from support import login, make_tenant, unique

CSV_UPLOAD = "/api/integration/v1/csv/upload"
FILE_UPLOAD = "/api/integration/v1/upload/file"


def _send(
    http: TestClient,
    headers: dict[str, str],
    body: str,
    *,
    template: str = "Standard Transaction",
    name: str | None = None,
) -> object:
    return http.post(
        CSV_UPLOAD,
        headers={
            **headers,
            "templatename": template,
            "filename": name or unique("f") + ".csv",
            "content-type": "text/plain",
        },
        content=body.encode(),
    )


def _rows(engine: Engine, upload_id: int) -> int:
    with transaction(engine) as conn:
        return int(conn.execute(select(func.count()).where(stage_line.c.upload_id == upload_id)).scalar_one())


def test_mapping_of_standard_template(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    response = http.get(
        "/api/integration/v1/upload/mapping", params={"templatename": "Standard Transaction"}, headers=headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["Dateformat"] == "DD-MON-YYYY"
    assert len(body["Mapping"]) == 77
    first = body["Mapping"][0]
    assert set(first) == {"client_id", "col_name", "data_type", "id", "label", "seq", "upload_id"}
    by_label = {m["label"]: m for m in body["Mapping"]}
    assert (
        by_label["Ext Sll Prc"]["col_name"] == "EXT_SLL_PRC"
        and by_label["Ext Sll Prc"]["data_type"] == "Number"
    )
    assert by_label["Doc Line Id"]["col_name"] == "SO_LINE_ID"
    assert (
        http.post(
            "/api/integration/v1/upload/mapping", params={"templatename": "Standard Event"}, headers=headers
        ).status_code
        == 200
    )
    missing = http.get("/api/integration/v1/upload/mapping", params={"templatename": "Nope"}, headers=headers)
    assert missing.status_code == 400 and "'Nope'" in missing.json()["message"]


def test_every_transaction_type_is_staged(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    body = transactions(
        so_line("L1"),
        billing_line("INV", "L1", "I1", "1200.00"),
        billing_line("CM", "L1", "C1", "-100.00", **{"Orig Inv Line Id": "I1"}),
        billing_line("CM-C", "L1", "C2", "-100.00", **{"Orig Inv Line Id": "I1"}),
        billing_line("CM-R", "L1", "C3", "-100.00", **{"Orig Inv Line Id": "I1", "Credit Rule": "P"}),
        billing_line("CM-RO", "L1", "C4", "-100.00", **{"Orig So Line Id": "L1"}),
        so_line(
            "R1", Type="RORD", **{"Orig So Line Id": "L1", "Ext Sll Prc": "-100.00", "Ext Lst Prc": "-100.00"}
        ),
    )
    response = _send(http, headers, body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["status"] == "Success" and payload["message"] == "Data Staged Successfully"
    result = payload["result"]
    assert result["status"] == "Successfully Uploaded" and result["message"] == "Data Received"
    status = http.get("/api/integration/v1/csv/upload/status", params={"id": result["id"]}, headers=headers)
    assert status.json()["result"]["status"] == "Successfully Uploaded"
    worker.run_until_idle(engine)
    staged = http.get(f"/api/integration/v1/fileupload/status/{result['id']}", headers=headers).json()
    assert staged["message"] == "Data Staged Successfully"
    assert staged["Result"][0]["file_request_id"] == result["id"]
    assert "7 valid, 0 with errors" in staged["Result"][0]["file_log"]
    assert http.get("/api/integration/v1/stage/error/transaction", headers=headers).status_code == 204
    with transaction(engine) as conn:
        flags = conn.execute(
            select(stage_line.c.processed_flag).where(stage_line.c.upload_id == result["id"])
        )
        assert sorted(flags.scalars()) == ["N"] * 7


def test_bad_upload_is_rejected_whole_with_every_bad_row(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    body = transactions(
        so_line("L1"),
        so_line("L2", **{"Doc Date": "2025-01-15"}),
        so_line("L3", **{"Ext Sll Prc": "12,00"}),
        so_line("L4", **{"Cstmr Nm": '=HYPERLINK("x")'}),
    )
    response = _send(http, headers, body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["status"] == "Error" and payload["result"]["status"] == "Failed"
    errors = payload["result"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "Doc Date"), (4, "Ext Sll Prc"), (5, "Cstmr Nm")]
    assert errors[2]["code"] == "RPRO-00603"
    assert _rows(engine, payload["result"]["id"]) == 0
    status = http.get(
        "/api/integration/v1/csv/upload/status", params={"id": payload["result"]["id"]}, headers=headers
    ).json()
    assert status["result"]["status"] == "Failed" and len(status["result"]["errors"]) == 3


def test_header_problems_are_named(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    body = "Type,Doc Line Id,Colour,Doc Line Id\nSO,L1,red,L1\n"
    response = _send(http, headers, body)
    assert response.status_code == 400
    reasons = " ".join(e["reason"] for e in response.json()["result"]["errors"])
    assert "Colour" in reasons and "Doc Line Id" in reasons


def test_same_file_name_is_refused_but_a_failed_name_may_be_resent(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    name = unique("dup") + ".csv"
    assert _send(http, headers, transactions(so_line("L1")), name=name).status_code == 200
    again = _send(http, headers, transactions(so_line("L1")), name=name)
    assert again.status_code == 400 and "already uploaded" in again.json()["message"]
    bad_name = unique("bad") + ".csv"
    assert (
        _send(http, headers, transactions(so_line("L9", **{"Doc Date": "x"})), name=bad_name).status_code
        == 400
    )
    assert _send(http, headers, transactions(so_line("L9")), name=bad_name).status_code == 200
    worker.run_until_idle(engine)


def test_line_errors_stage_errors_and_repost(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    body = transactions(
        so_line("L1", **{"Cstmr Nm": ""}),
        billing_line("INV", "UNKNOWN", "I9", "10.00"),
        so_line("L2"),
    )
    upload_id = _send(http, headers, body).json()["result"]["id"]
    worker.run_until_idle(engine)
    errors = http.get("/api/integration/v1/stage/error/transaction", headers=headers)
    assert errors.status_code == 200
    result = errors.json()["Result"]
    assert errors.json()["status"] == "Success"
    assert [r["so_line_id"] for r in result] == ["L1", "UNKNOWN"]
    assert "RPRO-00003" in result[0]["err_msg"] and result[0]["processed_flag"] == "E"
    assert "RPRO-00600" in result[1]["err_msg"] and result[1]["inv_line_id"] == "I9"
    assert result[0]["upload_id"] == str(upload_id)
    # re-send L1 fixed: the errored row is replaced
    _send(http, headers, transactions(so_line("L1")))
    worker.run_until_idle(engine)
    remaining = http.get("/api/integration/v1/stage/error/transaction", headers=headers).json()["Result"]
    assert [r["so_line_id"] for r in remaining] == ["UNKNOWN"]
    assert http.get("/api/integration/v1/stage/error/bundle", headers=headers).status_code == 400


def test_upload_file_multipart_and_status(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    files = {"file": ("orders.csv", transactions(so_line("L1"), so_line("L2")).encode(), "text/csv")}
    response = http.post(
        FILE_UPLOAD, headers={**headers, "templatename": "Standard Transaction"}, files=files
    )
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "File received successfully" and body["status"] == "Success"
    request_id = body["file_request_id"]
    worker.run_until_idle(engine)
    status = http.get(f"/api/integration/v1/fileupload/status/{request_id}", headers=headers)
    assert status.status_code == 200 and status.json()["status"] == "Success"
    assert http.get("/api/integration/v1/fileupload/status/999999", headers=headers).status_code == 204
    other = login(http, make_tenant(engine))
    assert http.get(f"/api/integration/v1/fileupload/status/{request_id}", headers=other).status_code == 204
    unknown = http.post(FILE_UPLOAD, headers={**headers, "templatename": "Nope"}, files=files)
    assert unknown.status_code == 400 and "'Nope'" in unknown.json()["message"]


def test_events_and_bundles(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    _send(http, headers, transactions(so_line("L1")))
    worker.run_until_idle(engine)
    events = to_csv(
        EVENT_LABELS,
        [
            {
                "Doc Line Id": "L1",
                "Event Type": "Acceptance",
                "Process Type": "Percent",
                "Action": "REC",
                "Release Pct": "50",
                "Event Date": "15-MAR-2025",
            },
            {
                "Doc Line Id": "NOPE",
                "Event Type": "Acceptance",
                "Process Type": "Percent",
                "Action": "REC",
                "Release Pct": "50",
                "Event Date": "15-MAR-2025",
            },
        ],
    )
    response = _send(http, headers, events, template="Standard Event")
    assert response.status_code == 200, response.text
    worker.run_until_idle(engine)
    errors = http.get("/api/integration/v1/stage/error/event", headers=headers).json()["Result"]
    assert [e["so_line_id"] for e in errors] == ["NOPE"]
    parent = {"Sell Price Split Type": "PCT_OF_SP", "Bndl Cfg Valid From": "01-JAN-2025"}
    bundles = to_csv(
        BUNDLE_LABELS,
        [
            {"Bndl Cfg Item Num": "SUITE", **parent},
            {"Bndl Cfg Item Num": "APP", "Parent Item Num": "SUITE", "Sell Price Split Val": "60"},
            {"Bndl Cfg Item Num": "SUPPORT", "Parent Item Num": "SUITE", "Sell Price Split Val": "40"},
            {"Bndl Cfg Item Num": "BAD", **parent},
            {"Bndl Cfg Item Num": "X", "Parent Item Num": "BAD", "Sell Price Split Val": "50"},
            {"Bndl Cfg Item Num": "Y", "Parent Item Num": "BAD", "Sell Price Split Val": "40"},
        ],
    )
    upload_id = _send(http, headers, bundles, template="Standard Bundle").json()["result"]["id"]
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        flags = dict(
            conn.execute(
                select(bundle_config.c.bndl_cfg_item_num, bundle_config.c.processed_flag).where(
                    bundle_config.c.upload_id == upload_id
                )
            ).all()
        )
        messages = list(
            conn.execute(
                select(stage_error.c.message).where(
                    stage_error.c.kind == "bundle",
                    stage_error.c.row_id.in_(
                        select(bundle_config.c.id).where(bundle_config.c.upload_id == upload_id)
                    ),
                )
            ).scalars()
        )
    assert flags["SUITE"] == flags["APP"] == flags["SUPPORT"] == "N"
    assert flags["BAD"] == "E"
    assert any("BAD" in m and "100" in m for m in messages)


def test_limits(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    headers = login(http, tenant)
    first = _send(http, headers, transactions(so_line("A1")))
    second = _send(http, headers, transactions(so_line("A2")))
    assert first.status_code == second.status_code == 200
    third = _send(http, headers, transactions(so_line("A3")))
    assert third.status_code == 429 and "at most 2" in third.json()["message"]
    worker.run_until_idle(engine)
    assert _send(http, headers, transactions(so_line("A3"))).status_code == 200
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        assert conn.execute(select(func.count()).where(upload.c.status == "Receiving")).scalar_one() == 0


def test_invalid_utf8_and_oversize_bodies(http: TestClient, engine: Engine, settings: object) -> None:
    from revrec.config import Settings
    from revrec.http.app import create_app

    headers = login(http, make_tenant(engine))
    good = transactions(so_line("U1")).encode()
    bad = good.replace(b"Acme Corp", b"Acme \xff Corp")
    response = http.post(
        CSV_UPLOAD,
        headers={**headers, "templatename": "Standard Transaction", "filename": unique("u")},
        content=bad,
    )
    assert response.status_code == 400
    (error,) = response.json()["result"]["errors"]
    assert error["row"] == 2 and "UTF-8" in error["reason"]
    assert isinstance(settings, Settings)
    small = settings.model_copy(update={"max_body_bytes": 4096})
    with TestClient(create_app(small, engine=engine)) as limited:
        big = transactions(*(so_line(f"B{i}") for i in range(40))).encode()
        response = limited.post(
            CSV_UPLOAD,
            headers={**headers, "templatename": "Standard Transaction", "filename": unique("b")},
            content=big,
        )
        assert response.status_code == 413
        files = {"file": ("big.csv", big, "text/csv")}
        response = limited.post(
            FILE_UPLOAD, headers={**headers, "templatename": "Standard Transaction"}, files=files
        )
        assert response.status_code == 413


def test_billing_and_reduction_lines_find_their_so_line_where_staging_allows(
    http: TestClient, engine: Engine
) -> None:
    # An SO line is known when it is in the same upload or staged valid for this client; not when it only
    # errored, and never another client's.
    other = login(http, make_tenant(engine))
    _send(http, other, transactions(so_line("THEIRS")))
    headers = login(http, make_tenant(engine))
    _send(http, headers, transactions(so_line("STAGED"), so_line("BROKEN", **{"Cstmr Nm": ""})))
    worker.run_until_idle(engine)
    body = transactions(
        billing_line("INV", "STAGED", "I1", "10.00"),
        billing_line("INV", "HERE", "I2", "10.00"),
        so_line("HERE"),
        billing_line("INV", "BROKEN", "I3", "10.00"),
        billing_line("INV", "THEIRS", "I4", "10.00"),
        billing_line("CM-RO", "", "C1", "-10.00", **{"Orig So Line Id": "NOWHERE"}),
        so_line("R1", Type="RORD", **{"Orig So Line Id": "STAGED", "Ext Sll Prc": "-1", "Ext Lst Prc": "-1"}),
    )
    upload_id = _send(http, headers, body).json()["result"]["id"]  # type: ignore[attr-defined]
    worker.run_until_idle(engine)
    with transaction(engine) as conn:
        unknown = conn.execute(
            select(stage_line.c.line_key, stage_error.c.col_name)
            .join(stage_error, stage_error.c.row_id == stage_line.c.id)
            .where(stage_line.c.upload_id == upload_id, stage_error.c.code == "RPRO-00600")
            .order_by(stage_line.c.row_num)
        ).all()
    assert [tuple(r) for r in unknown] == [
        ("I3", "SO_LINE_ID"),
        ("I4", "SO_LINE_ID"),
        ("C1", "ORIG_SO_LINE_ID"),
    ]
