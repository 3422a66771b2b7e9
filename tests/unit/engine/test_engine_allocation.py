"""SSP derivation and allocation: domain.md §8 and the IFRS 15 / ASC 606 illustrative examples."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_builders import line, policies

from revrec.engine.conditions import Condition
from revrec.engine.contracts import compute_revenue
from revrec.engine.formula import Formula
from revrec.engine.lines import TransactionLine
from revrec.engine.policies import Policies
from revrec.engine.policy_pob import PobTemplate
from revrec.engine.policy_ssp import (
    AmountBasis,
    RangeTreatment,
    RsspFvType,
    RsspMinType,
    SspHierarchyRow,
    SspMethod,
    SspRule,
    SspTemplate,
)

D = Decimal
ITEM = PobTemplate("ITEM")


def by_item(*rules: tuple[str, str]) -> SspTemplate:
    """Fixed per-unit SSPs by item number."""
    return SspTemplate(
        "SSP",
        tuple(
            SspRule(item, SspMethod.FIXED, (Condition("ITEM_NUM", "=", (item,)),), amount=D(amount))
            for item, amount in rules
        ),
    )


def allocate(lines: list[TransactionLine], rules: Policies) -> dict[str, str]:
    (contract,) = compute_revenue(lines, rules).contracts
    return {a.line_id: str(a.allocated) for a in contract.allocation.lines}


def test_ifrs15_ie_example_34_case_a_allocating_a_discount() -> None:
    """IFRS 15 IE Example 34 Case A (ASC 606-10-55-259): SSP A 40, B 55, C 45 sold together for 100."""
    rules = policies(ITEM, ssp=by_item(("A", "40"), ("B", "55"), ("C", "45")))
    got = allocate(
        [line("1", "40.00", item="A"), line("2", "30.00", item="B"), line("3", "30.00", item="C")], rules
    )
    assert got == {"1": "28.57", "2": "39.29", "3": "32.14"}


def test_domain_residual_worked_example_280000() -> None:
    """domain §8: TP 280,000; SSP lines 18,000 + 12,000; RSSP weights .2857/.2857/.4286
    → 71,425 / 71,425 / 107,150."""
    ssp = SspTemplate(
        "SSP",
        (
            SspRule("fixed", SspMethod.FIXED, (Condition("ITEM_NUM", "IN", ("S1", "S2")),), amount=D("6000")),
            SspRule(
                "residual",
                SspMethod.RESIDUAL,
                rssp_min_type=RsspMinType.CUSTOM,
                rssp_min_amount=D("1000"),
                rssp_fv_type=RsspFvType.LIST_PRICE,
            ),
        ),
    )
    rules = policies(ITEM, ssp=ssp)
    lines = [
        line("1", "20000.00", item="S1", qty="3"),
        line("2", "10000.00", item="S2", qty="2"),
        line("3", "100000.00", item="R", listed="20000"),
        line("4", "100000.00", item="R", listed="20000"),
        line("5", "50000.00", item="R", listed="30000"),
    ]
    (contract,) = compute_revenue(lines, rules).contracts
    assert {a.line_id: str(a.allocated) for a in contract.allocation.lines} == {
        "1": "18000.00",
        "2": "12000.00",
        "3": "71425.00",
        "4": "71425.00",
        "5": "107150.00",
    }
    assert contract.allocation.method == "RESIDUAL"
    assert [a.ssp_type for a in contract.allocation.lines] == ["SSP", "SSP", "RSSP", "RSSP", "RSSP"]
    assert sum(a.carve for a in contract.allocation.lines) == 0


def test_residual_fails_below_rssp_minimum_and_uses_alternative_ssp() -> None:
    """domain §8: remaining TP < Σ RSSP Min → relative allocation with the alternative SSP, flagged ASSP."""
    ssp = SspTemplate(
        "SSP",
        (
            SspRule("fixed", SspMethod.FIXED, (Condition("ITEM_NUM", "=", ("S",)),), amount=D("90")),
            SspRule(
                "residual", SspMethod.RESIDUAL, rssp_min_type=RsspMinType.CUSTOM, rssp_min_amount=D("50")
            ),
        ),
    )
    got = compute_revenue(
        [line("1", "60.00", item="S"), line("2", "40.00", item="R", listed="60")], policies(ITEM, ssp=ssp)
    ).contracts[0]
    assert got.allocation.rssp_failed and [a.ssp_type for a in got.allocation.lines] == ["SSP", "ASSP"]
    assert [str(a.allocated) for a in got.allocation.lines] == [
        "60.00",
        "40.00",
    ]  # 100 × 90/150, 100 × 60/150
    assert [e.code for e in got.errors] == ["REVREC-ENG-009"]


def test_ifrs15_79c_residual_approach_small_example() -> None:
    """IFRS 15.79(c): observable SSPs 40 and 55 of a 130 contract leave a residual SSP of 35
    for the licence."""
    ssp = SspTemplate(
        "SSP",
        (
            SspRule("A", SspMethod.FIXED, (Condition("ITEM_NUM", "=", ("A",)),), amount=D("40")),
            SspRule("B", SspMethod.FIXED, (Condition("ITEM_NUM", "=", ("B",)),), amount=D("55")),
            SspRule("licence", SspMethod.RESIDUAL, rssp_min_type=RsspMinType.CUSTOM, rssp_min_amount=D("15")),
        ),
    )
    got = allocate(
        [line("1", "45.00", item="A"), line("2", "45.00", item="B"), line("3", "40.00", item="L")],
        policies(ITEM, ssp=ssp),
    )
    assert got == {"1": "40.00", "2": "55.00", "3": "35.00"}


def test_excluded_line_keeps_its_price_and_others_share_the_rest() -> None:
    rules = policies(ITEM, ssp=by_item(("A", "300"), ("B", "100")))
    (contract,) = compute_revenue(
        [
            line("1", "100.00", item="A"),
            line("2", "100.00", item="B"),
            line("3", "77.00", item="X", eligible="N"),
        ],
        rules,
    ).contracts
    assert {a.line_id: str(a.allocated) for a in contract.allocation.lines} == {
        "1": "150.00",
        "2": "50.00",
        "3": "77.00",
    }
    assert [str(a.carve) for a in contract.allocation.lines] == ["50.00", "-50.00", "0.00"]
    assert contract.allocation.transaction_price == Decimal("200.00")


def test_rounding_remainder_goes_to_the_largest_line() -> None:
    """Three equal SSPs share 100.00: 33.33 each, the 0.01 remainder to the largest (ties: smallest id)."""
    rules = policies(ITEM, ssp=by_item(("A", "10")))
    (contract,) = compute_revenue(
        [line(str(i), "33.00" if i < 3 else "34.00", item="A") for i in (3, 1, 2)], rules
    ).contracts
    assert [str(a.allocated) for a in contract.allocation.lines] == ["33.34", "33.33", "33.33"]
    assert contract.allocation.remainder_line_id == "1" and contract.allocation.remainder_minor == 1


@pytest.mark.parametrize(
    ("sell", "treatment", "expected_ssp"),
    [
        ("50.00", RangeTreatment.NEAREST_LIMIT, "80"),  # below 80 % of 100 → low limit
        ("150.00", RangeTreatment.NEAREST_LIMIT, "120"),  # above 120 % → high limit
        ("90.00", RangeTreatment.SELL_PRICE, "90.00"),  # within → the selling price
        ("150.00", RangeTreatment.MIDPOINT, "100"),  # M → midpoint
    ],
)
def test_ssp_range_treatments(sell: str, treatment: RangeTreatment, expected_ssp: str) -> None:
    rule = SspRule(
        "pct", SspMethod.PERCENT_OF_LIST, percent=D("100"), low_percent=D("80"), high_percent=D("120")
    )
    row = SspHierarchyRow(1, "SSP", below=treatment, above=treatment, within=treatment)
    rules = policies(ITEM, ssp=SspTemplate("SSP", (rule,)))
    rules = Policies(
        rc_grouping_templates=(
            rules.rc_grouping_templates[0].__class__("T", rules.rc_grouping_templates[0].rules, (), (row,)),
        ),
        ssp_templates=rules.ssp_templates,
    )
    (contract,) = compute_revenue(
        [line("1", sell, item="A", listed="100"), line("2", "10.00", item="B", listed="0")], rules
    ).contracts
    first = contract.allocation.lines[0]
    assert first.ssp is not None and first.ssp == Decimal(expected_ssp)


def test_formula_ssp_from_the_domain_example() -> None:
    """domain §8 Formula: ``Ext List Price*50/100``."""
    rule = SspRule("f", SspMethod.FORMULA, formula=Formula("Ext List Price*50/100"))
    (contract,) = compute_revenue(
        [line("1", "100.00", listed="300"), line("2", "100.00", listed="100")],
        policies(ITEM, ssp=SspTemplate("SSP", (rule,))),
    ).contracts
    assert [a.ssp for a in contract.allocation.lines] == [D("150"), D("50")]
    assert [str(a.allocated) for a in contract.allocation.lines] == ["150.00", "50.00"]


def test_unit_and_extended_fixed_bases() -> None:
    unit = SspRule("u", SspMethod.FIXED, (Condition("ITEM_NUM", "=", ("A",)),), amount=D("10"))
    extended = SspRule("e", SspMethod.FIXED, amount=D("10"), basis=AmountBasis.EXTENDED)
    (contract,) = compute_revenue(
        [line("1", "30.00", item="A", qty="3"), line("2", "30.00", item="B", qty="3")],
        policies(ITEM, ssp=SspTemplate("SSP", (unit, extended))),
    ).contracts
    assert [a.ssp for a in contract.allocation.lines] == [D("30"), D("10")]


def test_rpro_00607_when_ssp_cannot_be_derived() -> None:
    rules = policies(ITEM, ssp=by_item(("A", "10")))
    (contract,) = compute_revenue(
        [line("1", "50.00", item="A"), line("2", "70.00", item="Z")], rules
    ).contracts
    assert [e.code for e in contract.errors] == ["RPRO-00607"]
    assert [str(a.allocated) for a in contract.allocation.lines] == ["50.00", "70.00"]
    assert contract.allocation.method == "NONE"


def test_rpro_00604_when_total_ssp_is_zero() -> None:
    rules = policies(ITEM, ssp=by_item(("A", "0")))
    (contract,) = compute_revenue(
        [line("1", "50.00", item="A"), line("2", "70.00", item="A")], rules
    ).contracts
    assert [e.code for e in contract.errors] == ["RPRO-00604"]
    assert contract.errors[0].message == "Total SSP for the RC is $0"


def test_no_ssp_hierarchy_means_no_allocation() -> None:
    (contract,) = compute_revenue([line("1", "50.00"), line("2", "70.00")], policies(ITEM)).contracts
    assert contract.errors == () and contract.allocation.method == "NONE"


def test_multi_currency_contract_allocates_in_functional_currency() -> None:
    rules = policies(ITEM, ssp=by_item(("A", "100"), ("B", "100")))
    lines = [
        line("1", "100.00", item="A", curr="EUR", f_cur="USD", f_rate="1.1"),
        line("2", "90.00", item="B", curr="USD", f_cur="USD"),
    ]
    (contract,) = compute_revenue(lines, rules).contracts
    assert contract.allocation.currency == "USD" and contract.allocation.transaction_price == D("200.00")
    # SSPs in USD: 110 and 100 → 200 × 110/210 = 104.76 USD = 95.24 EUR; 200 × 100/210 = 95.24 USD
    assert [str(a.allocated) for a in contract.allocation.lines] == ["95.24", "95.24"]


def test_schedules_carry_the_carve_as_allocation_schedule() -> None:
    """accounting-model.md worked example: subscription 1,200 (SSP 1,500) + setup 300 (SSP 500)."""
    from revrec.engine.policy_pob import RatableMethod

    sub, setup = (
        PobTemplate("SUB"),
        PobTemplate("SETUP", ratable_method=RatableMethod.IMMEDIATE_USING_START_DATE),
    )
    rules = policies(sub, setup, ssp=by_item(("SUB", "1500"), ("SETUP", "500")))
    lines = [
        line("1", "1200.00", item="SUB", start="2026-01-01", end="2026-12-31"),
        line("2", "300.00", item="SETUP", start="2026-01-01", end="2026-01-01"),
    ]
    (contract,) = compute_revenue(lines, rules).contracts
    subscription, service = contract.schedules
    assert [str(a.carve) for a in contract.allocation.lines] == ["-75.00", "75.00"]
    assert subscription.revenue()[0] == 10000 and subscription.carve()[0] == -625
    assert service.revenue() == (30000,) and service.carve() == (7500,)
    january = subscription.allocated()[0] + service.allocated()[0]
    assert january == 46875  # 468.75 = 375 + 1,125 / 12
