"""Grouping (domain §2.5–2.6), bundle explosion (§7.2), POB assignment (§7) and the calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from engine_builders import line, policies

from revrec.engine.bundles import explode_bundles
from revrec.engine.calendar import AccountingCalendar, Period, add_months
from revrec.engine.conditions import Condition
from revrec.engine.contracts import compute_revenue
from revrec.engine.errors import PolicyError
from revrec.engine.grouping import group_lines
from revrec.engine.pobs import assign_template
from revrec.engine.policies import Policies
from revrec.engine.policy_bundle import BundleChild, BundleConfig, SplitType
from revrec.engine.policy_grouping import GroupingRule, RcGroupingTemplate
from revrec.engine.policy_pob import AssignmentKind, PobAssignmentRule, PobTemplate

D = Decimal


def test_lines_with_equal_group_by_fields_form_one_contract_with_a_stable_key() -> None:
    template = RcGroupingTemplate("T", (GroupingRule(1, "SO", ("CUST_NUM", "SO_NUM")),))
    lines = [line("3", so_num="S2"), line("1", so_num="S1"), line("2", so_num="S1")]
    groups, errors, skipped = group_lines(lines, template)
    assert [(g.key, [x.line_id for x in g.lines]) for g in groups] == [
        ("T|SO|C1|S1", ["1", "2"]),
        ("T|SO|C1|S2", ["3"]),
    ]
    assert errors == [] and skipped == []


def test_duration_window_starts_a_new_contract_after_30_days() -> None:
    """domain §2.6: Duration Type Day(s), Duration 30, counted from the earliest SO date of the RC."""
    template = RcGroupingTemplate("T", (GroupingRule(1, "Cust 30d", ("CUST_NUM",), duration=30),))
    lines = [
        line("1", so_date="2025-01-01"),
        line("2", so_date="2025-01-31"),
        line("3", so_date="2025-02-01"),
    ]
    groups, _, _ = group_lines(list(reversed(lines)), template)
    assert [(g.key, [x.line_id for x in g.lines]) for g in groups] == [
        ("T|Cust 30d|C1", ["1", "2"]),
        ("T|Cust 30d|C1#2", ["3"]),
    ]


def test_fallback_rule_and_filters() -> None:
    template = RcGroupingTemplate(
        "T",
        (GroupingRule(1, "By SO", ("SO_NUM",)), GroupingRule(2, "By customer", ("CUST_NUM",))),
        filters=(Condition("ITEM_NUM", "!=", ("SKIP",)),),
    )
    lines = [line("1", so_num=""), line("2", so_num="S9"), line("3", item="SKIP")]
    groups, errors, skipped = group_lines(lines, template)
    # line 1 has no SO number: the customer rule opens its contract; line 2 then joins it through rule 2
    assert [(g.key, [x.line_id for x in g.lines]) for g in groups] == [("T|By customer|C1", ["1", "2"])]
    assert [x.line_id for x in skipped] == ["3"] and errors == []


def test_line_no_rule_applies_to_is_reported() -> None:
    template = RcGroupingTemplate("T", (GroupingRule(1, "SO", ("SO_NUM",)),))
    _, errors, _ = group_lines([line("1", so_num="")], template)
    assert [e.code for e in errors] == ["REVREC-ENG-007"]


def test_bundle_explodes_by_percent_of_sell_and_list_price() -> None:
    """domain §7.2 example: parent Maintenance, children Licenses 60/60 and Services 40/40, duration 12."""
    bundle = BundleConfig(
        "101",
        (BundleChild("102", D(60), D(60), duration_months=12), BundleChild("103", D(40), D(40), D(2))),
        SplitType.PCT,
        SplitType.PCT,
    )
    rules = Policies(bundles=(bundle,))
    exploded, errors = explode_bundles([line("P", "1000.01", item="101", listed="2000", end=None)], rules)
    assert errors == []
    assert [
        (x.line_id, x.item_num, x.ext_sll_prc, x.ext_lst_prc, x.ord_qty, x.bndl_prnt_id) for x in exploded
    ] == [
        ("P.1", "102", D("600.01"), D("1200.00"), D(1), "P"),
        ("P.2", "103", D("400.00"), D("800.00"), D(2), "P"),
    ]
    assert exploded[0].end_date == dt.date(2025, 12, 31)
    assert sum(x.ext_sll_prc for x in exploded) == D("1000.01")


def test_bundle_outside_its_validity_window_is_not_exploded() -> None:
    bundle = BundleConfig("101", (BundleChild("102", D(100), D(100)),), valid_until=dt.date(2024, 12, 31))
    exploded, _ = explode_bundles([line("P", item="101")], Policies(bundles=(bundle,)))
    assert [x.line_id for x in exploded] == ["P"]


def test_bundle_percentages_must_total_100() -> None:
    with pytest.raises(PolicyError, match="must total 100"):
        BundleConfig("101", (BundleChild("102", D(60), D(100)),))


def test_pob_assignment_order_advanced_then_attributes_then_item_then_auto() -> None:
    templates = tuple(PobTemplate(n) for n in ("ADV", "ATTR", "ITEM"))
    rules = Policies(
        pob_templates=templates,
        pob_assignment_rules=(
            PobAssignmentRule("ITEM", AssignmentKind.ITEM, 1, "SKU"),
            PobAssignmentRule(
                "ATTR", AssignmentKind.ATTRIBUTES, 1, conditions=(Condition("PROD_CTGRY", "=", ("HW",)),)
            ),
            PobAssignmentRule(
                "ADV", AssignmentKind.ADVANCED, 1, conditions=(Condition("NUM1", ">", ("10",)),)
            ),
        ),
    )
    hardware = line("1", item="SKU").__class__
    assert (
        assign_template(hardware("1", item_num="SKU", prod_ctgry="HW", attributes={"NUM1": "11"}), rules).name
        == "ADV"
    )
    assert (
        assign_template(hardware("1", item_num="SKU", prod_ctgry="HW", attributes={"NUM1": "9"}), rules).name
        == "ATTR"
    )
    assert assign_template(hardware("1", item_num="SKU"), rules).name == "ITEM"
    assert assign_template(hardware("1", item_num="OTHER"), rules).name == "Auto POB"


def test_no_pob_and_no_auto_pob_is_an_error_value() -> None:
    rules = Policies(auto_pob_template=None)
    (contract,) = compute_revenue([line("1")], rules).contracts
    assert [e.code for e in contract.errors] == ["REVREC-ENG-001"] and contract.schedules == ()


def test_contract_pobs_group_lines_by_template() -> None:
    rules = policies(PobTemplate("A"), PobTemplate("B"))
    (contract,) = compute_revenue(
        [line("2", item="A", end="2026-06-30"), line("1", item="A"), line("3", item="B")], rules
    ).contracts
    assert [(p.key, p.lead_line_id, p.line_ids, p.end_date) for p in contract.pobs] == [
        ("T|SO|C1|SO1/A", "1", ("1", "2"), dt.date(2026, 6, 30)),
        ("T|SO|C1|SO1/B", "3", ("3",), dt.date(2025, 12, 31)),
    ]


def test_billing_line_without_its_so_line_is_rpro_00600() -> None:
    from revrec.engine.lines import TransactionLine

    result = compute_revenue([line("1"), TransactionLine("9", type="INV", inv_line_id="I9")], Policies())
    assert [e.code for e in result.errors] == ["RPRO-00600"]


def test_end_before_start_is_rpro_00013() -> None:
    (contract,) = compute_revenue([line("1", start="2025-05-01", end="2025-04-01")], Policies()).contracts
    assert [e.code for e in contract.errors] == ["RPRO-00013"]


def test_monthly_calendar_with_fiscal_year_starting_in_april() -> None:
    calendar = AccountingCalendar(fiscal_year_start_month=4, first_year=2025, last_year=2026)
    april, march = calendar.period(202504), calendar.period(202603)
    assert (april.start, april.end, april.fiscal_year, april.number) == (
        dt.date(2025, 4, 1),
        dt.date(2025, 5, 1),
        2026,
        1,
    )
    assert (march.fiscal_year, march.number) == (2026, 12)
    assert calendar.period_of(dt.date(2025, 4, 30)).key == 202504
    assert not april.contains(dt.date(2025, 5, 1))


def test_custom_calendar_periods_must_be_contiguous() -> None:
    first = Period(1, dt.date(2025, 1, 1), dt.date(2025, 1, 29))
    with pytest.raises(PolicyError, match="does not follow"):
        AccountingCalendar(custom_periods=(first, Period(2, dt.date(2025, 2, 1), dt.date(2025, 3, 1))))


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)
