"""Discounts allocated to some obligations, end to end through HTTP: the setup document's
``policies.discount_allocation``, an upload, a Data Collection, the stored ``rc_line`` discount columns,
BI3_RC_LNS (DISC_AMT, DISC_PCT) and the explanation API (the rule and a reproduced formula).

Figures: IFRS 15 IE Example 34 Case A (ASC 606-10-55-259..262), derived by hand: SSP A 40, B 55, C 45
(total 140) sold together for 100 (lines A 40, B 30, C 30); B and C regularly sell together for 60, so
the discount of 40 goes to them: A 40; B 60 × 55/100 = 33 (discount 22, 40 %); C 60 × 45/100 = 27
(discount 18, 40 %).
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from accounting_support import collect, send
from biviews_support import table_of
from inbound_data import so_line
from revrec.db.session import transaction
from revrec.db.tables import rc_line, rc_warning, revenue_contract
from revrec.setup import service as setup_service
from support import Tenant, login, make_tenant

BASE = "/api/revrec/v1/contracts"


RESIDUAL_D = {
    "name": "D",
    "method": "Residual",
    "conditions": {"ITEM_NUM": "D"},
    "rssp_min_type": "CUSTOM",
    "rssp_min_amount": "15",
    "alternative_ssp_type": "CUSTOM",
    "alternative_amount": "30",
}


def _policies(rule: dict[str, Any]) -> dict[str, Any]:
    def fixed(item: str, amount: str) -> dict[str, Any]:
        return {
            "name": item,
            "method": "Fixed Amount",
            "amount": amount,
            "basis": "Extended",
            "conditions": {"ITEM_NUM": item},
        }

    return {
        "rc_grouping_templates": [
            {
                "name": "Std",
                "rules": [{"seq": 1, "name": "By SO", "group_by": ["CUST_NUM", "SO_NUM"]}],
                "ssp_hierarchy": [{"seq": 1, "template": "SSP", "within": "M", "below": "M", "above": "M"}],
            }
        ],
        "pob_templates": [
            {"name": "Goods", "release_event": "Upon Booking", "ratable_method": "Immediate Using Start Date"}
        ],
        "auto_pob_template": "Goods",
        "ssp_templates": [
            {"name": "SSP", "rules": [fixed("A", "40"), fixed("B", "55"), fixed("C", "45"), RESIDUAL_D]}
        ],
        "discount_allocation": {"line_attribute": "ATR12", "rules": [rule]},
    }


def _tenant(engine: Engine, rule: dict[str, Any]) -> Tenant:
    tenant = make_tenant(engine)
    document = {"policies": _policies(rule), "accounting": {"open_period": 202601}}
    with transaction(engine) as conn:
        setup_service.apply_setup(conn, client_name=tenant.client, document=document)
    return tenant


def _line(prefix: str, n: int, item: str, price: str, **extra: str) -> dict[str, str]:
    return so_line(
        f"{prefix}-{n}",
        **{
            "Doc Num": f"{prefix}-SO",
            "Cust Num": f"{prefix}-C",
            "Doc Date": "01-JAN-2026",
            "Start Date": "01-JAN-2026",
            "End Date": "01-JAN-2026",
            "Item Num": item,
            "Ext Sll Prc": price,
            "Ext Lst Prc": price,
            "Unit Sell Prc": price,
            "Unit List Prc": price,
            **extra,
        },
    )


def _stored(engine: Engine, prefix: str) -> tuple[int, dict[str, Any]]:
    with transaction(engine, readonly=True) as conn:
        rc_id = conn.execute(
            select(revenue_contract.c.id).where(revenue_contract.c.rc_key.like(f"%{prefix}-SO%"))
        ).scalar_one()
        rows = conn.execute(select(rc_line).where(rc_line.c.rc_id == rc_id, rc_line.c.current_flag.is_(True)))
        return int(rc_id), {r.line_id: r for r in rows}


def test_example_34_case_a_stored_viewed_and_explained(http: TestClient, engine: Engine) -> None:
    tenant = _tenant(engine, {"name": "B+C bundle", "items": ["B", "C"], "criteria_hold": True})
    headers = login(http, tenant)
    send(
        http,
        headers,
        _line("DA", 1, "A", "40.00"),
        _line("DA", 2, "B", "30.00"),
        _line("DA", 3, "C", "30.00"),
    )
    assert collect(http, engine, headers)["status"] == "Completed"
    rc_id, lines = _stored(engine, "DA")
    assert {k: r.allocated for k, r in lines.items()} == {"DA-1": D("40"), "DA-2": D("33"), "DA-3": D("27")}
    assert (lines["DA-1"].disc_amt, lines["DA-1"].disc_rule) == (None, None)
    assert (lines["DA-2"].disc_amt, lines["DA-2"].disc_pct, lines["DA-2"].disc_rule) == (
        D("22"),
        D("40"),
        "B+C bundle",
    )
    assert (lines["DA-3"].disc_amt, lines["DA-3"].disc_pct) == (D("18"), D("40"))

    view = {r["SO_LINE_ID"]: r for r in table_of(http, headers, "BI3_RC_LNS")}
    assert view["DA-1"]["DISC_AMT"] == "" and D(view["DA-2"]["DISC_AMT"]) == D("22")
    assert D(view["DA-3"]["DISC_AMT"]) == D("18") and D(view["DA-3"]["DISC_PCT"]) == D("40")

    body = http.get(f"{BASE}/{rc_id}/explanation", headers=headers)
    assert body.status_code == 200, body.text
    explained = {x["line_id"]: x for x in body.json()["lines"]}
    assert all(x["reproduces"] for x in explained.values())
    assert all(x["discount_rule"] == "B+C bundle" for x in explained.values())
    assert D(explained["DA-2"]["discount_pool"]) == D("60") and D(explained["DA-2"]["computed"]) == D("33")
    assert explained["DA-2"]["discount"] == {"amount": "22.00", "percent": "40.0000"}
    assert "not named by discount rule" in explained["DA-1"]["formula"]
    one = http.get(f"{BASE}/{rc_id}/explanation/DA-3", headers=headers).json()["allocation"]
    assert one["reproduces"] is True and one["discount_rule"] == "B+C bundle"

    form = {
        "clientname": tenant.client,
        "role": "API Role",
        "username": tenant.user,
        "password": tenant.password,
    }
    assert http.post("/console/login", data=form, follow_redirects=False).status_code == 303
    page = http.get(f"/console/contracts/{rc_id}/explain/DA-2")
    assert page.status_code == 200, page.text
    assert (
        "B+C bundle: the named lines share 60.00; this line's discount 22.00 (40.0000 % of its SSP)"
        in page.text
    )


def test_line_attribute_and_warning_when_the_named_lines_cannot_take_it(
    http: TestClient, engine: Engine
) -> None:
    """Contract DB: the C line names the rule in ATR12, so C alone takes the discount: A 40, B 55,
    C 100 − 95 = 5 (discount 40).  Contract DW: price 30 < A's SSP 40, nothing is left for C: REVREC-ENG-020
    is stored and the contract is allocated by relative SSP (30 × 40/140 = 8.57, 30 × 55/140 = 11.79,
    30 × 45/140 = 9.64)."""
    tenant = _tenant(engine, {"name": "promo", "criteria_hold": True})
    headers = login(http, tenant)
    send(
        http,
        headers,
        _line("DB", 1, "A", "40.00"),
        _line("DB", 2, "B", "30.00"),
        _line("DB", 3, "C", "30.00", Atr12="promo"),
        _line("DW", 1, "A", "10.00"),
        _line("DW", 2, "B", "10.00"),
        _line("DW", 3, "C", "10.00", Atr12="promo"),
    )
    status = collect(http, engine, headers)
    assert status["status"] == "Warning", status
    assert "REVREC-ENG-020 x1" in status["error_message"], status
    _, lines = _stored(engine, "DB")
    assert {k: r.allocated for k, r in lines.items()} == {"DB-1": D("40"), "DB-2": D("55"), "DB-3": D("5")}
    assert (lines["DB-3"].disc_amt, lines["DB-3"].disc_rule) == (D("40"), "promo")
    rc_id, lines = _stored(engine, "DW")
    expected = {"DW-1": D("8.57"), "DW-2": D("11.79"), "DW-3": D("9.64")}
    assert {k: r.allocated for k, r in lines.items()} == expected
    assert all(r.disc_rule is None for r in lines.values())
    with transaction(engine, readonly=True) as conn:
        codes = conn.execute(select(rc_warning.c.code).where(rc_warning.c.rc_id == rc_id)).scalars().all()
    assert codes == ["REVREC-ENG-020"]


def test_example_34_cases_b_and_c_with_the_residual_approach(http: TestClient, engine: Engine) -> None:
    """IFRS 15 IE Example 34 Cases B and C (ASC 606-10-55-263..269), by hand.  D's SSP is residual (observable
    range 15..45: RSSP minimum 15; alternative SSP 30, an assumption: the standard gives no estimate).
    Case B, price 130 (A 40, B 30, C 30, D 30): B and C take the bundle's 40 % discount first (33, 27), A
    40, D = 130 − 100 = 30.  Case C, price 105 (D 5): 105 − 100 = 5 < 15, so no residual and no discount
    rule: relative SSP over 170 — A 24.71, B 33.97, C 27.79, D 18.53 (sum 105.00)."""
    rule = {"name": "B+C bundle", "items": ["B", "C"], "discount_percent": "40", "criteria_hold": True}
    tenant = _tenant(engine, rule)
    headers = login(http, tenant)
    rows = [_line(p, n, item, "30.00") for p in ("DC", "DD") for n, item in ((2, "B"), (3, "C"))]
    rows += [_line("DC", 1, "A", "40.00"), _line("DC", 4, "D", "30.00")]
    rows += [_line("DD", 1, "A", "40.00"), _line("DD", 4, "D", "5.00")]
    send(http, headers, *rows)
    status = collect(http, engine, headers)
    assert "REVREC-ENG-021 x1" in status["error_message"], status
    rc_id, lines = _stored(engine, "DC")
    expected = {"DC-1": D("40"), "DC-2": D("33"), "DC-3": D("27"), "DC-4": D("30")}
    assert {k: r.allocated for k, r in lines.items()} == expected
    assert [lines[k].disc_amt for k in sorted(lines)] == [None, D("22"), D("18"), None]
    explained = http.get(f"{BASE}/{rc_id}/explanation", headers=headers).json()["lines"]
    assert all(x["reproduces"] for x in explained)
    assert "its residual SSP" in next(x for x in explained if x["line_id"] == "DC-4")["formula"]
    _, lines = _stored(engine, "DD")
    expected = {"DD-1": D("24.71"), "DD-2": D("33.97"), "DD-3": D("27.79"), "DD-4": D("18.53")}
    assert {k: r.allocated for k, r in lines.items()} == expected
    assert all(r.disc_rule is None for r in lines.values())


def test_a_revision_sets_the_discount_on_lines_kept_in_place(http: TestClient, engine: Engine) -> None:
    """First A 40 and B 30 alone: the B+C group is incomplete (REVREC-ENG-020), relative SSP over 95:
    A 70 × 40/95 = 29.47, B 70 × 55/95 = 40.53.  Then C 30 joins the SO: the revision reallocates the kept
    lines in place and the rule applies (Example 34 Case A figures): A 40, B 33 (discount 22), C 27 (18)."""
    tenant = _tenant(engine, {"name": "B+C bundle", "items": ["B", "C"], "criteria_hold": True})
    headers = login(http, tenant)
    send(http, headers, _line("DR", 1, "A", "40.00"), _line("DR", 2, "B", "30.00"))
    assert "REVREC-ENG-020 x1" in collect(http, engine, headers)["error_message"]
    _, lines = _stored(engine, "DR")
    assert {k: r.allocated for k, r in lines.items()} == {"DR-1": D("29.47"), "DR-2": D("40.53")}
    assert lines["DR-2"].disc_rule is None
    send(http, headers, _line("DR", 3, "C", "30.00"))
    collect(http, engine, headers)
    _, lines = _stored(engine, "DR")
    assert {k: r.allocated for k, r in lines.items()} == {"DR-1": D("40"), "DR-2": D("33"), "DR-3": D("27")}
    assert (lines["DR-2"].version, lines["DR-2"].disc_amt, lines["DR-2"].disc_rule) == (
        1,
        D("22"),
        "B+C bundle",
    )
    assert lines["DR-3"].disc_amt == D("18")
