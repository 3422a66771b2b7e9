"""Golden digests: the complete output of the engine on generated data must not change.

The engine's hot paths (Upon Booking schedules, plain relative allocation, memoized SSP rule choice) have
general twins; these digests pin the whole output — contracts, keys, POBs, allocations (SSP, rule, type,
position, share, remainder), schedules (running totals in T/F/R, released fraction), errors, skipped lines —
of the benchmark's data and of a mixed data set that also takes the general paths (RSSP, formulas, fixed
amounts, excluded lines, multi-currency contracts, negative lines, bills, events, manual releases, expiry,
every ratable method, an open period, bad dates).  The digests were recorded with the engine before its
performance work; a change in any amount, rounding or field shows here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from revrec.engine.allocation import Allocation, new_allocation
from revrec.engine.contracts import EngineResult, compute_revenue
from revrec.engine.lines import ManualRelease, RevenueEvent, TransactionLine
from revrec.engine.policies import Policies
from revrec.engine.releases import FULL
from revrec.engine.schedules import LineSchedule, new_line_schedule, packed_curve, running_series, spread
from revrec.engine.ssp import derive_ssp

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from engine_data import generate  # noqa: E402
from engine_data import policies as bench_policies  # noqa: E402

D = Decimal

MIXED_POLICIES = {
    "reporting_currency": "USD",
    "rc_grouping_templates": [
        {
            "name": "SO",
            "rules": [{"seq": 1, "name": "SO", "group_by": ["CUST_NUM", "SO_NUM"]}],
            "ssp_hierarchy": [
                {"seq": 1, "template": "Special", "within": "M", "below": "Low", "above": "High"},
                {"seq": 2, "template": "Standard"},
            ],
        }
    ],
    "pob_templates": [
        {"name": "Ratable", "ratable_method": "Ratable"},
        {"name": "Daily", "ratable_method": "Ratable", "accounting_method": "Daily"},
        {"name": "Contract", "ratable_method": "Contract Ratable"},
        {"name": "Mid", "ratable_method": "Mid Month Ratable"},
        {"name": "Next", "ratable_method": "Next Month Ratable"},
        {"name": "Start", "ratable_method": "Immediate Using Start Date"},
        {"name": "Open", "ratable_method": "Immediate Using Open Period"},
        {"name": "Condense", "ratable_method": "Condense"},
        {"name": "Sliding", "ratable_method": "Sliding"},
        {
            "name": "Schedule",
            "ratable_method": "User Defined Schedules",
            "release_base": "Start Date",
            "schedule": [{"periods": 1, "percent": "40"}, {"periods": 3, "percent": "60"}],
        },
        {"name": "Billed", "release_event": "Upon Billing", "ratable_method": "Invoice Ratable"},
        {
            "name": "FullBilled",
            "release_event": "Upon Billing",
            "ratable_method": "Ratable",
            "billing_release": "Full Booking Release",
        },
        {
            "name": "Event",
            "release_event": "Upon Event",
            "ratable_method": "Ratable",
            "event": {"name": "Milestone", "process_type": "By Percent", "cumulative": True},
        },
        {"name": "Manual", "release_event": "Manual", "ratable_method": "Ratable"},
        {
            "name": "Expiry",
            "release_event": "Upon Expiry",
            "ratable_method": "Immediate Using Open Period",
            "expiry": {"number": 90, "unit": "Days", "field": "SO_DATE"},
        },
    ],
    "pob_assignment_rules": [
        {"template": "Mid", "kind": "Attributes", "seq": 1, "conditions": {"PROD_FMLY": "Mid"}},
        *(
            {"template": name, "kind": "Item", "seq": i, "item_num": name}
            for i, name in enumerate(
                [
                    "Ratable",
                    "Daily",
                    "Contract",
                    "Next",
                    "Start",
                    "Open",
                    "Condense",
                    "Sliding",
                    "Schedule",
                    "Billed",
                    "FullBilled",
                    "Event",
                    "Manual",
                    "Expiry",
                ]
            )
        ),
    ],
    "ssp_templates": [
        {
            "name": "Special",
            "rules": [
                {
                    "name": "Fixed",
                    "method": "Fixed Amount",
                    "amount": "900",
                    "currency": "USD",
                    "conditions": {"ITEM_NUM": "Start"},
                    "low_percent": "90",
                    "high_percent": "110",
                },
                {
                    "name": "Residual",
                    "method": "Residual",
                    "rssp_min_type": "LIST PRICE",
                    "rssp_min_percent": "10",
                    "rssp_fv_type": "LIST PRICE",
                    "alternative_ssp_type": "SELL PRICE",
                    "conditions": {"PROD_CTGRY": "Licence"},
                },
                {
                    "name": "Formula",
                    "method": "Formula",
                    "formula": "Ext List Price*50/NUM1",
                    "conditions": [{"field": "NUM1", "operator": ">", "value": "-1"}],
                    "valid_from": "2025-03-01",
                },
            ],
        },
        {
            "name": "Standard",
            "rules": [
                {
                    "name": "Extended",
                    "method": "Fixed Amount",
                    "amount": "5000",
                    "basis": "Extended",
                    "conditions": {"ITEM_NUM": "Open"},
                },
                {
                    "name": "List",
                    "method": "Percent Of List Price",
                    "percent": "85",
                    "low_percent": "80",
                    "high_percent": "120",
                },
            ],
        },
    ],
}

CURRENCIES = [
    ("USD", "USD", "1", "1"),
    ("EUR", "EUR", "1", "1.0834"),
    ("JPY", "USD", "0.0066812", "1"),
    ("KWD", "EUR", "2.987", "1.0834"),
    ("EUR", "USD", "1.1", "1"),
]
ITEMS = [
    "Ratable", "Daily", "Contract", "Mid", "Next", "Start", "Open", "Condense", "Sliding", "Schedule",
    "Billed", "FullBilled", "Event", "Manual", "Expiry", "Unknown",
]  # fmt: skip


def mixed_data(
    contracts: int, seed: int = 7
) -> tuple[list[TransactionLine], list[RevenueEvent], list[ManualRelease]]:
    """Contracts of 1-6 lines over every template, SSP rule and currency, with their later activity."""
    rng = random.Random(seed)
    lines: list[TransactionLine] = []
    events: list[RevenueEvent] = []
    manual: list[ManualRelease] = []
    for number in range(contracts):
        so_date = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(0, 500))
        mixed = rng.random() < 0.15  # several transaction currencies, one functional currency
        base = rng.randrange(len(CURRENCIES))
        for index in range(rng.randrange(1, 7)):
            curr, f_cur, f_rate, g_rate = CURRENCIES[4 if mixed and index % 2 else 0 if mixed else base]
            item = ITEMS[rng.randrange(len(ITEMS))]
            places = 0 if curr == "JPY" else 3 if curr == "KWD" else 2
            start = so_date + dt.timedelta(days=rng.randrange(0, 40))
            end: dt.date | None = start + dt.timedelta(days=rng.randrange(0, 1100))
            shape = rng.random()
            if shape < 0.03:
                end = None
            elif shape < 0.05:
                end = start - dt.timedelta(days=3)  # end before start: RPRO-00013
            quantity = rng.randrange(1, 12)
            listed = D(rng.randrange(1, 10**7)).scaleb(-places)
            sold = D(rng.randrange(-(10**5), 10**7)).scaleb(-places) if rng.random() < 0.9 else listed
            line_id = f"M{number:05d}-{index}"
            attributes = {"NUM1": str(rng.randrange(-3, 4))} if rng.random() < 0.3 else {}
            if rng.random() < 0.1:
                attributes["TERM"] = str(rng.randrange(1, 4))
            lines.append(
                TransactionLine(
                    line_id=line_id,
                    so_num=f"S{number:05d}",
                    cust_num=f"C{number % 97}",
                    item_num=item,
                    prod_ctgry="Licence" if rng.random() < 0.1 else "",
                    prod_fmly="Mid" if rng.random() < 0.05 else "",
                    so_date=so_date if rng.random() < 0.95 else None,
                    start_date=start if rng.random() < 0.99 else None,
                    end_date=end,
                    ord_qty=D(quantity),
                    ext_lst_prc=listed,
                    ext_sll_prc=sold,
                    curr=curr,
                    f_cur=f_cur,
                    f_ex_rate=D(f_rate),
                    g_ex_rate=D(g_rate),
                    cv_eligible_flag="N" if rng.random() < 0.05 else "",
                    attributes=attributes,
                )
            )
            if item in ("Billed", "FullBilled"):
                for bill in range(rng.randrange(0, 3)):
                    billed = (sold * D(rng.randrange(-20, 70)) / 100).quantize(D(1).scaleb(-places))
                    bill_start = start + dt.timedelta(days=30 * bill)
                    lines.append(
                        TransactionLine(
                            line_id=line_id,
                            type="CM" if billed < 0 else "INV",
                            ext_sll_prc=billed,
                            inv_line_id=f"I{number}-{index}-{bill}",
                            inv_date=bill_start,
                            start_date=bill_start,
                            end_date=bill_start + dt.timedelta(days=rng.randrange(0, 200)),
                            curr=curr,
                        )
                    )
            elif item == "Event":
                for event in range(rng.randrange(0, 3)):
                    events.append(
                        RevenueEvent(
                            line_id,
                            "Milestone" if rng.random() < 0.9 else "Other",
                            start + dt.timedelta(days=45 * event),
                            percent=D(rng.randrange(0, 130)),
                            event_id=f"E{event}",
                        )
                    )
            elif item in ("Manual", "Expiry") and rng.random() < 0.7:
                manual.append(
                    ManualRelease(
                        line_id,
                        start + dt.timedelta(days=rng.randrange(0, 120)),
                        D(rng.randrange(1, 100)),
                        "DEF" if rng.random() < 0.2 else "REC",
                    )
                )
    rng.shuffle(lines)
    return lines, events, manual


def digest(result: EngineResult) -> str:
    return hashlib.sha256(repr(result).encode()).hexdigest()


def test_benchmark_data_gives_the_recorded_output() -> None:
    result = compute_revenue(list(generate(3_000)), bench_policies())
    assert len(result.contracts) == 596
    assert digest(result) == "6a505f45064f5ea41c119ea5a8a655b16c48e9d581b69923303cdef556f1b27c"


@pytest.mark.parametrize(
    ("open_period", "expected"),
    [
        (None, "f4166bb45fb52f6e8c3ed5224c042ad975af0b9811a5b0dab739c32acfc3db59"),
        (202507, "01196d60c49c629b3230938195aebe4c92fc4fc6fd37de0a77c32115637f596e"),
        (999999, "9b5e3063d6fa355db6171b2695e064448cb109a709cfb7ac383c3f087e27b6b8"),  # not in the calendar
    ],
)
def test_mixed_data_gives_the_recorded_output(open_period: int | None, expected: str) -> None:
    lines, events, manual = mixed_data(400)
    policies = Policies.from_mapping(MIXED_POLICIES)
    result = compute_revenue(lines, policies, events=events, manual_releases=manual, open_period=open_period)
    assert digest(result) == expected


def test_the_fast_builders_make_the_frozen_dataclasses() -> None:
    built = new_line_schedule(
        "L1", "K/P", (202501,), ("USD", "USD", "USD"), ((1,), (1,), (1,)), ((2,), (2,), (2,)), FULL
    )
    plain = LineSchedule(
        "L1", "K/P", (202501,), ("USD", "USD", "USD"), ((1,), (1,), (1,)), ((2,), (2,), (2,)), FULL
    )
    assert type(built) is LineSchedule and built == plain and repr(built) == repr(plain)
    assert hash(built.periods) == hash(plain.periods)
    with pytest.raises(AttributeError):
        built.line_id = "L2"  # type: ignore[misc]
    row = new_allocation("L1", "USD", 100, 90, True, D(1), "S/R", "SSP", "WITHIN", D("0.5"))
    assert type(row) is Allocation and row == Allocation(
        "L1", "USD", 100, 90, True, D(1), "S/R", "SSP", "WITHIN", D("0.5")
    )
    with pytest.raises(AttributeError):
        row.allocated_minor = 1  # type: ignore[misc]


CURVES = [
    ((1,), 1),
    ((31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365), 365),
    ((17, 47, 77, 107, 137, 167, 197, 227, 257, 287, 317, 330), 330),
    (tuple(range(0, 37 * 900, 900)), 36 * 900),
    ((0, 0, 5, 5, 7), 7),
]
RATES = [((1, 1), (1, 1)), ((1, 1), (5417, 5000)), ((1670300, 2500000), (1, 1)), ((2987, 10), (5417, 5000))]


@pytest.mark.parametrize(("cumulative", "denominator"), CURVES)
def test_packed_running_totals_equal_the_plain_loops(cumulative: tuple[int, ...], denominator: int) -> None:
    """running_series (packed integers) against spread (one Python loop per series), totals of every size."""
    rng = random.Random(denominator)
    curve = packed_curve(cumulative, denominator)
    assert curve.limit > 10**15
    totals = [
        0,
        1,
        -1,
        2,
        -2,
        curve.limit,
        curve.limit + 1,
        -curve.limit,
        -curve.limit - 1,
        10**40,
        -(10**40),
    ]
    totals += [rng.randrange(-(10**12), 10**12) for _ in range(300)]
    for allocated in totals:
        for allocatable in (allocated, rng.randrange(-(10**9), 10**9)):
            for functional, reporting in RATES:
                expected = spread((allocated, allocatable), (cumulative, denominator), functional, reporting)
                assert running_series(allocated, allocatable, curve, functional, reporting) == expected


def test_a_curve_outside_the_packed_bounds_uses_the_loops() -> None:
    curve = packed_curve((2, 1), 1)  # a numerator above the denominator: never packed
    assert curve.limit < 0
    assert running_series(7, 5, curve, (1, 1), (1, 1)) == spread((7, 5), ((2, 1), 1), (1, 1), (1, 1))


def test_the_memoized_ssp_choice_equals_derive_ssp() -> None:
    lines, _, _ = mixed_data(200)
    policies = Policies.from_mapping(MIXED_POLICIES)
    selector = policies.ssp_selectors["SO"]
    for subject in lines:
        for _ in range(2):  # computed, then remembered
            chosen = selector.select(subject)
            result, error = derive_ssp(subject, policies.ssp_hierarchies["SO"])
            if chosen is None:
                assert result is None and error is None
            elif error is None:
                assert result is not None and (result.rule, result.rule_name) == (chosen[1], chosen[3])
