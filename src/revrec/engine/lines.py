"""The engine's inputs: collected transaction lines, revenue events and manual releases.

A :class:`TransactionLine` carries the staging fields the engine needs under their domain names (domain.md
§5); any other staging field (``ATR1``..``ATR60``, ``NUM1``..``NUM15``, ``TERM`` …) travels in
``attributes`` keyed by its upper-case staging name.  :func:`line_field` reads any field by staging name, so
grouping keys, POB rules, SSP rules and formulas are configured with the names users know.  Amounts are
Decimal in the line's transaction currency (``curr``); ``end_date`` is the *last day* of service
(inclusive, as uploaded), unlike periods which are half-open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from .money import MoneyError, to_decimal

_NO_ATTRIBUTES: Final[Mapping[str, str]] = MappingProxyType({})
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)

#: Line types that form revenue contract lines; billing types become bills of the SO line they reference.
CONTRACT_TYPES: Final = frozenset({"SO"})
BILLING_TYPES: Final = frozenset({"INV", "CM", "CM-C", "CM-R"})


@dataclass(frozen=True, slots=True)
class TransactionLine:
    """One collected staging line (``line_id`` = ``SO_LINE_ID``; billing lines also have ``inv_line_id``)."""

    line_id: str
    type: str = "SO"
    so_num: str = ""
    cust_num: str = ""
    item_num: str = ""
    prod_ctgry: str = ""
    prod_class: str = ""
    prod_fmly: str = ""
    prod_ln: str = ""
    so_date: dt.date | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    ord_qty: Decimal = ONE
    ext_lst_prc: Decimal = ZERO
    ext_sll_prc: Decimal = ZERO
    unit_list_prc: Decimal | None = None
    unit_sell_prc: Decimal | None = None
    curr: str = "USD"
    f_cur: str = "USD"
    f_ex_rate: Decimal = ONE
    g_ex_rate: Decimal = ONE
    cv_eligible_flag: str = ""
    inv_line_id: str = ""
    inv_date: dt.date | None = None
    inv_qty: Decimal | None = None
    bndl_prnt_id: str = ""
    attributes: Mapping[str, str] = field(default_factory=lambda: _NO_ATTRIBUTES)

    @property
    def allocation_eligible(self) -> bool:
        """``CV_ELIGIBLE_FLAG``: ``N`` excludes the line from allocation; ``Y`` or blank includes it."""
        return self.cv_eligible_flag != "N"

    @property
    def term_months(self) -> Decimal:
        """``TERM`` when given, else 1 (the multiplier of the RSSP minimum formulas)."""
        term = self.attributes.get("TERM")
        return to_decimal(term) if term else ONE


@dataclass(frozen=True, slots=True)
class RevenueEvent:
    """One uploaded event line (domain §7.1): releases (``REC``) or defers (``DEF``) part of a line."""

    line_id: str
    event_name: str
    event_date: dt.date
    percent: Decimal | None = None
    quantity: Decimal | None = None
    amount: Decimal | None = None
    action: str = "REC"
    event_id: str = ""


@dataclass(frozen=True, slots=True)
class ManualRelease:
    """A user's manual release (or deferral, ``DEF``) of ``percent`` of a line's value on ``release_date``."""

    line_id: str
    release_date: dt.date
    percent: Decimal
    action: str = "REC"
    #: the exact fraction released when it is not a whole percent (a release by amount); else ``percent``
    fraction: Fraction | None = None


#: staging field name (and common label spellings) → TransactionLine attribute
FIELD_ATTRIBUTES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "SO_LINE_ID": "line_id",
        "LINE_ID": "line_id",
        "TYPE": "type",
        "TRAN_TYPE": "type",
        "SO_NUM": "so_num",
        "CUST_NUM": "cust_num",
        "ITEM_NUM": "item_num",
        "PROD_CTGRY": "prod_ctgry",
        "PROD_CLASS": "prod_class",
        "PROD_FMLY": "prod_fmly",
        "PROD_LN": "prod_ln",
        "SO_DATE": "so_date",
        "SO_BOOK_DATE": "so_date",
        "START_DATE": "start_date",
        "END_DATE": "end_date",
        "ORD_QTY": "ord_qty",
        "EXT_LST_PRC": "ext_lst_prc",
        "EXT_LIST_PRICE": "ext_lst_prc",
        "EXT_SLL_PRC": "ext_sll_prc",
        "EXT_SELL_PRICE": "ext_sll_prc",
        "UNIT_LIST_PRC": "unit_list_prc",
        "UNIT_LIST_PRICE": "unit_list_prc",
        "UNIT_SELL_PRC": "unit_sell_prc",
        "UNIT_SELL_PRICE": "unit_sell_prc",
        "CURR": "curr",
        "F_CUR": "f_cur",
        "F_EX_RATE": "f_ex_rate",
        "G_EX_RATE": "g_ex_rate",
        "CV_ELIGIBLE_FLAG": "cv_eligible_flag",
        "INV_LINE_ID": "inv_line_id",
        "INV_DATE": "inv_date",
        "INV_QTY": "inv_qty",
        "BNDL_PRNT_ID": "bndl_prnt_id",
    }
)

FieldValue = str | Decimal | dt.date | None


def normalize_field(name: str) -> str:
    """``"Ext List Price"`` → ``"EXT_LIST_PRICE"``: the form field names are compared in."""
    return "_".join(name.strip().upper().replace("-", " ").split())


def line_field(line: TransactionLine, name: str) -> FieldValue:
    """The value of staging field ``name`` (normalized) on ``line``; None when absent or blank."""
    attribute = FIELD_ATTRIBUTES.get(name)
    if attribute is not None:
        value: FieldValue = getattr(line, attribute)
        return None if value == "" else value
    return line.attributes.get(name) or None


def numeric_field(line: TransactionLine, name: str) -> Decimal | None:
    """Field ``name`` as a Decimal (attributes like ``NUM3`` are parsed); None if absent or not numeric."""
    value = line_field(line, name)
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, dt.date):
        return None
    try:
        return to_decimal(value)
    except MoneyError:
        return None
