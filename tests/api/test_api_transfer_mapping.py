"""The GL interface mapping (setup section ``gl_interface``) and transfer batch files in the report store,
through HTTP: upload → collect → close → transfer program → page (JSON, CSV) → batch file → report list,
download and signed URL; setup round trip; validation; the mapping frozen on the batch; tenant isolation.

Figures (accounting-model.md's worked example, rates 1): SUB 1,200 over 2026 and SETUP 300 at once, SSP
1,500 and 500, so SUB is allocated 1,125 (carve −75, −6.25 a month) and SETUP 375 (carve +75 at once). In
January: revenue Dr L 400 / Cr R 400 (SUB 100 + SETUP 300), carve Dr Y 75 / Cr X 75 (SETUP) and
Dr X 6.25 / Cr Y 6.25 (SUB), bills Dr C 1,500 / Cr L 1,500. Account strings: L and Y ``1000-2400`` (Def
Segments; no Al Account), R and X ``1000-4000`` (Rev Segments; no Ar Account), C the book's billing clearing
account, set here to ``1000-1100``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal as D
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import accounting_tenant, close_period, collect, send, transfer_program, worked_lines
from revrec.auth.privileges import ADMIN_ROLE
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.db.tables import journal_entry
from revrec.reports.service import store_for
from revrec.transfer.files import BatchFiles, write_batch_file
from revrec.transfer.service import CSV_COLUMNS
from support import Tenant, login

SETUP = "/api/admin/v1/setup"
LIST = "/api/integration/v1/journal/list"
BATCH = "/api/integration/v1/journal/batch"
FILE = "/api/integration/v1/download/transferbatchfile"
REPORTS = "/api/integration/v1/reports/list"
DOWNLOAD = "/api/integration/v1/reports/download"
SIGNED_URL = "/api/integration/v2/reports/signedurl"

MAPPING: dict[str, Any] = {
    "segment_delimiter": "-",
    "natural_segment": 2,
    "natural_accounts": {"X": "4100", "Y": "2400"},
    "columns": [
        {"name": "LEDGER", "constant": "US Primary"},
        {"name": "SOURCE", "constant": "revrec"},
        {"name": "CATEGORY", "constant": "Revenue Recognition"},
        {"name": "PERIOD", "field": "period_name"},
        {"name": "COMPANY", "segment": 1},
        {"name": "ACCOUNT", "field": "natural_account"},
        {"name": "CURRENCY", "field": "curr"},
        {"name": "DEBIT", "field": "t_dr_amt"},
        {"name": "CREDIT", "field": "t_cr_amt"},
        {"name": "LINE", "field": "line_num"},
        {"name": "ENTRIES", "field": "entry_ids"},
    ],
}


def _admin(http: TestClient, tenant: Tenant) -> dict[str, str]:
    return login(http, tenant, role=ADMIN_ROLE)


def _put_setup(http: TestClient, headers: dict[str, str], document: dict[str, Any], **params: str) -> Any:
    return http.put(SETUP, headers=headers, json=document, params=params)


def _mapped_tenant(http: TestClient, engine: Engine) -> tuple[Tenant, dict[str, str]]:
    """A worked-example tenant whose book clears bills to 1000-1100 and whose GL mapping is MAPPING."""
    tenant = accounting_tenant(engine)
    admin = _admin(http, tenant)
    books = http.get(SETUP, headers=admin).json()["books"]
    books[0]["default_billing_clearing_account"] = "1000-1100"
    applied = _put_setup(http, admin, {"books": books, "gl_interface": MAPPING})
    assert applied.status_code == 200, applied.text
    return tenant, login(http, tenant)


def _ready_batch(http: TestClient, engine: Engine, headers: dict[str, str], prefix: str) -> dict[str, Any]:
    send(http, headers, *worked_lines(prefix))
    assert collect(http, engine, headers)["status"] == "Completed"
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert "READY TO TRANSFER" in transfer_program(http, engine, headers, 153)["error_message"]
    [journal] = http.get(LIST, headers=headers).json()["result"]
    return dict(journal)


def test_mapping_applied_end_to_end(http: TestClient, engine: Engine) -> None:
    tenant, headers = _mapped_tenant(http, engine)
    journal = _ready_batch(http, engine, headers, "M")
    page = http.get(f"{BATCH}/{journal['id']}/1", headers=headers)
    assert page.status_code == 200, page.text
    lines = page.json()["result"]

    # L and Y share natural account 2400 (Y by the type mapping, L by segment 2): one line, summed gross
    constants = {"ledger": "US Primary", "source": "revrec", "category": "Revenue Recognition"}
    common = {**constants, "period": "JAN-2026", "company": "1000", "currency": "USD"}
    expected = [
        ("1100", "1500.00", "0.00"),  # C
        ("2400", "475.00", "1506.25"),  # L: Dr 400 Cr 1,500; Y: Dr 75 Cr 6.25
        ("4000", "0.00", "400.00"),  # R
        ("4100", "6.25", "75.00"),  # X, by the type mapping
    ]
    assert [{k: v for k, v in line.items() if k != "entries"} for line in lines] == [
        {**common, "account": account, "debit": debit, "credit": credit, "line": n}
        for n, (account, debit, credit) in enumerate(expected, start=1)
    ]
    assert sum(D(line["debit"]) for line in lines) == sum(D(line["credit"]) for line in lines) == D("1981.25")

    # the 2400 line holds the L and the Y entry; every entry of the batch is on exactly one line
    with transaction(engine) as conn:
        entries = {
            r.id: (r.acctg_type, r.acctg_seg)
            for r in conn.execute(select(journal_entry).where(journal_entry.c.post_batch_id == journal["id"]))
        }
    assert sorted(i for line in lines for i in line["entries"]) == sorted(entries)
    assert sorted(entries[i][0] for i in lines[1]["entries"]) == ["L", "Y"]
    assert journal["line_count"] == 4 and journal["entry_count"] == len(entries) == 5

    # CSV: the mapping's columns in order, the same values
    as_csv = http.get(f"{BATCH}/{journal['id']}/1", headers=headers, params={"Output": "CSV"})
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == [c["name"] for c in MAPPING["columns"]]
    assert rows[2][:10] == ["US Primary", "revrec", "Revenue Recognition", "JAN-2026", "1000", "2400", "USD",
                            "475.00", "1506.25", "2"]  # fmt: skip
    assert rows[2][10] == ";".join(str(i) for i in lines[1]["entries"])

    # the batch file, and the same file in the report store: list, download, signed URL
    download = http.get(f"{FILE}/{journal['id']}", headers=headers)
    assert download.status_code == 200 and download.text == as_csv.text
    report_id = journal["report_id"]
    assert isinstance(report_id, int)
    [listed] = [r for r in http.get(REPORTS, headers=headers).json()["Result"] if r["id"] == report_id]
    assert listed["category"] == "Transfer Batch" and listed["status"] == "Completed"
    assert listed["layout_name"] == "GL Interface" and listed["file_name"] == f"{report_id}.csv"
    stored = http.get(f"{DOWNLOAD}/{listed['file_name']}", headers=headers)
    assert stored.status_code == 200 and stored.text == download.text
    signed = http.get(f"{SIGNED_URL}/{report_id}", headers=headers).json()
    assert signed["success"] is True
    url = urlsplit(signed["signed_url"])
    unsigned = http.get(f"{url.path}?{url.query}")  # no token
    assert unsigned.status_code == 200 and unsigned.text == download.text


def test_mapping_is_frozen_on_the_batch(http: TestClient, engine: Engine) -> None:
    tenant, headers = _mapped_tenant(http, engine)
    journal = _ready_batch(http, engine, headers, "Z")
    before = http.get(f"{BATCH}/{journal['id']}/1", headers=headers).json()["result"]
    assert _put_setup(http, _admin(http, tenant), {"gl_interface": None}).json()["changes"] == [
        "gl_interface: back to the standard columns"
    ]
    # the January batch keeps the mapping it was built with ...
    assert http.get(f"{BATCH}/{journal['id']}/1", headers=headers).json()["result"] == before
    # ... and February's batch, built after, has the standard columns: L Dr 100 / R Cr 100 (SUB's month),
    # X Dr 6.25 / Y Cr 6.25 (its carve)
    assert close_period(http, engine, headers)["status"] == "Completed"
    transfer_program(http, engine, headers, 153)
    [feb] = [j for j in http.get(LIST, headers=headers).json()["result"] if j["id"] != journal["id"]]
    feb_csv = http.get(f"{BATCH}/{feb['id']}/1", headers=headers, params={"Output": "CSV"}).text
    rows = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in list(csv.reader(io.StringIO(feb_csv)))[1:]]
    assert list(csv.reader(io.StringIO(feb_csv)))[0] == list(CSV_COLUMNS)
    assert sorted((r["ACCOUNT_TYPE"], r["ACCOUNT_STRING"], r["T_DR_AMT"], r["T_CR_AMT"]) for r in rows) == [
        ("L", "1000-2400", "100.00", "0.00"),
        ("R", "1000-4000", "0.00", "100.00"),
        ("X", "1000-4000", "6.25", "0.00"),
        ("Y", "1000-2400", "0.00", "6.25"),
    ]
    reports = {r["id"]: r for r in http.get(REPORTS, headers=headers).json()["Result"]}
    assert reports[feb["report_id"]]["layout_name"] == "Standard"


def test_setup_round_trip_and_dry_run(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    admin = _admin(http, tenant)
    # a client without a mapping exports the standard columns
    standard = http.get(SETUP, headers=admin).json()["gl_interface"]
    assert standard == {
        "segment_delimiter": "-",
        "natural_accounts": {},
        "columns": [{"name": name, "field": name.lower()} for name in CSV_COLUMNS],
    }
    assert _put_setup(http, admin, {"gl_interface": standard}).json()["changes"] == []

    dry = _put_setup(http, admin, {"gl_interface": MAPPING}, dry_run="true").json()
    assert dry["changes"] == ["gl_interface: columns, natural_accounts, natural_segment"]
    assert http.get(SETUP, headers=admin).json()["gl_interface"] == standard
    assert _put_setup(http, admin, {"gl_interface": MAPPING}).json()["changes"] == dry["changes"]
    exported = http.get(SETUP, headers=admin).json()
    assert exported["gl_interface"] == MAPPING
    # the whole exported document applies unchanged
    assert _put_setup(http, admin, exported).json()["changes"] == []


def _problem(http: TestClient, headers: dict[str, str], **changes: Any) -> str:
    response = _put_setup(http, headers, {"gl_interface": {**MAPPING, **changes}})
    assert response.status_code == 400, response.text
    return str(response.json()["message"])


def test_invalid_mappings_are_refused_naming_the_key(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    admin = _admin(http, tenant)
    columns = MAPPING["columns"]
    amount = {"name": "AMOUNT", "field": "t_dr_amt"}
    message = _problem(http, admin, natural_accounts={"R": "4000", "Q": "9999"})
    assert "gl_interface.natural_accounts" in message and "unknown account type(s) 'Q'" in message
    message = _problem(http, admin, columns=[*columns, {"name": "account", "segment": 2}])
    assert "gl_interface.columns" in message and "duplicate column name 'account'" in message
    message = _problem(http, admin, columns=[amount, {"name": "SEG", "segment": 11}])
    assert "gl_interface.columns.1.segment" in message and "less than or equal to 10" in message
    message = _problem(http, admin, columns=[amount, {"name": "SEG", "segment": 0}])
    assert "gl_interface.columns.1.segment" in message
    message = _problem(http, admin, natural_segment=12)
    assert "gl_interface.natural_segment" in message
    message = _problem(http, admin, columns=[amount, {"name": "X", "segment": 1, "constant": "A"}])
    assert "gl_interface.columns.1" in message and "exactly one of field, segment, constant" in message
    message = _problem(http, admin, columns=[amount, {"name": "X", "field": "colour"}])
    assert "gl_interface.columns.1.field" in message
    message = _problem(http, admin, columns=[{**amount, "width": 3}])
    assert "gl_interface.columns.0.width: Extra inputs are not permitted" in message
    message = _problem(http, admin, columns=[{"name": "LEDGER", "constant": "US"}])
    assert "gl_interface.columns" in message and "at least one amount column" in message
    message = _problem(http, admin, delimiter="-")
    assert "gl_interface.delimiter: Extra inputs are not permitted" in message
    # nothing was stored
    assert http.get(SETUP, headers=admin).json()["gl_interface"]["columns"][0]["name"] == "BATCH_ID"


def test_missing_segment_fails_the_transfer_and_leaves_entries(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    admin = _admin(http, tenant)
    headers = login(http, tenant)
    three = {**MAPPING, "columns": [*MAPPING["columns"], {"name": "COST_CENTER", "segment": 3}]}
    assert _put_setup(http, admin, {"gl_interface": three}).status_code == 200
    send(http, headers, *worked_lines("S"))
    collect(http, engine, headers)
    close_period(http, engine, headers)
    failed = transfer_program(http, engine, headers, 153, expect="Failed")
    assert "column 'COST_CENTER' takes segment 3 of account string" in failed["error_message"]
    assert http.get(LIST, headers=headers).status_code == 204
    # fixed mapping: the same entries transfer
    assert _put_setup(http, admin, {"gl_interface": MAPPING}).status_code == 200
    assert "READY TO TRANSFER" in transfer_program(http, engine, headers, 153)["error_message"]


def test_batch_files_are_isolated_and_large_ones_zipped(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    tenant, headers = _mapped_tenant(http, engine)
    journal = _ready_batch(http, engine, headers, "I")
    report_id = journal["report_id"]
    other = login(http, accounting_tenant(engine))
    assert all(r["id"] != report_id for r in http.get(REPORTS, headers=other).json().get("Result", []))
    assert http.get(f"{DOWNLOAD}/{report_id}.csv", headers=other).status_code == 204
    assert http.get(f"{SIGNED_URL}/{report_id}", headers=other).status_code == 404
    assert http.get(f"{FILE}/{journal['id']}", headers=other).status_code == 204

    # above the zip threshold the stored file is <id>.zip holding <id>.csv, the same CSV
    with transaction(engine) as conn:
        record = write_batch_file(conn, BatchFiles(store_for(settings), zip_threshold=0), journal["id"])
    assert record.file_name == f"{record.id}.zip" and record.rows == 4
    zipped = http.get(f"{DOWNLOAD}/{record.id}.csv", headers=headers)
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        content = archive.read(f"{record.id}.csv").decode("utf-8")
    assert content == http.get(f"{FILE}/{journal['id']}", headers=headers).text
    [again] = http.get(LIST, headers=headers).json()["result"]
    assert again["report_id"] == record.id
