"""Manual overrides of a computed contract (revrec.engine.overrides): SSP override, allocation override,
manual releases. Figures derived by hand in each test."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from engine_builders import day, line, policies

from revrec.engine.conditions import Condition
from revrec.engine.contracts import allocate_contract, collect, compute_revenue, schedule_contract
from revrec.engine.lines import ManualRelease, TransactionLine
from revrec.engine.overrides import Overrides, apply
from revrec.engine.policies import Policies
from revrec.engine.policy_pob import PobTemplate, RatableMethod, ReleaseEvent
from revrec.engine.policy_ssp import SspMethod, SspRule, SspTemplate

D = Decimal
ITEM = PobTemplate("ITEM")


def by_item(*rules: tuple[str, str]) -> SspTemplate:
    return SspTemplate(
        "SSP",
        tuple(
            SspRule(item, SspMethod.FIXED, (Condition("ITEM_NUM", "=", (item,)),), amount=D(amount))
            for item, amount in rules
        ),
    )


def example_34() -> tuple[list[TransactionLine], Policies]:
    rules = policies(ITEM, ssp=by_item(("A", "40"), ("B", "55"), ("C", "45")))
    lines = [line("1", "40.00", item="A"), line("2", "30.00", item="B"), line("3", "30.00", item="C")]
    return lines, rules


def overridden(
    lines: list[TransactionLine], rules: Policies, overrides: Overrides
) -> tuple[dict[str, str], list[str]]:
    (group,) = collect(lines, rules).groups
    contract, warnings = apply(allocate_contract(group, rules), overrides, rules)
    return {a.line_id: str(a.allocated) for a in contract.allocation.lines}, [w.code for w in warnings]


def test_ssp_override_reallocates_the_price_exactly() -> None:
    """IFRS 15 IE Example 34 Case A (ASC 606-10-55-259): products A, B, C with SSPs 40, 55, 45 sold for 100.
    A user overrides C's SSP to 55. By hand: SSP total 40 + 55 + 55 = 150; A = 100 × 40/150 = 26.666… →
    26.67, B = C = 100 × 55/150 = 36.666… → 36.67; the shares total 100.01, so the remainder −0.01 goes to
    the largest line, ties to the first (B): A 26.67, B 36.66, C 36.67 = 100.00."""
    lines, rules = example_34()
    computed, _ = overridden(lines, rules, Overrides())
    assert computed == {"1": "28.57", "2": "39.29", "3": "32.14"}  # the published allocation
    got, warnings = overridden(lines, rules, Overrides(ssp={"3": D("55")}))
    assert got == {"1": "26.67", "2": "36.66", "3": "36.67"} and warnings == []
    assert sum(D(v) for v in got.values()) == D("100.00")


def test_ssp_override_marks_the_line_manual_and_keeps_carves_summing_to_zero() -> None:
    lines, rules = example_34()
    (group,) = collect(lines, rules).groups
    contract, _ = apply(allocate_contract(group, rules), Overrides(ssp={"3": D("55")}), rules)
    rows = {a.line_id: a for a in contract.allocation.lines}
    assert rows["3"].ssp == D("55") and rows["3"].ssp_type == "MANUAL" and rows["1"].ssp_type != "MANUAL"
    assert sum(a.allocated_minor - a.allocatable_minor for a in contract.allocation.lines) == 0
    assert rows["1"].carve == D("26.67") - D("40.00")


def test_allocation_override_applies_only_when_it_sums_to_the_price() -> None:
    """Transaction price 100 (40 + 30 + 30). Overriding A 30 and B 40 leaves C at its computed 32.14:
    30 + 40 + 32.14 = 102.14 ≠ 100, so nothing applies; with C 30 too, 30 + 40 + 30 = 100 applies."""
    lines, rules = example_34()
    got, warnings = overridden(lines, rules, Overrides(allocated={"1": D("30"), "2": D("40")}))
    assert got == {"1": "28.57", "2": "39.29", "3": "32.14"} and warnings == ["REVREC-ENG-032"]
    exact = {"1": D("30"), "2": D("40"), "3": D("30")}
    got, warnings = overridden(lines, rules, Overrides(allocated=exact))
    assert got == {"1": "30.00", "2": "40.00", "3": "30.00"} and warnings == []


def test_allocation_override_after_ssp_override_and_refusals() -> None:
    lines, rules = example_34()
    both = Overrides(ssp={"3": D("55")}, allocated={"2": D("36.67"), "3": D("36.66")})
    got, warnings = overridden(lines, rules, both)  # 26.67 + 36.67 + 36.66 = 100.00
    assert got == {"1": "26.67", "2": "36.67", "3": "36.66"} and warnings == []
    _, warnings = overridden(lines, rules, Overrides(ssp={"9": D("10")}))  # not a line of the contract
    assert warnings == ["REVREC-ENG-031"]
    _, warnings = overridden(lines, rules, Overrides(allocated={"1": D("28.575")}))  # sub-cent
    assert warnings == ["REVREC-ENG-030"]


def test_manual_release_by_exact_fraction() -> None:
    """A Manual-release POB line of 300.00 recognised at once: releasing 1/3 (an amount of 100 of 300)
    recognises exactly 100.00, which no whole percent could express."""
    manual = PobTemplate("MAN", ReleaseEvent.MANUAL, RatableMethod.IMMEDIATE_USING_START_DATE)
    rules = policies(manual)
    release = ManualRelease("1", day("2025-03-10"), D(0), fraction=Fraction(1, 3))
    result = compute_revenue([line("1", "300.00", item="MAN")], rules, manual_releases=[release])
    (contract,) = result.contracts
    assert contract.schedule("1").running_revenue[0][-1] == 10000  # minor units: 100.00


def test_manual_release_of_an_upon_booking_line_is_reported() -> None:
    lines, rules = example_34()
    (group,) = collect(lines, rules).groups
    release = ManualRelease("1", day("2025-03-10"), D("50"))
    contract, warnings = apply(allocate_contract(group, rules), Overrides(releases=(release,)), rules)
    assert [w.code for w in warnings] == ["REVREC-ENG-033"]
    scheduled = schedule_contract(contract, rules)
    assert scheduled.schedule("1").running_revenue[0][-1] == 4000  # booked in full, as before
