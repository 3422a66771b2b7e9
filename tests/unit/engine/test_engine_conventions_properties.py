"""The engine's invariants under every convention (Hypothesis): allocations sum to the transaction price,
each schedule sums to its allocated amount in transaction, functional and reporting currency, and no
period amount has more decimals than its currency."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_properties import POLICIES, lines

from revrec.engine.contracts import compute_revenue
from revrec.engine.conventions import AllocationRemainder, Conventions, PeriodPattern, ScheduleRounding
from revrec.engine.lines import TransactionLine
from revrec.engine.money import fits_currency, from_minor, quantize
from revrec.engine.policies import Policies

conventions = st.builds(
    Conventions,
    schedule_rounding=st.sampled_from(ScheduleRounding),
    allocation_remainder=st.sampled_from(AllocationRemainder),
    allocation_percent_places=st.one_of(st.none(), st.integers(0, 8)),
    period_pattern=st.sampled_from(PeriodPattern),
)


def with_conventions(chosen: Conventions) -> Policies:
    return dataclasses.replace(POLICIES, conventions=chosen)


@settings(max_examples=200, deadline=None)
@given(lines(), conventions, st.sampled_from([None, 202503, 202607]))
def test_parts_sum_to_wholes_under_every_convention(
    subject: list[TransactionLine], chosen: Conventions, open_period: int | None
) -> None:
    result = compute_revenue(subject, with_conventions(chosen), open_period=open_period)
    (contract,) = result.contracts
    allocation = contract.allocation
    eligible = [a for a in allocation.lines if a.eligible]
    assert sum((a.allocated for a in eligible), Decimal(0)) == allocation.transaction_price
    assert sum((a.carve for a in allocation.lines), Decimal(0)) == 0
    for schedule, line_allocation, line in zip(
        contract.schedules, allocation.lines, contract.lines, strict=True
    ):
        amount = line_allocation.allocated
        functional = quantize(amount * line.f_ex_rate, line.f_cur)
        assert schedule.total(0) == amount
        assert schedule.total(1) == functional
        assert schedule.total(2) == quantize(functional * line.g_ex_rate, "USD")
        assert schedule.total(0, "R") == line_allocation.allocatable
        assert schedule.total(0, "A") == line_allocation.carve
        for index, code in enumerate(schedule.currencies):
            assert all(fits_currency(from_minor(units, code), code) for units in schedule.allocated(index))


@settings(max_examples=60, deadline=None)
@given(lines())
def test_the_default_conventions_are_the_previous_behaviour(subject: list[TransactionLine]) -> None:
    """Spelling out every default gives the same result as setting none (the fast paths included)."""
    spelled = Policies.from_mapping(
        {
            **POLICIES.to_mapping(),
            "schedule_rounding": "Cumulative",
            "allocation_remainder": "Largest Line",
            "allocation_percent_places": None,
            "period_pattern": "Calendar Months",
        }
    )
    assert compute_revenue(subject, spelled) == compute_revenue(subject, POLICIES)
