"""Manual journal entries uploaded with the Standard MJE template: the pre-stage refuses the whole upload
when one entry does not balance (row, column, reason); staging creates each valid entry (posted, or pending
approval) and leaves an entry with a problem in error until it is re-sent. Figures by hand: entry A
(Dr L 300 / Cr R 200 + Cr R 100) balances; entry B (Dr 50 / Cr 40) does not."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from mje_support import MJE, admin, journal_rows, mje_tenant
from revrec.db.session import transaction
from revrec.db.tables import stage_mje
from revrec.jobs import worker
from support import login, unique

HEADER = "Mje Num,Mje Desc,Curr,Acctg Type,Acctg Seg,Dr Amount,Cr Amount,Reverse Flag,Line Desc"
ENTRY_A = ["{a},accrual,USD,L,2400-DEF,300.00,,N,", "{a},accrual,USD,R,4000-REV,,200.00,N,",
           "{a},accrual,USD,R,4100-REV,,100.00,N,"]  # fmt: skip
ENTRY_B = ["{b},typo,USD,L,2400-DEF,50.00,,N,", "{b},typo,USD,R,4000-REV,,40.00,N,"]


def _upload(http: TestClient, headers: dict[str, str], rows: list[str], **names: str) -> Any:
    body = "\n".join([HEADER, *(r.format(**names) for r in rows)]) + "\n"
    return http.post(
        "/api/integration/v1/csv/upload",
        headers={**headers, "templatename": "Standard MJE", "filename": unique("mje") + ".csv",
                 "content-type": "text/plain"},
        content=body.encode(),
    )  # fmt: skip


def _staged_rows(engine: Engine, upload_id: int) -> int:
    with transaction(engine, readonly=True) as conn:
        query = select(func.count()).where(stage_mje.c.upload_id == upload_id)
        return int(conn.execute(query).scalar_one())


def test_one_unbalanced_entry_refuses_the_whole_upload(http: TestClient, engine: Engine) -> None:
    tenant, _ = mje_tenant(engine)
    api = login(http, tenant)
    a, b = unique("A"), unique("B")
    refused = _upload(http, api, ENTRY_A + ENTRY_B, a=a, b=b)
    assert refused.status_code == 400, refused.text
    result = refused.json()["result"]
    assert result["status"] == "Failed"
    # file rows: header 1, entry A rows 2-4, entry B rows 5-6: B's last row is named
    assert [(e["row"], e["column"], e["code"]) for e in result["errors"]] == [(6, "Dr Amount", "RREV-04001")]
    assert (
        "debits 50.00" in result["errors"][0]["reason"] and "credits 40.00" in result["errors"][0]["reason"]
    )
    assert _staged_rows(engine, result["id"]) == 0  # nothing of entry A either
    mixed = _upload(http, api, [ENTRY_A[0], ENTRY_A[1].replace("USD", "EUR"), ENTRY_A[2]], a=a)
    assert mixed.status_code == 400
    assert [(e["row"], e["code"]) for e in mixed.json()["result"]["errors"]] == [(4, "RREV-04012")]
    # fixed, the same file name rule as any upload: a new name; both entries are taken
    fixed = _upload(http, api, ENTRY_A + [ENTRY_B[0], ENTRY_B[1].replace("40.00", "50.00")], a=a, b=b)
    assert fixed.status_code == 200, fixed.text
    worker.run_until_idle(engine)
    entries = http.get(MJE, headers=admin(http, tenant)).json()["data"]
    assert [(e["mje_num"], e["status"], e["source"], e["total_debit"]) for e in entries] == [
        (a, "Posted", "UPLOAD", "300.00"),
        (b, "Posted", "UPLOAD", "50.00"),
    ]
    assert [(r.acctg_seg, r.dr_t, r.cr_t) for r in journal_rows(engine, tenant, entries[0]["id"])] == [
        ("2400-DEF", 30000, 0),
        ("4000-REV", 0, 20000),
        ("4100-REV", 0, 10000),
    ]


def test_staging_errors_then_resend(http: TestClient, engine: Engine) -> None:
    tenant, _ = mje_tenant(engine, amount="250")
    api, headers = login(http, tenant), admin(http, tenant)
    a, b = unique("A"), unique("B")
    bad_b = [ENTRY_B[0].replace(",L,", ",Q,"), ENTRY_B[1].replace("40.00", "50.00")]  # balanced, bad type
    sent = _upload(http, api, ENTRY_A + bad_b, a=a, b=b)
    assert sent.status_code == 200, sent.text
    worker.run_until_idle(engine)
    entries = http.get(MJE, headers=headers).json()["data"]
    assert [(e["mje_num"], e["status"]) for e in entries] == [(a, "Pending")]  # 300 > 250: awaits approval
    errors = http.get("/api/integration/v1/stage/error/mje", headers=api)
    assert errors.status_code == 200, errors.text
    found = errors.json()["Result"]
    assert [(e["mje_num"], e["row_num"], e["processed_flag"]) for e in found] == [(b, 5, "E"), (b, 6, "E")]
    assert "RREV-04003" in found[0]["err_msg"] and "RREV-04014" in found[1]["err_msg"]
    resent = _upload(http, api, [ENTRY_B[0], ENTRY_B[1].replace("40.00", "50.00")], b=b)
    assert resent.status_code == 200, resent.text
    worker.run_until_idle(engine)
    assert http.get("/api/integration/v1/stage/error/mje", headers=api).status_code == 204  # replaced
    entries = http.get(MJE, headers=headers).json()["data"]
    assert [(e["mje_num"], e["status"]) for e in entries] == [(a, "Pending"), (b, "Posted")]
