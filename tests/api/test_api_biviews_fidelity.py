"""BI views as Zuora documents them: the organization (``SEC_ATR_VAL``) and who created each row
(``CRTD_BY``/``CRTD_DT``) in the contract views; the accounting pre-summary (BI3_RI_ACCT_SUMM) and the
approvals (BI3_APPR_DTL) on v1, v2, count and describe-columns."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal as D

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from accounting_support import accounting_tenant, close_period, collect, send
from biviews_support import V1, V2, table_of, table_v2, worked_example
from revrec.db.session import transaction
from revrec.db.tables import rc_approval, revenue_contract
from support import login

AUDITED = ("BI3_RC_LNS", "BI3_RC_BILL", "BI3_RC_SCHD", "BI3_WF_SUMM")
WITH_ORG = ("BI3_RC_HEAD", "BI3_RC_LNS", "BI3_RC_POB", "BI3_RC_BILL", "BI3_RC_SCHD", "BI3_WF_SUMM",
            "BI3_LN_ACCT_SUMM")  # fmt: skip


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_contract_rows_name_their_org_and_creator(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("A"))
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert collect(http, engine, headers)["status"] == "Completed"
    after = dt.datetime.now(dt.UTC)
    org = {r["ORG_ID"] for r in table_of(http, headers, "BI3_ORG")}
    assert org == {"1"}  # the tenant's one org, which the collection ran for
    for view in WITH_ORG:
        rows = table_of(http, headers, view)
        assert rows and {r["SEC_ATR_VAL"] for r in rows} == org, view
    for view in AUDITED:
        rows = table_of(http, headers, view)
        assert {r["CRTD_BY"] for r in rows} == {tenant.user}, view
        assert all(before <= _moment(r["CRTD_DT"]) <= after for r in rows), view
    head = table_of(http, headers, "BI3_RC_HEAD")[0]
    assert head["CRTD_BY"] == tenant.user and before <= _moment(head["CRTD_DT"]) <= after


def _by_type(rows: list[dict[str, str]], period: str) -> dict[str, D]:
    totals: dict[str, D] = defaultdict(D)
    for row in rows:
        if row["PRD_ID"] == period:
            totals[row["ACCTG_TYPE_ID"]] += D(row["T_AT"])
    return dict(totals)


def test_accounting_presummary_of_the_worked_example(http: TestClient, engine: Engine) -> None:
    """accounting-model.md's worked example ("Worked example" table): the journal summed per account type.

    January, activity credit positive (Cr − Dr), by hand from the table: C −1,500 (billing Dr C);
    L +1,500 − 300 − 100 = +1,100; R +300 + 100 = +400; Y −75 + 6.25 = −68.75; X +75 − 6.25 = +68.75.
    February (after January is closed): L −100, R +100, X −6.25, Y +6.25.
    """
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    send(http, headers, *worked_example("P"))
    assert collect(http, engine, headers)["status"] == "Completed"
    rows = table_of(http, headers, "BI3_RI_ACCT_SUMM")
    assert {r["PRD_ID"] for r in rows} == {"202601"} and {r["POSTED_FLAG"] for r in rows} == {"N"}
    january = {"C": D("-1500"), "L": D("1100"), "R": D("400"), "Y": D("-68.75"), "X": D("68.75")}
    assert _by_type(rows, "202601") == january
    for row in rows:
        assert D(row["T_AT"]) == D(row["CR_AMOUNT"]) - D(row["DR_AMOUNT"]) == D(row["F_AT"]) == D(row["R_AT"])
        assert row["CURR"] == row["F_CUR"] == row["G_CUR"] == "USD" and row["SEC_ATR_VAL"] == "1"
        assert row["INTERFACED_FLAG"] == "N" and row["POST_BATCH_ID"] == "" and row["CRTD_BY"] == tenant.user
    assert len({r["RC_ID"] for r in rows}) == 1
    assert table_v2(http, headers, "BI3_RI_ACCT_SUMM") == rows
    count = http.get(V2 + "count/BI3_RI_ACCT_SUMM", headers=headers)
    assert count.status_code == 200 and count.json() == {"count": len(rows)}
    described = http.get(V2 + "BI3_RI_ACCT_SUMM/describe-columns", headers=headers).json()
    assert {c["column_name"] for c in described} == set(rows[0])

    assert close_period(http, engine, headers)["status"] == "Completed"
    rows = table_of(http, headers, "BI3_RI_ACCT_SUMM")
    assert _by_type(rows, "202601") == january
    assert _by_type(rows, "202602") == {"L": D("-100"), "R": D("100"), "X": D("-6.25"), "Y": D("6.25")}
    assert {r["POSTED_FLAG"] for r in rows if r["PRD_ID"] == "202601"} == {"Y"}
    assert {r["POSTED_FLAG"] for r in rows if r["PRD_ID"] == "202602"} == {"N"}
    other = login(http, accounting_tenant(engine))
    assert table_of(http, other, "BI3_RI_ACCT_SUMM") == []


def _approval(engine: Engine, client: str, rc_id: int, when: dt.datetime, status: str) -> None:
    with transaction(engine) as conn:
        head = conn.execute(select(revenue_contract).where(revenue_contract.c.id == rc_id)).one()
        conn.execute(
            insert(rc_approval).values(
                client_id=head.client_id, rc_id=rc_id, book_id=head.book_id, org_id=head.org_id,
                obj_type="RC", status=status, rule_name="Over 1,000", approval_type="Manual",
                approver_sequence=1, approver_user="controller", approver_name="The Controller",
                pending_since=when, created_by=client, created_at=when, updated_by=client, updated_at=when,
            )
        )  # fmt: skip


def test_approvals_view_reads_recorded_approvals(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    assert http.get(V1 + "BI3_APPR_DTL", headers=headers).status_code == 204  # no approvals recorded yet
    assert http.get(V2 + "count/BI3_APPR_DTL", headers=headers).json() == {"count": 0}
    send(http, headers, *worked_example("Q"))
    assert collect(http, engine, headers)["status"] == "Completed"
    rc_id = int(table_of(http, headers, "BI3_RC_HEAD")[0]["ID"])
    _approval(engine, "importer", rc_id, dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), "Pending")
    _approval(engine, "importer", rc_id, dt.datetime(2026, 1, 6, 9, tzinfo=dt.UTC), "Approved")
    rows = table_of(http, headers, "BI3_APPR_DTL")
    assert [r["APPROVAL_STATUS"] for r in rows] == ["Pending", "Approved"]
    first = rows[0]
    assert first["RC_ID"] == str(rc_id) and first["APPROVAL_OBJ_TYPE"] == "RC" and first["SEC_ATR_VAL"] == "1"
    assert first["PENDING_SINCE"] == "2026-01-05T09:00:00" == first["INCR_UPDT_DT"]
    assert first["RC_APPR_CRTD_BY"] == "importer" and first["APPROVER_NAME"] == "The Controller"
    assert [r["APPROVAL_STATUS"] for r in table_of(http, headers, "BI3_APPR_DTL", fromDate="2026-01-06")] == [
        "Approved"
    ]
    assert table_v2(http, headers, "BI3_APPR_DTL") == rows
    described = http.get(V2 + "BI3_APPR_DTL/describe-columns", headers=headers).json()
    assert len(described) == 45 and {c["column_name"] for c in described} == set(first)
    assert table_of(http, login(http, accounting_tenant(engine)), "BI3_APPR_DTL") == []


def test_book_and_calendar_show_the_open_period(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)

    def states() -> tuple[set[str], dict[str, tuple[str, str]]]:
        books = {
            r["OPEN_PRD_ID"] for r in table_of(http, headers, "BI3_BOOK") if r["PRIMARY_BOOK_FLAG"] == "Y"
        }
        calendar = {
            r["ID"]: (r["PERIOD_STATUS"], r["OPEN_FLAG"])
            for r in table_of(http, headers, "BI3_CALENDAR")
            if r["ID"] in ("202512", "202601", "202602")
        }
        return books, calendar

    assert states() == ({""}, {"202512": ("", "N"), "202601": ("", "N"), "202602": ("", "N")})  # none opened
    send(http, headers, *worked_example("O"))
    assert collect(http, engine, headers)["status"] == "Completed"  # opens January
    assert states() == ({"202601"}, {"202512": ("", "N"), "202601": ("Open", "Y"), "202602": ("", "N")})
    assert close_period(http, engine, headers)["status"] == "Completed"
    assert states() == (
        {"202602"},
        {"202512": ("", "N"), "202601": ("Closed", "N"), "202602": ("Open", "Y")},
    )
