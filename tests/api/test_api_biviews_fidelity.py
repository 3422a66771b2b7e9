"""BI views as Zuora documents them: the organization (``SEC_ATR_VAL``) and who created each row
(``CRTD_BY``/``CRTD_DT``) in the contract views, on both databases."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, collect, send
from biviews_support import table_of, worked_example
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
