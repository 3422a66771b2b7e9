"""Staging streams back only VALIDATED_COLUMNS: line validation must read no other column."""

from __future__ import annotations

from inbound_data import billing_line, so_line, transactions
from revrec.db.stage_columns import LINE_COLUMNS
from revrec.inbound.line_rules import LineContext, validate_line
from revrec.inbound.prestage import PrestageChecker
from revrec.inbound.staging import VALIDATED_COLUMNS
from revrec.inbound.templates_std import STANDARD_TRANSACTION


class Recording(dict[str, object]):
    read: set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        Recording.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> object:
        Recording.read.add(key)
        return super().__getitem__(key)


def test_validation_reads_only_the_streamed_columns() -> None:
    rows = [
        so_line("L1"),
        so_line(
            "X", Curr="EUR", **{"F Ex Rate": "1.1", "Cstmr Nm": "", "Start Date": "", "Credit Rule": "Z"}
        ),
        billing_line("INV", "L1", "I1", "1200.00"),
        billing_line("CM", "L1", "C1", "-100.00", **{"Orig Inv Line Id": "I1"}),
        billing_line("CM-C", "L1", "C2", "-100.00", **{"Orig Inv Line Id": "I1"}),
        billing_line("CM-R", "L1", "C3", "-100.00", **{"Orig Inv Line Id": "I1", "Credit Rule": "F"}),
        billing_line("CM-RO", "L1", "C4", "-100.00", **{"Orig So Line Id": "L1"}),
        so_line(
            "R1", Type="RORD", **{"Orig So Line Id": "L1", "Ext Sll Prc": "-1.00", "Ext Lst Prc": "1.00"}
        ),
        so_line("Q", Type="CST"),
        so_line("Z", Type="NOPE"),
    ]
    context = LineContext(
        known_so_line_ids={"L1"}, segment_delimiter="-", segment_count=2, require_customer_number=True
    )
    staging_columns = {c for c, _ in LINE_COLUMNS}
    for staged in PrestageChecker(STANDARD_TRANSACTION).rows(transactions(*rows)):
        validate_line(Recording(staged.values), reporting_currency="USD", context=context)
    assert Recording.read & staging_columns <= set(VALIDATED_COLUMNS)
    assert "TYPE" in Recording.read and "EXT_SLL_PRC" in Recording.read
