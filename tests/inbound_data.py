"""Builders of upload files: the 77-column transaction layout, events and bundles."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from revrec.inbound.templates_std import STANDARD_BUNDLE, STANDARD_EVENT, STANDARD_TRANSACTION

TRANSACTION_LABELS = [f.label for f in STANDARD_TRANSACTION.fields]
EVENT_LABELS = [f.label for f in STANDARD_EVENT.fields]
BUNDLE_LABELS = [f.label for f in STANDARD_BUNDLE.fields]

SO_DEFAULTS: dict[str, str] = {
    "Type": "SO",
    "Doc Num": "SO-1",
    "Doc Line Num": "1",
    "Doc Date": "15-JAN-2025",
    "Start Date": "01-FEB-2025",
    "End Date": "31-JAN-2026",
    "Cust Num": "C-1",
    "Cstmr Nm": "Acme Corp",
    "Curr": "USD",
    "F Cur": "USD",
    "F Ex Rate": "1",
    "G Ex Rate": "1",
    "Item Num": "SKU-1",
    "Ord Qty": "1",
    "Unit List Prc": "1200.00",
    "Ext Lst Prc": "1200.00",
    "Unit Sell Prc": "1200.00",
    "Ext Sll Prc": "1200.00",
    "Def Segments": "1000-2400",
    "Rev Segments": "1000-4000",
    "Cv Eligible Flag": "Y",
}


def so_line(line_id: str, **overrides: str) -> dict[str, str]:
    return {**SO_DEFAULTS, "Doc Line Id": line_id, **overrides}


def billing_line(
    kind: str, so_line_id: str, inv_line_id: str, amount: str, **overrides: str
) -> dict[str, str]:
    """An INV / CM* line against an SO line."""
    return so_line(
        so_line_id,
        Type=kind,
        **{"Inv Num": f"INV-{inv_line_id}", "Inv Line Num": "1", "Inv Line Id": inv_line_id,
           "Inv Date": "20-JAN-2025", "Inv Qty": "1", "Ext Sll Prc": amount, "Ext Lst Prc": amount,
           "Unit Sell Prc": amount.lstrip("-"), "Unit List Prc": amount.lstrip("-")},
        **overrides,
    )  # fmt: skip


def to_csv(labels: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(labels)
    for row in rows:
        writer.writerow([row.get(label, "") for label in labels])
    return out.getvalue()


def transactions(*rows: Mapping[str, str]) -> str:
    return to_csv(TRANSACTION_LABELS, rows)
