"""Staging validation of cost lines (Type CST): every documented code, on its column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revrec.costs.template import STANDARD_COST
from revrec.inbound.codes import MESSAGES
from revrec.inbound.cost_rules import MANDATORY
from revrec.inbound.line_rules import LineContext, validate_line
from revrec.inbound.templates_std import template_from_mapping, template_to_mapping


def cost_line(**overrides: object) -> dict[str, object]:
    line: dict[str, object] = {
        "TYPE": "CST", "COST_LINE_ID": "CST-1", "SO_LINE_ID": "SO-1", "COST_TYPE": "Commission",
        "COST_AMT": Decimal("10000.00"), "CURR": "USD", "F_CUR": "USD", "START_DATE": date(2026, 1, 15),
        "COST_DEF_SEGMENTS": "1500-000", "COST_REV_SEGMENTS": "6100-000",
    }  # fmt: skip
    line.update(overrides)
    return line


def run(line: dict[str, object], context: LineContext | None = None) -> list[tuple[str, str | None]]:
    ctx = context or LineContext(known_so_line_ids={"SO-1"}, cost_types={"Commission"})
    return [(e.code, e.column) for e in validate_line(line, reporting_currency="USD", context=ctx)]


def test_a_valid_cost_line_needs_no_revenue_columns() -> None:
    # no Ext Sell Price, Item Num, Customer Name or Def/Rev Segments: Zuora exempts CST lines from them
    assert run(cost_line()) == []


@pytest.mark.parametrize(
    ("column", "code"),
    [
        ("COST_LINE_ID", "RREV-04301"), ("SO_LINE_ID", "RREV-04302"), ("COST_TYPE", "RREV-04303"),
        ("COST_AMT", "RREV-04304"), ("CURR", "RPRO-00009"), ("F_CUR", "RPRO-00009"),
        ("START_DATE", "RPRO-00018"), ("COST_DEF_SEGMENTS", "RPRO-00040"),
        ("COST_REV_SEGMENTS", "RPRO-00042"),
    ],
)  # fmt: skip
def test_mandatory_columns(column: str, code: str) -> None:
    assert (code, column) in run(cost_line(**{column: None}))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"COST_TYPE": "Bonus"}, ("RPRO-00048", "COST_TYPE")),
        ({"COST_AMT": Decimal("0")}, ("RREV-04305", "COST_AMT")),
        ({"COST_AMT": Decimal("-5.00")}, ("RREV-04305", "COST_AMT")),
        ({"COST_AMT": Decimal("1.005")}, ("RPRO-00045", "COST_AMT")),
        ({"START_DATE": date(1900, 1, 1)}, ("RPRO-00015", "START_DATE")),
        ({"SO_LINE_ID": "SO-404"}, ("RPRO-00600", "SO_LINE_ID")),
        ({"CURR": "EUR", "F_EX_RATE": None}, ("RPRO-00076", "F_EX_RATE")),
        ({"F_EX_RATE": Decimal("-1")}, ("RPRO-00067", "F_EX_RATE")),
    ],
)
def test_value_rules(overrides: dict[str, object], expected: tuple[str, str]) -> None:
    assert run(cost_line(**overrides)) == [expected]


def test_segments_and_duplicates() -> None:
    ctx = LineContext(known_so_line_ids={"SO-1"}, segment_delimiter="-", segment_count=2, cost_types=None)
    assert run(cost_line(COST_DEF_SEGMENTS="1500", COST_REV_SEGMENTS="6100--"), ctx) == [
        ("RPRO-00039", "COST_DEF_SEGMENTS"),
        ("RPRO-00041", "COST_REV_SEGMENTS"),
    ]
    assert run(cost_line(COST_LINE_ID="CST-9"), ctx) == []
    assert run(cost_line(COST_LINE_ID="CST-9"), ctx) == [("RREV-00001", "COST_LINE_ID")]  # same id again
    # cost_types None: any cost type passes staging (the cost process checks it again)
    assert run(cost_line(COST_LINE_ID="CST-2", COST_TYPE="Anything"), ctx) == []


def test_every_cost_code_has_a_message() -> None:
    for code in ("RPRO-00039", "RPRO-00040", "RPRO-00041", "RPRO-00042", "RPRO-00045", "RPRO-00048",
                 *(f"RREV-0430{n}" for n in range(1, 8))):  # fmt: skip
        assert MESSAGES[code]


def test_the_standard_cost_template_is_a_valid_transaction_template() -> None:
    template = template_from_mapping(template_to_mapping(STANDARD_COST))
    assert template == STANDARD_COST and template.kind == "transaction"
    assert [f.col_name for f in template.fields if f.required] == ["TYPE"]
    assert {f.col_name for f in template.fields} >= {c for c, _ in MANDATORY}
