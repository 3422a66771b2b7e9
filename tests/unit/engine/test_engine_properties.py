"""Property tests (Hypothesis) of the engine's invariants (CONVENTIONS.md "Invariants asserted …")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from revrec.engine.contracts import RevenueContract, compute_revenue
from revrec.engine.lines import TransactionLine
from revrec.engine.money import exponent, fits_currency, from_minor, quantize
from revrec.engine.policies import Policies
from revrec.engine.policy_grouping import GroupingRule, RcGroupingTemplate
from revrec.engine.policy_pob import AccountingMethod, PobAssignmentRule, PobTemplate, RatableMethod
from revrec.engine.policy_ssp import SspHierarchyRow, SspMethod, SspRule, SspTemplate

METHODS = [m for m in RatableMethod if m not in (RatableMethod.INVOICE_RATABLE, RatableMethod.USER_DEFINED)]
TEMPLATES = tuple(
    PobTemplate(f"{m.name}-{a.name}", ratable_method=m, accounting_method=a)
    for m in METHODS
    for a in AccountingMethod
)
POLICIES = Policies(
    rc_grouping_templates=(
        RcGroupingTemplate(
            "T", (GroupingRule(1, "SO", ("SO_NUM",)),), ssp_hierarchy=(SspHierarchyRow(1, "SSP"),)
        ),
    ),
    pob_templates=TEMPLATES,
    pob_assignment_rules=tuple(
        PobAssignmentRule(t.name, item_num=t.name, seq=i) for i, t in enumerate(TEMPLATES)
    ),
    ssp_templates=(SspTemplate("SSP", (SspRule("list", SspMethod.PERCENT_OF_LIST, percent=Decimal(90)),)),),
    reporting_currency="USD",
)
CURRENCIES = [
    ("USD", "USD", "1", "1"),
    ("EUR", "EUR", "1", "1.0834"),
    ("JPY", "USD", "0.0066812", "1"),
    ("KWD", "EUR", "2.987", "1.0834"),
    ("EUR", "USD", "1.1", "1"),
]


@st.composite
def lines(draw: st.DrawFn) -> list[TransactionLine]:
    count = draw(st.integers(1, 6))
    curr, f_cur, f_rate, g_rate = draw(st.sampled_from(CURRENCIES))
    places = exponent(curr)
    result = []
    for index in range(count):
        start = dt.date(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 500)))
        end = start + dt.timedelta(days=draw(st.integers(0, 1100)))
        listed = Decimal(draw(st.integers(1, 10**8))).scaleb(-places)
        sold = Decimal(draw(st.integers(-(10**6), 10**8))).scaleb(-places)
        result.append(
            TransactionLine(
                line_id=f"L{index:02d}",
                so_num="SO",
                item_num=draw(st.sampled_from(TEMPLATES)).name,
                so_date=start - dt.timedelta(days=draw(st.integers(0, 60))),
                start_date=start,
                end_date=end,
                ext_lst_prc=listed,
                ext_sll_prc=sold,
                curr=curr,
                f_cur=f_cur,
                f_ex_rate=Decimal(f_rate),
                g_ex_rate=Decimal(g_rate),
                cv_eligible_flag=draw(st.sampled_from(["", "Y", "N"])),
            )
        )
    return result


def contract_of(subject: list[TransactionLine]) -> RevenueContract:
    (contract,) = compute_revenue(subject, POLICIES).contracts
    return contract


@settings(max_examples=150, deadline=None)
@given(lines())
def test_allocations_sum_to_the_transaction_price(subject: list[TransactionLine]) -> None:
    allocation = contract_of(subject).allocation
    eligible = [a for a in allocation.lines if a.eligible]
    assert sum((a.allocated for a in eligible), Decimal(0)) == allocation.transaction_price
    assert sum((a.carve for a in allocation.lines), Decimal(0)) == 0


@settings(max_examples=150, deadline=None)
@given(lines())
def test_each_schedule_sums_to_its_allocated_amount_in_each_currency(subject: list[TransactionLine]) -> None:
    contract = contract_of(subject)
    for schedule, allocation, line in zip(
        contract.schedules, contract.allocation.lines, contract.lines, strict=True
    ):
        allocated = allocation.allocated
        functional = quantize(allocated * line.f_ex_rate, line.f_cur)
        reporting = quantize(functional * line.g_ex_rate, "USD")
        assert schedule.total(0) == allocated
        assert schedule.total(1) == functional
        assert schedule.total(2) == reporting
        assert schedule.total(0, "R") == allocation.allocatable and schedule.total(0, "A") == allocation.carve
        assert sum(schedule.allocated(0)) == sum(schedule.revenue(0)) + sum(schedule.carve(0))


@settings(max_examples=100, deadline=None)
@given(lines())
def test_no_period_amount_has_more_decimals_than_its_currency(subject: list[TransactionLine]) -> None:
    for schedule in contract_of(subject).schedules:
        for index, code in enumerate(schedule.currencies):
            for series in (schedule.allocated(index), schedule.revenue(index)):
                assert all(fits_currency(from_minor(units, code), code) for units in series)
        for entry in schedule.entries():
            assert fits_currency(entry.amount, schedule.currencies[0])
            assert fits_currency(entry.reporting_amount, "USD")


@settings(max_examples=100, deadline=None)
@given(lines(), st.randoms(use_true_random=False))
def test_permuting_the_input_lines_changes_nothing(subject: list[TransactionLine], rng: object) -> None:
    shuffled = list(subject)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert compute_revenue(shuffled, POLICIES) == compute_revenue(subject, POLICIES)
