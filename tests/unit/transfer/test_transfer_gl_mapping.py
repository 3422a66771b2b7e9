"""The GL interface mapping on plain values: where each key column's value comes from, the output key,
the standard layout, and segment errors."""

from __future__ import annotations

from typing import Any

import pytest

from revrec.errors import InvalidInput
from revrec.transfer.mapping import STANDARD, GlInterfaceDoc, Layout, Source, compile_layout

AMOUNT = {"name": "DR", "field": "t_dr_amt"}
LINE = {"batch_id": 7, "line_num": 3, "t_dr_amt": "1.50", "entry_count": 2, "entry_ids": [4, 9]}


def _layout(*columns: dict[str, Any], **keys: Any) -> Layout:
    return compile_layout(GlInterfaceDoc.model_validate({"columns": [*columns, AMOUNT], **keys}))


def _source(account: str = "10.2400.300", kind: str = "L") -> Source:
    return Source("Primary", 202602, account, kind, "EUR", "USD", "GBP")


@pytest.mark.parametrize(
    ("keys", "kind", "account", "expected"),
    [
        ({"natural_accounts": {"L": "2999"}, "natural_segment": 2}, "L", "10.2400.300", "2999"),  # by type
        ({"natural_accounts": {"L": "2999"}, "natural_segment": 2}, "R", "10.4000.300", "4000"),  # segment
        ({}, "R", "10.4000.300", "10.4000.300"),  # neither: the whole account string
        ({"natural_segment": 3}, "R", "10.4000.300", "300"),
    ],
)
def test_natural_account_by_type_then_segment_then_string(
    keys: dict[str, Any], kind: str, account: str, expected: str
) -> None:
    layout = _layout({"name": "ACCT", "field": "natural_account"}, segment_delimiter=".", **keys)
    assert layout.key_of(_source(account, kind)) == (expected,)


def test_every_key_source() -> None:
    layout = _layout(
        {"name": "LEDGER", "constant": "EU Ledger"},
        {"name": "CO", "segment": 1},
        {"name": "CC", "segment": 3},
        {"name": "PERIOD", "field": "period_name"},
        {"name": "PID", "field": "period_id"},
        {"name": "BOOK", "field": "book_name"},
        {"name": "TYPE", "field": "account_type_name"},
        {"name": "FC", "field": "f_cur"},
        {"name": "RC", "field": "r_cur"},
        {"name": "LN", "field": "line_num"},
        {"name": "IDS", "field": "entry_ids"},
        segment_delimiter=".",
    )
    source = _source()
    key = ("EU Ledger", "10", "300", "FEB-2026", 202602, "Primary", "Contract Liability", "USD", "GBP")
    assert layout.key_of(source) == key  # line fields and amounts are not part of the key
    assert layout.keys == (
        "ledger",
        "co",
        "cc",
        "period",
        "pid",
        "book",
        "type",
        "fc",
        "rc",
        "ln",
        "ids",
        "dr",
    )
    assert layout.values(source, LINE) == [*key, 3, [4, 9], "1.50"]


def test_standard_layout_keys_on_book_period_account_and_currencies() -> None:
    assert [c.name for c in STANDARD.columns][:3] == ["BATCH_ID", "LINE_NUM", "BOOK_NAME"]
    assert compile_layout(STANDARD).key_of(_source("1000-2400")) == (
        "Primary",
        202602,
        "FEB-2026",
        "1000-2400",
        "L",
        "EUR",
        "USD",
        "GBP",
    )


@pytest.mark.parametrize(
    ("keys", "column", "message"),
    [
        ({}, {"name": "CC", "segment": 4}, "column 'CC' takes segment 4 of account string '10.2400.300'"),
        (
            {"natural_segment": 5},
            {"name": "A", "field": "natural_account"},
            "natural_segment takes segment 5",
        ),
        ({"segment_delimiter": "-"}, {"name": "CC", "segment": 2}, "which has 1 segment(s) split by '-'"),
    ],
)
def test_missing_segment_is_an_error(keys: dict[str, Any], column: dict[str, Any], message: str) -> None:
    layout = _layout(column, **{"segment_delimiter": ".", **keys})
    with pytest.raises(InvalidInput) as caught:
        layout.key_of(_source())
    assert message in caught.value.message
