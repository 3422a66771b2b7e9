"""Small typed builders for engine tests: plain values, explicit defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from revrec.engine.lines import TransactionLine
from revrec.engine.policies import Policies
from revrec.engine.policy_grouping import GroupingRule, RcGroupingTemplate
from revrec.engine.policy_pob import PobAssignmentRule, PobTemplate
from revrec.engine.policy_ssp import SspHierarchyRow, SspTemplate

D = Decimal


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def line(
    line_id: str,
    sell: str = "100.00",
    *,
    item: str = "ITEM",
    start: str = "2025-01-01",
    end: str | None = "2025-12-31",
    so_date: str | None = None,
    listed: str | None = None,
    so_num: str = "SO1",
    cust: str = "C1",
    curr: str = "USD",
    f_cur: str | None = None,
    f_rate: str = "1",
    g_rate: str = "1",
    qty: str = "1",
    eligible: str = "",
    **attributes: str,
) -> TransactionLine:
    return TransactionLine(
        line_id=line_id,
        so_num=so_num,
        cust_num=cust,
        item_num=item,
        so_date=day(so_date or start),
        start_date=day(start),
        end_date=day(end) if end else None,
        ord_qty=D(qty),
        ext_lst_prc=D(listed if listed is not None else sell),
        ext_sll_prc=D(sell),
        curr=curr,
        f_cur=f_cur or curr,
        f_ex_rate=D(f_rate),
        g_ex_rate=D(g_rate),
        cv_eligible_flag=eligible,
        attributes={k.upper(): v for k, v in attributes.items()},
    )


def policies(
    *templates: PobTemplate, ssp: SspTemplate | None = None, reporting: str = "USD", **options: object
) -> Policies:
    """Policies where item ``<template name>`` is assigned that template; SSP hierarchy from ``ssp``."""
    hierarchy = (SspHierarchyRow(1, ssp.name),) if ssp else ()
    grouping = RcGroupingTemplate("T", (GroupingRule(1, "SO", ("CUST_NUM", "SO_NUM")),), (), hierarchy)
    return Policies(
        reporting_currency=reporting,
        rc_grouping_templates=(grouping,),
        pob_templates=templates,
        pob_assignment_rules=tuple(
            PobAssignmentRule(t.name, item_num=t.name, seq=i) for i, t in enumerate(templates)
        ),
        ssp_templates=(ssp,) if ssp else (),
        **options,
    )  # type: ignore[arg-type]


def amounts(pairs: tuple[tuple[int, Decimal], ...]) -> dict[int, str]:
    return {period: str(amount) for period, amount in pairs}
