"""Credit rules on compact schedules (contracts/credits.py): exact minor-unit figures, exact sums."""

from __future__ import annotations

import pytest

from revrec.contracts.credits import apply_credit, distribute
from revrec.contracts.revisions import Packed

YEAR = [10000] * 12  # 1,200.00 over 12 periods, in cents


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("", [-10000, -10000, -10000] + [0] * 9),
        (None, [-10000, -10000, -10000] + [0] * 9),
        ("L", [0] * 9 + [-10000, -10000, -10000]),
        ("P", [-2500] * 12),
        ("F", [-2500] * 12),  # no dates: prorated
    ],
)
def test_rules_over_a_year(rule: str | None, expected: list[int]) -> None:
    assert distribute(YEAR, -30000, rule) == expected


def test_fifo_and_lifo_partial_periods() -> None:
    assert distribute(YEAR, -25050, "") == [-10000, -10000, -5050] + [0] * 9
    assert distribute(YEAR, -25050, "L") == [0] * 9 + [-5050, -10000, -10000]


def test_prorate_cumulative_rounding_sums_exactly() -> None:
    out = distribute([3333, 3333, 3334], -1000, "P")
    assert out == [-333, -334, -333] and sum(out) == -1000  # running 333.3, 666.6, 1000 rounded
    out = distribute([1, 1, 1], -100, "P")
    assert out == [-33, -34, -33] and sum(out) == -100


def test_fixed_duration_window() -> None:
    assert distribute(YEAR, -30000, "F", window=(2, 4)) == [0, 0, -10000, -10000, -10000] + [0] * 7
    out = distribute(YEAR, -10000, "F", window=(0, 2))
    assert out == [-3333, -3334, -3333] + [0] * 9 and sum(out) == -10000
    # the part of the window before the first eligible (open) period lands in it
    assert distribute(YEAR, -30000, "F", window=(0, 2), eligible_from=2) == [0, 0, -30000] + [0] * 9


def test_eligible_from_open_period() -> None:
    assert distribute(YEAR, -30000, "", eligible_from=2) == [0, 0, -10000, -10000, -10000] + [0] * 7
    assert distribute(YEAR, -30000, "L", eligible_from=2) == [0] * 9 + [-10000] * 3
    assert distribute(YEAR, -30000, "P", eligible_from=2) == [0, 0] + [-3000] * 10


def test_credit_beyond_the_schedule_goes_to_the_last_period() -> None:
    assert distribute([100, 100], -500, "") == [-100, -400]
    assert distribute([100, 100], -500, "L") == [-100, -400]


def test_zero_increase_and_empty_weights() -> None:
    assert distribute(YEAR, 0, "L") == [0] * 12
    assert distribute([100, 300], 40, "L") == [10, 30]  # an increase is prorated under every rule
    assert distribute([0, 0, 0], -90, "", eligible_from=1) == [0, -90, 0]
    assert distribute([-50, 0], -10, "P") == [-10, 0]  # no positive amount: the first eligible period
    assert distribute([-50, 100], -200, "") == [0, -200]  # negative periods are not consumed
    with pytest.raises(ValueError):
        distribute([], -1, "")


def _packed(first: int, amounts: list[int]) -> Packed:
    running, total = [], 0
    for amount in amounts:
        total += amount
        running.append(total)
    return Packed(first, (running, list(running), list(running)), ([0] * len(amounts),) * 3)


def _amounts(packed: Packed) -> list[int]:
    running = packed.rev[0]
    return [b - a for a, b in zip([0, *running[:-1]], running, strict=True)]


@pytest.mark.parametrize(
    ("rule", "prospective", "expected"),
    [
        ("", False, [10000, 10000, -20000] + [10000] * 9),
        ("L", False, [10000] * 9 + [0, 0, 0]),
        ("P", False, [10000, 10000, 2500] + [7500] * 9),
        ("", True, [10000, 10000, 0, 0, 0] + [10000] * 7),
        ("P", True, [10000, 10000] + [7000] * 10),
    ],
)
def test_apply_credit_keeps_closed_periods(rule: str, prospective: bool, expected: list[int]) -> None:
    old = _packed(100, YEAR)
    new = _packed(100, [7500] * 12)  # the engine's schedule after the credit
    result = apply_credit(old, new, new, rule, window=None, open_index=102, prospective=prospective)
    assert result.first_index == 100
    assert _amounts(result) == expected
    assert result.rev[0][:2] == old.rev[0][:2]  # closed periods unchanged
    assert all(series[-1] == 90000 for series in result.rev)


def test_apply_credit_fixed_window_beyond_the_schedule() -> None:
    old = _packed(100, [10000] * 3)
    new = _packed(100, [5000] * 3)
    result = apply_credit(old, new, new, "F", window=(101, 104), open_index=101, prospective=False)
    assert _amounts(result) == [10000, 6250, 6250, -3750, -3750]  # -15,000 over 4 periods
    assert result.rev[0][-1] == 15000
