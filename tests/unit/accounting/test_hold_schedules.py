"""What a revenue hold does to packed running totals (revrec.controls.holds_schedule): frozen from the open
period, closed periods untouched, the release's catch-up in the then open period. Figures by hand."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from revrec.contracts.revisions import Packed
from revrec.controls.holds_schedule import freeze, release


def _packed(first: int, rev: list[int], cv: list[int] | None = None) -> Packed:
    carve = cv if cv is not None else [0] * len(rev)
    return Packed(first, (rev, list(rev), list(rev)), (carve, list(carve), list(carve)))


def test_freeze_keeps_closed_periods_and_stops_recognition() -> None:
    # 100 a month from index 10 (running 100, 200, ...); open period index 12
    true = _packed(10, [100, 200, 300, 400, 500])
    held = freeze(true, 12)
    assert held.rev[0] == [100, 200, 200, 200, 200]
    assert held.n == true.n


def test_freeze_of_revenue_only_leaves_the_carve() -> None:
    true = _packed(0, [10, 20, 30], cv=[5, 10, 15])
    held = freeze(true, 1, "R")
    assert held.rev[0] == [10, 10, 10] and held.cv[0] == [5, 10, 15]
    assert freeze(true, 1, "A").cv[0] == [5, 5, 5]


def test_freeze_before_the_schedule_starts_holds_everything() -> None:
    assert freeze(_packed(5, [100, 200]), 3).rev[0] == [0, 0]
    assert freeze(_packed(5, [100, 200]), 9).rev[0] == [100, 200]  # already fully recognised


def test_release_two_periods_later_books_the_catch_up() -> None:
    true = _packed(0, [100, 200, 300, 400, 500, 600])
    held = freeze(true, 1)  # held from index 1: 100, 100, 100, ...
    after = release(held, true, 3)  # released at index 3
    amounts = [b - a for a, b in zip([0, *after.rev[0]], after.rev[0], strict=False)]
    # index 0: 100; 1 and 2 held at 0; index 3: own 100 + 2 x 100 caught up; then 100 each
    assert amounts == [100, 0, 0, 300, 100, 100]


@given(
    st.lists(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=12),
    st.integers(min_value=0, max_value=14),
    st.integers(min_value=0, max_value=14),
)
def test_release_keeps_closed_periods_and_ends_at_the_true_total(
    steps: list[int], start: int, later: int
) -> None:
    running = [sum(steps[: i + 1]) for i in range(len(steps))]
    true = _packed(0, running)
    held = freeze(true, start)
    open_index = start + later
    after = release(held, true, open_index)
    for i in range(open_index):  # closed periods as held
        assert after.through("R", 0, i) == held.through("R", 0, i)
    assert after.total("R", 0) == true.total("R", 0)
    assert after.through("R", 0, open_index) == true.through("R", 0, open_index)
