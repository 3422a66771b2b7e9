"""Discounts allocated to some obligations (IFRS 15.81–83, ASC 606-10-32-36..38): discount_allocation.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_builders import line, policies
from hypothesis import given, settings
from hypothesis import strategies as st

from revrec.engine.conditions import Condition
from revrec.engine.contracts import RevenueContract, compute_revenue
from revrec.engine.conventions import AllocationRemainder, Conventions
from revrec.engine.errors import PolicyError
from revrec.engine.lines import TransactionLine
from revrec.engine.policies import Policies
from revrec.engine.policy_discount import DiscountAllocation, DiscountRule
from revrec.engine.policy_pob import PobTemplate
from revrec.engine.policy_ssp import AlternativeSspType, RsspMinType, SspMethod, SspRule, SspTemplate

D = Decimal
ITEM = PobTemplate("ITEM")
BC = DiscountRule("B+C bundle", items=("B", "C"), criteria_hold=True)


def ssp_rules(*fixed: tuple[str, str], residual: bool = False) -> SspTemplate:
    """Fixed per-unit SSPs by item; with ``residual``, item D takes the residual approach: RSSP minimum 15
    (the low end of D's observable 15..45 range) and an alternative SSP of 30 when the residual fails."""
    rules = [
        SspRule(item, SspMethod.FIXED, (Condition("ITEM_NUM", "=", (item,)),), amount=D(amount))
        for item, amount in fixed
    ]
    if residual:
        rules.append(
            SspRule(
                "D",
                SspMethod.RESIDUAL,
                (Condition("ITEM_NUM", "=", ("D",)),),
                rssp_min_type=RsspMinType.CUSTOM,
                rssp_min_amount=D("15"),
                alternative_ssp_type=AlternativeSspType.CUSTOM,
                alternative_amount=D("30"),
            )
        )
    return SspTemplate("SSP", tuple(rules))


ABC = (("A", "40"), ("B", "55"), ("C", "45"))


def rules_with(*rules: DiscountRule, residual: bool = False, attribute: str | None = None) -> Policies:
    return policies(
        ITEM,
        ssp=ssp_rules(*ABC, residual=residual),
        discount_allocation=DiscountAllocation(rules, attribute),
    )


def run(lines: list[TransactionLine], rules: Policies) -> RevenueContract:
    (contract,) = compute_revenue(lines, rules).contracts
    return contract


def allocated(contract: RevenueContract) -> dict[str, str]:
    return {a.line_id: str(a.allocated) for a in contract.allocation.lines}


def abc(a: str = "40.00", b: str = "30.00", c: str = "30.00") -> list[TransactionLine]:
    """Products A, B and C sold together (the contract's price is the sum of the lines' sell prices)."""
    return [line("1", a, item="A"), line("2", b, item="B"), line("3", c, item="C")]


def test_ifrs15_ie_example_34_case_a_discount_to_b_and_c() -> None:
    """IFRS 15 IE Example 34 Case A (IFRS 15.82; ASC 606-10-55-259..262): SSP A 40, B 55, C 45 (total 140)
    sold together for 100; B and C regularly sell together for 60, A alone for 40, so the whole discount of
    40 belongs to B and C.  By hand: A = 40; B = 60 × 55/100 = 33; C = 60 × 45/100 = 27 (33 + 27 = 60).
    Discounts: B 55 − 33 = 22 (40 %), C 45 − 27 = 18 (40 %); 22 + 18 = 40."""
    contract = run(abc(), rules_with(BC))
    assert allocated(contract) == {"1": "40.00", "2": "33.00", "3": "27.00"}
    discount = contract.allocation.discount
    assert discount is not None and discount.rule == "B+C bundle"
    assert [(d.line_id, str(d.amount), str(d.percent)) for d in discount.lines] == [
        ("2", "22.00", "40.0000"),
        ("3", "18.00", "40.0000"),
    ]
    assert discount.amount_minor == 4000
    assert not contract.errors


def test_ifrs15_ie_example_34_case_b_discount_then_residual() -> None:
    """IFRS 15 IE Example 34 Case B (IFRS 15.83; ASC 606-10-55-263..264): as Case A plus product D, price
    130; D's SSP is highly variable (15..45), so the residual approach applies after the discount of 40 went
    to B and C.  By hand: A 40; B 55 × 60 % = 33; C 45 × 60 % = 27; D = 130 − (40 + 33 + 27) = 30."""
    rule = DiscountRule("B+C bundle", items=("B", "C"), discount_percent=D("40"), criteria_hold=True)
    lines = [*abc(), line("4", "30.00", item="D")]
    contract = run(lines, rules_with(rule, residual=True))
    assert allocated(contract) == {"1": "40.00", "2": "33.00", "3": "27.00", "4": "30.00"}
    assert contract.allocation.method == "RESIDUAL"
    assert [a.ssp_type for a in contract.allocation.lines] == ["SSP", "SSP", "SSP", "RSSP"]
    assert contract.allocation.discount is not None
    assert contract.allocation.discount.amount_minor == 4000
    assert not contract.errors


def test_ifrs15_ie_example_34_case_c_residual_inappropriate() -> None:
    """IFRS 15 IE Example 34 Case C (ASC 606-10-55-265..269): as Case B but the price is 105; the residual
    left for D (105 − 100 = 5) is below its observable range (15..45), so the residual approach is not used
    and 105 is allocated to A, B, C and D by relative SSP (IFRS 15.73–80).  The standard gives no estimate
    for D; this test assumes 30.  By hand, SSP total 40 + 55 + 45 + 30 = 170: A 105 × 40/170 = 24.7059 →
    24.71; B 105 × 55/170 = 33.9706 → 33.97; C 105 × 45/170 = 27.7941 → 27.79; D 105 × 30/170 = 18.5294 →
    18.53; 24.71 + 33.97 + 27.79 + 18.53 = 105.00."""
    rule = DiscountRule("B+C bundle", items=("B", "C"), discount_percent=D("40"), criteria_hold=True)
    lines = [*abc(), line("4", "5.00", item="D")]
    contract = run(lines, rules_with(rule, residual=True))
    assert allocated(contract) == {"1": "24.71", "2": "33.97", "3": "27.79", "4": "18.53"}
    assert contract.allocation.discount is None
    assert [e.code for e in contract.errors] == ["REVREC-ENG-009", "REVREC-ENG-021"]


def test_without_a_rule_the_discount_is_spread_by_relative_ssp() -> None:
    """IFRS 15.81: absent the 15.82 criteria the discount goes to every obligation: 100 × 40/140 = 28.57,
    100 × 55/140 = 39.29, 100 × 45/140 = 32.14."""
    undeclared = DiscountRule("B+C bundle", items=("B", "C"))  # criteria not declared: inactive
    contract = run(abc(), rules_with(undeclared))
    assert allocated(contract) == {"1": "28.57", "2": "39.29", "3": "32.14"}
    assert contract.allocation.discount is None


def test_named_item_absent_warns_and_allocates_by_relative_ssp() -> None:
    """Only B of the B+C group is there: REVREC-ENG-020; A 40 and B 55 share 60: 60 × 40/95 = 25.26,
    60 × 55/95 = 34.74."""
    contract = run([line("1", "60.00", item="A"), line("2", "0.00", item="B")], rules_with(BC))
    assert allocated(contract) == {"1": "25.26", "2": "34.74"}
    assert [(e.code, e.severity) for e in contract.errors] == [("REVREC-ENG-020", "warning")]
    assert "C absent" in contract.errors[0].message


def test_line_attribute_names_the_rule_and_unknown_names_warn() -> None:
    """The ATR column named by ``line_attribute`` carries the rule name: the C line alone takes the
    discount (A 40, B 55, C 100 − 95 = 5); a value naming no rule gives REVREC-ENG-020."""
    flagged = DiscountRule("promo", criteria_hold=True)
    lines = [
        line("1", "100.00", item="A"),
        line("2", "0.00", item="B"),
        line("3", "0.00", item="C", atr7="promo"),
    ]
    contract = run(lines, rules_with(flagged, attribute="ATR7"))
    assert allocated(contract) == {"1": "40.00", "2": "55.00", "3": "5.00"}
    lines[1] = line("2", "0.00", item="B", atr7="nothing")
    contract = run(lines, rules_with(flagged, attribute="ATR7"))
    assert [e.code for e in contract.errors] == ["REVREC-ENG-020"]
    assert allocated(contract)["3"] == "5.00"


def test_discount_larger_than_the_named_lines_ssp_warns() -> None:
    """Price 30: the others' SSP (A 40) already exceeds it, nothing is left for B and C → REVREC-ENG-020
    and relative SSP: 30 × 40/140 = 8.57, 30 × 55/140 = 11.79, 30 × 45/140 = 9.64."""
    contract = run(abc("10.00", "10.00", "10.00"), rules_with(BC))
    assert allocated(contract) == {"1": "8.57", "2": "11.79", "3": "9.64"}
    assert [e.code for e in contract.errors] == ["REVREC-ENG-020"]


def test_residual_contract_needs_the_discount_percent() -> None:
    """Case B without the group's discount percent: REVREC-ENG-020, then the usual residual approach,
    which fails here (130 − 140 < 15: REVREC-ENG-009)."""
    lines = [*abc(), line("4", "30.00", item="D")]
    contract = run(lines, rules_with(BC, residual=True))
    assert contract.allocation.discount is None
    assert [e.code for e in contract.errors] == ["REVREC-ENG-009", "REVREC-ENG-020"]
    assert "discount_percent" in contract.errors[1].message


def test_remainder_goes_to_the_largest_named_line() -> None:
    """Price 60.01; A keeps its SSP 40; B and C (equal SSPs 55) share 20.01: 10.005 each → 10.01 + 10.01 =
    20.02, one cent too many: the remainder (−0.01) goes to the largest named line, the first on ties (B)."""
    rules = policies(
        ITEM,
        ssp=ssp_rules(("A", "40"), ("B", "55"), ("C", "55")),
        discount_allocation=DiscountAllocation((BC,)),
    )
    contract = run(abc("40.01", "10.00", "10.00"), rules)
    assert allocated(contract) == {"1": "40.00", "2": "10.00", "3": "10.01"}
    assert contract.allocation.remainder_line_id == "2"


def test_policy_mapping_round_trip_and_checks() -> None:
    raw = {
        "discount_allocation": {
            "line_attribute": "atr60",
            "rules": [{"name": "BC", "items": ["B", "C"], "discount_percent": "40", "criteria_hold": True}],
        }
    }
    rules = Policies.from_mapping(raw)
    assert rules.discount_allocation.line_attribute == "ATR60"
    assert Policies.from_mapping(rules.to_mapping()) == rules
    with pytest.raises(PolicyError, match="ATR1..ATR60"):
        Policies.from_mapping({"discount_allocation": {"line_attribute": "NUM1"}})
    with pytest.raises(PolicyError, match="discount_percent"):
        Policies.from_mapping({"discount_allocation": {"rules": [{"name": "x", "discount_percent": "100"}]}})
    with pytest.raises(PolicyError, match="no POB template"):
        Policies.from_mapping({"discount_allocation": {"rules": [{"name": "x", "pob_templates": ["nope"]}]}})


cents = st.integers(min_value=1, max_value=10**7)


@settings(max_examples=150, deadline=None)
@given(
    ssps=st.lists(cents, min_size=2, max_size=6),
    named_mask=st.lists(st.booleans(), min_size=6, max_size=6),
    price_per_mille=st.integers(min_value=0, max_value=1000),
    remainder=st.sampled_from(AllocationRemainder),
    percent_places=st.sampled_from([None, 2]),
)
def test_property_parts_sum_to_the_price_and_others_keep_their_ssp(
    ssps: list[int],
    named_mask: list[bool],
    price_per_mille: int,
    remainder: AllocationRemainder,
    percent_places: int | None,
) -> None:
    """Whatever the SSPs, the named lines and the allocation-rounding conventions: the allocated amounts sum
    exactly to the price, every other line is allocated exactly its SSP (so the others keep their SSP
    ratio), the named lines' discounts sum to the contract's discount, and (shares unrounded) no named line
    is allocated more than its SSP."""
    items = [f"I{i}" for i in range(len(ssps))]
    named = [item for item, flag in zip(items, named_mask, strict=False) if flag]
    if not named or len(named) == len(items):
        named = items[:1]
    amounts = {item: D(value).scaleb(-2) for item, value in zip(items, ssps, strict=True)}
    named_total = sum(ssps[items.index(i)] for i in named)
    others_total = sum(ssps) - named_total
    price_minor = others_total + named_total * price_per_mille // 1000
    rule = DiscountRule("R", items=tuple(named), criteria_hold=True)
    rules = policies(
        ITEM,
        ssp=ssp_rules(*((k, str(v)) for k, v in amounts.items())),
        discount_allocation=DiscountAllocation((rule,)),
        conventions=Conventions(allocation_remainder=remainder, allocation_percent_places=percent_places),
    )
    lines = [line(str(i), "0.00", item=item) for i, item in enumerate(items)]
    lines[0] = line("0", str(D(price_minor).scaleb(-2)), item=items[0])
    contract = run(lines, rules)
    got = {a.line_id: a.allocated for a in contract.allocation.lines}
    assert sum(got.values()) == D(price_minor).scaleb(-2)
    for i, item in enumerate(items):
        if item in named:
            assert percent_places is not None or D(0) <= got[str(i)] <= amounts[item]
        else:
            assert got[str(i)] == amounts[item]
    discount = contract.allocation.discount
    assert discount is not None and not contract.errors
    assert discount.amount_minor == named_total - (price_minor - others_total)
    assert contract.allocation.remainder_line_id in {str(items.index(item)) for item in named}


def test_rule_by_pob_template() -> None:
    """Lines assigned POB template GOODS (products B and C) take the discount; SSPs are keyed on ATR1 (the
    builders assign templates by item number).  IE Example 34 Case A figures: A 40, B 33, C 27."""
    goods = PobTemplate("GOODS")
    rule = DiscountRule("goods", pob_templates=("GOODS",), criteria_hold=True)
    ssp = SspTemplate(
        "SSP",
        tuple(SspRule(k, SspMethod.FIXED, (Condition("ATR1", "=", (k,)),), amount=D(v)) for k, v in ABC),
    )
    rules = policies(ITEM, goods, ssp=ssp, discount_allocation=DiscountAllocation((rule,)))
    items = {"A": "ITEM", "B": "GOODS", "C": "GOODS"}
    lines = [
        line(str(n), price, item=items[key], atr1=key)
        for n, (key, price) in enumerate((("A", "40.00"), ("B", "30.00"), ("C", "30.00")), start=1)
    ]
    contract = run(lines, rules)
    assert allocated(contract) == {"1": "40.00", "2": "33.00", "3": "27.00"}
    assert contract.allocation.discount is not None and contract.allocation.discount.rule == "goods"
