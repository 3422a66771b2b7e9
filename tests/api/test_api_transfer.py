"""Transfer accounting end to end through HTTP: upload → collect → close → transfer batch → list → page →
download → mark Transferred, with the figures of accounting-model.md's worked example (rates 1: T = F = R)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from accounting_support import accounting_tenant, close_period, collect, send, transfer_program, worked_lines
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.db.tables import journal_entry, transfer_batch
from revrec.transfer.service import CSV_COLUMNS, ONLY_READY
from support import login, make_tenant

LIST = "/api/integration/v1/journal/list"
BATCH = "/api/integration/v1/journal/batch"
STATUS = "/api/integration/v1/journal/batch/status"
FILE = "/api/integration/v1/download/transferbatchfile"


def _by_type(lines: list[dict[str, Any]]) -> dict[str, tuple[D, D]]:
    found: dict[str, list[D]] = defaultdict(lambda: [D(0), D(0)])
    for line in lines:
        found[line["account_type"]][0] += D(line["t_dr_amt"])
        found[line["account_type"]][1] += D(line["t_cr_amt"])
    return {k: (v[0], v[1]) for k, v in found.items()}


def _balanced(lines: list[dict[str, Any]], currencies: tuple[str, ...] = ("t",)) -> None:
    for currency in currencies:
        debit = sum((D(line[f"{currency}_dr_amt"]) for line in lines), D(0))
        credit = sum((D(line[f"{currency}_cr_amt"]) for line in lines), D(0))
        assert debit == credit, (currency, debit, credit)


def test_transfer_round_trip(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_lines("T"))
    assert collect(http, engine, headers)["status"] == "Completed"

    # the open period's entries are not posted: nothing to transfer yet
    assert "NO DATA FOUND" in transfer_program(http, engine, headers, 153)["error_message"]
    assert http.get(LIST, headers=headers).status_code == 204

    assert close_period(http, engine, headers)["status"] == "Completed"
    assert "READY TO TRANSFER" in transfer_program(http, engine, headers, 149, "", "", "")["error_message"]

    listed = http.get(LIST, headers=headers)
    assert listed.status_code == 200, listed.text
    assert listed.json()["status"] == "Success"
    [journal] = listed.json()["result"]
    assert journal["status"] == "READY TO TRANSFER"
    assert set(journal) >= {
        "client_id",
        "crtd_by",
        "crtd_dt",
        "id",
        "name",
        "updt_by",
        "updt_dt",
        "report_id",
    }
    batch_id = journal["id"]

    page = http.get(f"{BATCH}/{batch_id}/1", headers=headers)
    assert page.status_code == 200, page.text
    answer = page.json()
    assert answer["status"] == "Success" and answer["batch_status"] == "READY TO TRANSFER"
    lines = answer["result"]
    assert answer["total_lines"] == len(lines) == journal["line_count"] and answer["total_pages"] == 1
    assert {line["period_id"] for line in lines} == {202601}
    assert {line["period_name"] for line in lines} == {"JAN-2026"}
    assert _by_type(lines) == {
        "C": (D("1500.00"), D("0.00")),
        "L": (D("400.00"), D("1500.00")),
        "R": (D("0.00"), D("400.00")),
        "Y": (D("75.00"), D("6.25")),
        "X": (D("6.25"), D("75.00")),
    }
    _balanced(lines)
    assert sum(D(line["t_dr_amt"]) for line in lines) == D("1981.25")

    # drill-down: every entry id belongs to exactly one line, and the entries carry the batch id
    ids = [i for line in lines for i in line["entry_ids"]]
    assert len(ids) == len(set(ids)) == journal["entry_count"]
    with transaction(engine) as conn:
        stamped = {
            r.id: r.post_batch_id
            for r in conn.execute(select(journal_entry).where(journal_entry.c.id.in_(ids)))
        }
        jan = list(
            conn.execute(select(journal_entry.c.post_batch_id).where(journal_entry.c.period_key == 202601,
                         journal_entry.c.rc_id.in_(select(journal_entry.c.rc_id).where(journal_entry.c.id.in_(ids)))))
            .scalars()
        )  # fmt: skip
    assert set(stamped.values()) == {batch_id} and len(stamped) == len(ids)
    assert set(jan) == {batch_id}

    # paging: header or query pagesize, past the last page 404, too large 400
    small = http.get(f"{BATCH}/{batch_id}/2", headers={**headers, "pagesize": "2"}).json()
    assert small["pagesize"] == 2 and small["total_pages"] == (len(lines) + 1) // 2
    assert small["result"] == lines[2:4]
    assert http.get(f"{BATCH}/{batch_id}/1?pagesize=2", headers=headers).json()["result"] == lines[:2]
    assert http.get(f"{BATCH}/{batch_id}/9?pagesize=2", headers=headers).status_code == 404
    assert http.get(f"{BATCH}/{batch_id}/1?pagesize=10001", headers=headers).status_code == 400
    assert http.get(f"{BATCH}/{batch_id}/1?pagesize=10000", headers=headers).status_code == 200
    assert http.get(f"{BATCH}/999999/1", headers=headers).status_code == 400  # NotFound is 400 in revrec

    as_csv = http.get(f"{BATCH}/{batch_id}/1?Output=CSV", headers=headers)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == len(lines) + 1
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert first["T_DR_AMT"] == lines[0]["t_dr_amt"] and first["ACCOUNT_STRING"] == lines[0]["account_string"]

    download = http.get(f"{FILE}/{batch_id}", headers=headers)
    assert download.status_code == 200 and download.text == as_csv.text

    done = http.put(f"{STATUS}/{batch_id}", headers=headers)
    assert done.status_code == 200 and done.json() == {"status": "Success"}
    again = http.put(f"{STATUS}/{batch_id}", headers=headers)
    assert again.status_code == 400
    assert again.json()["status"] == "Error" and again.json()["message"] == ONLY_READY
    assert http.put(f"{STATUS}/999999", headers=headers).status_code == 400
    assert http.get(LIST, headers=headers).status_code == 204
    assert http.get(f"{BATCH}/{batch_id}/1", headers=headers).json()["batch_status"] == "TRANSFERRED"

    # nothing is transferred twice
    assert "NO DATA FOUND" in transfer_program(http, engine, headers, 153)["error_message"]
    assert http.get(LIST, headers=headers).status_code == 204

    # February, filtered: excluding it finds nothing, selecting it transfers only February
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert (
        "NO DATA FOUND"
        in transfer_program(http, engine, headers, 149, "PERIOD NAME", "'FEB-2026'", "Y")["error_message"]
    )
    assert (
        "READY TO TRANSFER"
        in transfer_program(http, engine, headers, 149, "PERIOD_NAME", "202602", "N")["error_message"]
    )
    [feb] = http.get(LIST, headers=headers).json()["result"]
    feb_lines = http.get(f"{BATCH}/{feb['id']}/1", headers=headers).json()["result"]
    assert _by_type(feb_lines) == {
        "L": (D("100.00"), D("0.00")),
        "R": (D("0.00"), D("100.00")),
        "X": (D("6.25"), D("0.00")),
        "Y": (D("0.00"), D("6.25")),
    }
    _balanced(feb_lines)


def test_batch_file_expires_and_unknown_is_204(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_lines("E"))
    collect(http, engine, headers)
    close_period(http, engine, headers)
    transfer_program(http, engine, headers, 153)
    [journal] = http.get(LIST, headers=headers).json()["result"]
    assert http.get(f"{FILE}/{journal['id']}", headers=headers).status_code == 200
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=49)
    with transaction(engine) as conn:
        conn.execute(
            update(transfer_batch).where(transfer_batch.c.id == journal["id"]).values(file_generated_at=old)
        )
    assert http.get(f"{FILE}/{journal['id']}", headers=headers).status_code == 204
    assert http.get(f"{FILE}/999999", headers=headers).status_code == 204
    # another client sees none of it
    other = login(http, accounting_tenant(engine))
    assert http.get(LIST, headers=other).status_code == 204
    assert http.get(f"{BATCH}/{journal['id']}/1", headers=other).status_code == 400
    assert http.put(f"{STATUS}/{journal['id']}", headers=other).status_code == 400


def test_programs_listed_and_bad_criteria_refused(http: TestClient, engine: Engine) -> None:
    headers = login(http, accounting_tenant(engine))
    programs = {
        p["program_id"]: p for p in http.get("/api/integration/v1/programs", headers=headers).json()["data"]
    }
    assert programs["149"]["program_name"] == "Revpro3.0 Accounting Transfer Master"
    assert [(p["id"], p["name"], p["sequence"]) for p in programs["149"]["parameters"]] == [
        (228, "CRITERIA NAME", "1"),
        (229, "CRITERIA VALUE", "2"),
        (230, "EXCLUDE FLAG", "3"),
    ]
    assert programs["153"]["program_name"] == "RevPro3.0 Transfer Batch for Org"
    for values in (
        ("NOPE", "1", "N"),
        ("PERIOD NAME", "13-2026", "N"),
        ("RC ID", "1", "X"),
        ("RC ID", "", "N"),
    ):
        body = {"parameters": [{"parameter_id": 228 + i, "parameter_value": v} for i, v in enumerate(values)]}
        response = http.post("/api/integration/v1/1/programs/149/submit", headers=headers, json=body)
        assert response.status_code == 400, (values, response.text)


def test_transfer_needs_outbound_privilege(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine, roles=(ADMIN_ROLE,))
    headers = login(http, tenant, role=ADMIN_ROLE)
    assert http.get(LIST, headers=headers).status_code == 403
    assert http.put(f"{STATUS}/1", headers=headers).status_code == 403


def test_batch_balances_in_functional_and_reporting_currency(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_lines("F"))
    collect(http, engine, headers)
    close_period(http, engine, headers)
    transfer_program(http, engine, headers, 153)
    [journal] = http.get(LIST, headers=headers).json()["result"]
    lines = http.get(f"{BATCH}/{journal['id']}/1", headers=headers).json()["result"]
    for line in lines:  # rates are 1: T = F = R
        assert (line["t_dr_amt"], line["t_cr_amt"]) == (line["f_dr_amt"], line["f_cr_amt"])
        assert (line["t_dr_amt"], line["t_cr_amt"]) == (line["r_dr_amt"], line["r_cr_amt"])
    _balanced(lines, ("t", "f", "r"))
