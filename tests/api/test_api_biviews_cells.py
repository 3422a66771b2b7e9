"""SQL views are read in bulk untyped, straight into CSV cells (biviews/cells.py): through HTTP (v2 pages of a
continuation token, v1 pages) every standard SQL view must give exactly the text the typed path gives (the
ORM type layer, then ``columns.cell``), on contracts in USD (carves, negative amounts), EUR with functional
currency USD (rates; F and G amounts) and JPY (no decimals)."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, collect, send, subscription
from inbound_data import so_line
from revrec.biviews import repository
from revrec.biviews.catalog import standard_registry
from revrec.biviews.csvout import write_rows
from revrec.biviews.views import SqlSource, ViewQuery
from revrec.db.session import transaction
from revrec.tenancy import service as tenancy
from support import Tenant, login

V1 = "/api/integration/v1/biviews/"
V2 = "/api/integration/v2/biviews/"


def _v2_rows(http: TestClient, headers: dict[str, str], view: str) -> list[list[str]]:
    """Every page of ``view`` through a continuation token (CSV, 3 rows a page); the header once."""
    params = {"outputType": "csv", "pageSize": "3"}
    answer = http.get(V2 + view, headers=headers, params=params)
    if answer.status_code == 204:
        return []
    token = {"continuation-token": answer.headers["continuation-token"]}
    rows = list(csv.reader(io.StringIO(answer.text)))
    number = 2
    while (
        page := http.get(V2 + view, headers={**headers, **token}, params={**params, "pagenum": str(number)})
    ).status_code == 200:
        found = list(csv.reader(io.StringIO(page.text)))
        assert found[0] == rows[0]
        rows.extend(found[1:])
        number += 1
    assert page.status_code == 404, page.text
    return rows


def _typed_rows(engine: Engine, tenant: Tenant, view: str) -> list[list[str]]:
    """The same view through the typed path: ORM result processing, then ``cell`` per value."""
    found = standard_registry().get(view)
    projection = found.projection(None)
    out = io.StringIO()
    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, tenant.client).id
    with repository.snapshot(engine) as conn:
        written = write_rows(
            out, found.header(projection), repository.stream(conn, found, ViewQuery(client_id)), projection
        )
    return list(csv.reader(io.StringIO(out.getvalue()))) if written else []


def _contracts(http: TestClient, engine: Engine) -> tuple[Tenant, dict[str, str]]:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    common = {"Doc Num": "U-SO", "Doc Date": "01-JAN-2026", "Cust Num": "C-U-SO"}
    send(
        http,
        headers,
        subscription("U-1", "U-SO"),
        so_line(
            "U-2",
            **common,
            **{"Item Num": "SETUP", "Start Date": "01-JAN-2026", "End Date": "01-JAN-2026"},
            **{
                "Ext Sll Prc": "300.00",
                "Ext Lst Prc": "300.00",
                "Unit Sell Prc": "300.00",
                "Unit List Prc": "300.00",
            },
        ),
        subscription("E-1", "E-SO", Curr="EUR", **{"F Cur": "USD", "F Ex Rate": "1.1", "G Ex Rate": "1"}),
        subscription(
            "J-1", "J-SO", "120000", Curr="JPY", **{"F Cur": "JPY", "F Ex Rate": "1", "G Ex Rate": "0.0067"}
        ),
    )
    assert collect(http, engine, headers)["status"] == "Completed"
    return tenant, headers


def test_bulk_cells_are_the_text_of_the_typed_values_in_every_sql_view(
    http: TestClient, engine: Engine
) -> None:
    tenant, headers = _contracts(http, engine)
    sql_views = [
        v.name for v in standard_registry() if isinstance(v.source, SqlSource) and v.source.expand is None
    ]
    assert "BI3_RC_SCHD" in sql_views and "BI3_RC_LNS" in sql_views
    for view in sql_views:
        typed = _typed_rows(engine, tenant, view)
        assert _v2_rows(http, headers, view) == typed, view
        v1 = http.get(V1 + view, headers=headers, params={"pagesize": "10000"})
        assert (list(csv.reader(io.StringIO(v1.text))) if v1.status_code == 200 else []) == typed, view


def test_schedule_amounts_in_three_currencies(http: TestClient, engine: Engine) -> None:
    _tenant, headers = _contracts(http, engine)
    rows = _v2_rows(http, headers, "BI3_RC_SCHD")
    table = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    january = {(r["ORIG_LINE_ID"], r["SCHD_TYPE_FLAG"]): r for r in table if r["POST_PRD_ID"] == "202601"}
    # accounting-model.md's worked example: SUB 1,200 over 12 months allocated 1,125 → carve -75 / 12
    assert january[("U-1", "R")]["AMOUNT"] == "100.00" and january[("U-1", "A")]["AMOUNT"] == "-6.25"
    # EUR 1,200 / 12 = 100.00 EUR, × 1.1 = 110.00 USD functional, × 1 reporting
    eur = january[("E-1", "R")]
    assert (eur["AMOUNT"], eur["F_DR_AMOUNT"], eur["G_CR_AMOUNT"], eur["F_EX_RATE"]) == (
        "100.00",
        "110.00",
        "110.00",
        "1.1000000000",
    )
    # JPY 120,000 / 12 = 10,000 yen (no decimals); reporting USD 10,000 × 0.0067 = 67.00
    jpy = january[("J-1", "R")]
    assert (jpy["AMOUNT"], jpy["F_CR_AMOUNT"], jpy["G_DR_AMOUNT"]) == ("10000", "10000", "67.00")
