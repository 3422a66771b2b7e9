"""A standard-template upload through pre-stage then staging validation, as the service will wire them."""

from __future__ import annotations

import csv
import io

from revrec.inbound.line_rules import LineContext, sales_order_line_id, validate_line
from revrec.inbound.prestage import PrestageChecker
from revrec.inbound.reading import decode_lines
from revrec.inbound.templates_std import STANDARD_TRANSACTION


def upload(*rows: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, [f.label for f in STANDARD_TRANSACTION.fields], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


COMMON = {
    "Cstmr Nm": "Acme",
    "Item Num": "SKU1",
    "Curr": "EUR",
    "F Cur": "EUR",
    "F Ex Rate": "1",
    "G Ex Rate": "1.08",
    "Start Date": "01-JAN-2025",
    "End Date": "31-DEC-2025",
    "Def Segments": "1-2",
    "Rev Segments": "1-3",
    "Doc Num": "SO1",
    "Doc Date": "01-JAN-2025",
    "Ord Qty": "1",
}


def test_upload_to_staged_lines() -> None:
    body = upload(
        {
            **COMMON,
            "Type": "INV",
            "Doc Line Id": "SL1",
            "Inv Num": "I1",
            "Inv Line Id": "IL1",
            "Inv Date": "05-JAN-2025",
            "Inv Qty": "1",
            "Ext Lst Prc": "1200",
            "Ext Sll Prc": "1000.00",
        },
        {**COMMON, "Type": "SO", "Doc Line Id": "SL1", "Ext Lst Prc": "1200", "Ext Sll Prc": "1000.00"},
        {
            **COMMON,
            "Type": "INV",
            "Doc Line Id": "SL7",
            "Inv Num": "I2",
            "Inv Line Id": "IL2",
            "Inv Date": "05-JAN-2025",
            "Inv Qty": "1",
            "Ext Lst Prc": "1200",
            "Ext Sll Prc": "1000.005",
        },
    )
    checker = PrestageChecker(STANDARD_TRANSACTION)
    staged = list(checker.rows(decode_lines([body[:100], body[100:]])))
    assert checker.result().ok and [s.row for s in staged] == [2, 3, 4]
    known = {so for s in staged if (so := sales_order_line_id(s.values))}
    context = LineContext(known_so_line_ids=known)
    outcome = [
        [(e.code, e.column) for e in validate_line(s.values, reporting_currency="USD", context=context)]
        for s in staged
    ]
    assert outcome == [[], [], [("RPRO-00009", "EXT_SLL_PRC"), ("RPRO-00600", "SO_LINE_ID")]]
