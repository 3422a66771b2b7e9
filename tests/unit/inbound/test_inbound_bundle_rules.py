"""Validation of bundle configuration uploads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revrec.inbound.bundle_rules import check_bundles, validate_bundle_row

D = Decimal
FROM, UNTIL = date(2025, 1, 1), date(2025, 12, 31)


def parent(item: str = "101", **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "BNDL_CFG_ITEM_NUM": item,
        "SELL_PRICE_SPLIT_TYPE": "PCT_OF_SP",
        "LIST_PRICE_SPLIT_TYPE": "PCT_OF_LP",
        "BNDL_CFG_VALID_FROM": FROM,
        "BNDL_CFG_VALID_UNTIL": UNTIL,
    }
    base.update(overrides)
    return base


def child(item: str, pct: str, parent_item: str | None = "101", **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "BNDL_CFG_ITEM_NUM": item,
        "PARENT_ITEM_NUM": parent_item,
        "SELL_PRICE_SPLIT_VAL": D(pct),
        "LIST_PRICE_SPLIT_VAL": D(pct),
        "BNDL_CFG_QUANTITY": D(1),
        "BNDL_CFG_DURATION": D(12),
    }
    base.update(overrides)
    return base


def numbered(*rows: dict[str, object]) -> list[tuple[int, dict[str, object]]]:
    return list(enumerate(rows, start=2))


def test_domain_example_is_valid() -> None:
    # domain §7.2: parent 101 (PCT_OF_SP/PCT_OF_LP), children 102 Licenses 60/60, 103 Services 40/40.
    result = check_bundles(numbered(parent(), child("102", "60"), child("103", "40")))
    assert result.ok
    [bundle] = result.parents
    assert (bundle.row, bundle.item, bundle.valid_from, bundle.valid_until) == (2, "101", FROM, UNTIL)
    assert [(c.row, c.item) for c in bundle.children] == [(3, "102"), (4, "103")]


def test_children_follow_their_parent_without_naming_it() -> None:
    result = check_bundles(numbered(parent(), child("102", "60", None), child("103", "40", None)))
    assert result.ok and len(result.parents[0].children) == 2


def test_percent_splits_must_total_100_and_the_error_names_the_parent() -> None:
    result = check_bundles(
        numbered(parent(), child("102", "60"), child("103", "30", LIST_PRICE_SPLIT_VAL=D(40)))
    )
    assert [(e.row, e.column, e.code, e.message) for e in result.errors] == [
        (
            2,
            "SELL_PRICE_SPLIT_TYPE",
            "RREV-02012",
            "The sell price split percentages of the children of bundle parent 101 total 90, not 100",
        ),
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ((child("102", "100"),), [(2, "RREV-02010")]),
        ((parent(), child("102", "100", "999")), [(2, "RREV-02011"), (3, "RREV-02010")]),
        ((parent(),), [(2, "RREV-02011")]),
        ((parent(), child("102", "50"), child("102", "50")), [(4, "RREV-02015")]),
        ((parent(), child("102", "100", SELL_PRICE_SPLIT_VAL=None)), [(2, "RREV-02012"), (3, "RREV-02013")]),
        (
            (parent(SELL_PRICE_SPLIT_TYPE="FIXED_PRICE"), child("102", "100", SELL_PRICE_SPLIT_VAL=None)),
            [(3, "RREV-02013")],
        ),
        (
            (
                parent(SELL_PRICE_SPLIT_TYPE="FIXED_PRICE"),
                child("102", "70", LIST_PRICE_SPLIT_VAL=D(50)),
                child("103", "75", LIST_PRICE_SPLIT_VAL=D(50)),
            ),
            [],
        ),
        ((parent(SELL_PRICE_SPLIT_TYPE="SAME"), child("102", "100")), [(3, "RREV-02014")]),
        ((parent(SELL_PRICE_SPLIT_TYPE="SAME"), child("102", "100", SELL_PRICE_SPLIT_VAL=None)), []),
        ((parent(), child("102", "100", COST_PRICE_SPLIT_VAL=D(5))), [(3, "RREV-02014")]),
        ((parent(COST_PRICE_SPLIT_TYPE="PCT_OF_CP"), child("102", "100", COST_PRICE_SPLIT_VAL=D(100))), []),
        (
            (
                parent(),
                child("102", "100"),
                parent(BNDL_CFG_VALID_FROM=date(2025, 6, 1), BNDL_CFG_VALID_UNTIL=None),
                child("103", "100"),
            ),
            [(4, "RREV-02016")],
        ),
        (
            (
                parent(),
                child("102", "100"),
                parent(BNDL_CFG_VALID_FROM=date(2026, 1, 1), BNDL_CFG_VALID_UNTIL=None),
                child("103", "100"),
            ),
            [],
        ),
    ],
)
def test_set_rules(rows: tuple[dict[str, object], ...], expected: list[tuple[int, str]]) -> None:
    assert [(e.row, e.code) for e in check_bundles(numbered(*rows)).errors] == expected


def test_a_child_joins_the_nearest_parent_of_its_item_above_it() -> None:
    later = parent(BNDL_CFG_VALID_FROM=date(2026, 1, 1), BNDL_CFG_VALID_UNTIL=None)
    result = check_bundles(numbered(parent(), child("102", "100"), later, child("103", "100")))
    assert result.ok
    assert [[c.item for c in p.children] for p in result.parents] == [["102"], ["103"]]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (parent(), []),
        (parent(BNDL_CFG_ITEM_NUM=None), [("RREV-02001", "BNDL_CFG_ITEM_NUM")]),
        (parent(SELL_PRICE_SPLIT_TYPE="PCT"), [("RREV-02002", "SELL_PRICE_SPLIT_TYPE")]),
        (parent(LIST_PRICE_SPLIT_TYPE="PCT_OF_SP"), [("RREV-02002", "LIST_PRICE_SPLIT_TYPE")]),
        (parent(COST_PRICE_SPLIT_TYPE="PCT_OF_LP"), [("RREV-02002", "COST_PRICE_SPLIT_TYPE")]),
        (parent(BNDL_CFG_VALID_FROM=None), [("RREV-02003", "BNDL_CFG_VALID_FROM")]),
        (parent(PARENT_ITEM_NUM="100"), [("RREV-02005", "PARENT_ITEM_NUM")]),
        (parent(SELL_PRICE_SPLIT_TYPE=None), [("RREV-02006", "SELL_PRICE_SPLIT_TYPE")]),
        (parent(BNDL_CFG_VALID_UNTIL=date(2024, 12, 31)), [("RREV-02004", "BNDL_CFG_VALID_UNTIL")]),
        (child("102", "60"), []),
        (
            child("102", "-1"),
            [("RREV-02009", "SELL_PRICE_SPLIT_VAL"), ("RREV-02009", "LIST_PRICE_SPLIT_VAL")],
        ),
        (child("102", "60", BNDL_CFG_QUANTITY=D(0)), [("RREV-02007", "BNDL_CFG_QUANTITY")]),
        (child("102", "60", BNDL_CFG_DURATION=D(-12)), [("RREV-02008", "BNDL_CFG_DURATION")]),
        (child("102", "60", BNDL_CFG_DURATION=None, BNDL_CFG_QUANTITY=None), []),
    ],
)
def test_row_rules(row: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert [(e.code, e.column) for e in validate_bundle_row(row)] == expected


def test_row_messages() -> None:
    [error] = validate_bundle_row(parent(LIST_PRICE_SPLIT_TYPE="PCT_OF_SP"))
    assert error.message == (
        "The bundle row is not processed due to invalid List Price Split Type"
        " (valid: PCT_OF_LP, FIXED_PRICE, SAME, blank)"
    )
    [row_error] = [
        e for e in check_bundles(numbered(parent(), child("102", "100", "999"))).errors if e.row == 3
    ]
    assert (row_error.value, row_error.message) == (
        "999",
        "The bundle child 102 is not processed as its parent item 999 is not in the upload",
    )
