"""Staging rows as the engine's input: :class:`StagedRow` wraps a ``TransactionLine`` with what the
accounting needs besides (account strings, flags, the staging row id).

A row's ``ref`` is the SO line it belongs to: its own ``SO_LINE_ID`` for an SO line, the SO line it bills
or credits for billing lines (``SO_LINE_ID``, else ``ORIG_SO_LINE_ID``), the reduced line
(``ORIG_SO_LINE_ID``) for a reduction order (RORD).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Connection, Date, Integer, String, select, type_coerce
from sqlalchemy.types import NullType

from revrec.db.id_lists import among, batches
from revrec.db.stage_columns import LINE_COLUMNS, sql_name
from revrec.db.tables import stage_line
from revrec.db.types import Money, Rate
from revrec.engine.lines import TransactionLine
from revrec.inbound.screen import Memo

SO: Final = "SO"
RORD: Final = "RORD"
#: billing types the engine releases Upon Billing POBs from
ENGINE_BILLS: Final = frozenset({"INV", "CM", "CM-C", "CM-R"})
BILL_TYPES: Final = frozenset({"INV", "CM", "CM-C", "CM-R", "CM-RO"})

_DIRECT: Final = {
    "TYPE",
    "SO_LINE_ID",
    "SO_NUM",
    "CUST_NUM",
    "ITEM_NUM",
    "PROD_CTGRY",
    "PROD_CLASS",
    "PROD_FMLY",
    "PROD_LN",
    "SO_DATE",
    "START_DATE",
    "END_DATE",
    "ORD_QTY",
    "EXT_LST_PRC",
    "EXT_SLL_PRC",
    "UNIT_LIST_PRC",
    "UNIT_SELL_PRC",
    "CURR",
    "F_CUR",
    "F_EX_RATE",
    "G_EX_RATE",
    "CV_ELIGIBLE_FLAG",
    "INV_LINE_ID",
    "INV_DATE",
    "INV_QTY",
}
_EXTRA: Final = (
    "ORIG_SO_LINE_ID",
    "ORIG_INV_LINE_ID",
    "INV_NUM",
    "DEF_SEGMENTS",
    "REV_SEGMENTS",
    "AL_ACCOUNT",
    "AR_ACCOUNT",
    "CA_ACCOUNT",
    "UNBILL_FLAG",
    "RETURN_FLAG",
    "CREDIT_RULE",
)
_ATTRIBUTES: Final = tuple(
    c for c, kind in LINE_COLUMNS if c not in _DIRECT and c not in _EXTRA and kind in ("C", "N", "D")
)
COLUMNS: Final = ("id", *(sql_name(c) for c in (*_DIRECT, *_EXTRA, *_ATTRIBUTES)))
_NAMES: Final = ("ID", *_DIRECT, *_EXTRA, *_ATTRIBUTES)
ONE: Final = Decimal(1)
ZERO: Final = Decimal(0)


@dataclass(frozen=True, slots=True)
class StagedRow:
    row_id: int
    type: str
    ref: str | None
    line: TransactionLine
    extra: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.extra.get(name)

    def with_line(self, **changes: Any) -> StagedRow:
        return replace(self, line=replace(self.line, **changes))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_staged(values: dict[str, Any]) -> StagedRow:
    """A staging row (staging names → values) as a StagedRow."""
    get = values.get
    kind = get("TYPE") or SO
    if kind == RORD:
        ref = get("ORIG_SO_LINE_ID")
    elif kind in BILL_TYPES:
        ref = get("SO_LINE_ID") or get("ORIG_SO_LINE_ID")
    else:
        ref = get("SO_LINE_ID")
    attributes = {name: _text(v) for name in _ATTRIBUTES if (v := get(name)) is not None}
    line = TransactionLine(
        line_id=ref or "",
        type=kind,
        so_num=get("SO_NUM") or "",
        cust_num=get("CUST_NUM") or "",
        item_num=get("ITEM_NUM") or "",
        prod_ctgry=get("PROD_CTGRY") or "",
        prod_class=get("PROD_CLASS") or "",
        prod_fmly=get("PROD_FMLY") or "",
        prod_ln=get("PROD_LN") or "",
        so_date=get("SO_DATE"),
        start_date=get("START_DATE"),
        end_date=get("END_DATE"),
        ord_qty=get("ORD_QTY") or ONE,
        ext_lst_prc=get("EXT_LST_PRC") or ZERO,
        ext_sll_prc=get("EXT_SLL_PRC") or ZERO,
        unit_list_prc=get("UNIT_LIST_PRC"),
        unit_sell_prc=get("UNIT_SELL_PRC"),
        curr=get("CURR") or "USD",
        f_cur=get("F_CUR") or get("CURR") or "USD",
        f_ex_rate=get("F_EX_RATE") or ONE,
        g_ex_rate=get("G_EX_RATE") or ONE,
        cv_eligible_flag=get("CV_ELIGIBLE_FLAG") or "",
        inv_line_id=get("INV_LINE_ID") or "",
        inv_date=get("INV_DATE"),
        inv_qty=get("INV_QTY"),
        attributes=attributes,
    )
    extra = {name: get(name) for name in _EXTRA}
    return StagedRow(int(values["ID"]), kind, ref, line, extra)


def _sqlite_converter(column_type: Any) -> Callable[[Any], Any] | None:
    """How a value SQLite stores for a column of ``column_type`` becomes the value the type would give
    (the same as its result processor: scaled integers → Decimal, ISO text → date)."""
    if isinstance(column_type, Money | Rate):
        scale = column_type.scale
        return lambda v: Decimal(int(v)).scaleb(-scale)
    if isinstance(column_type, Date):
        return dt.date.fromisoformat
    if isinstance(column_type, String | Integer):
        return None
    raise TypeError(f"no conversion for staging column type {column_type!r}")  # a new type: add it here


#: the selected columns without their types (the values come back as the driver gives them)
_RAW: Final = tuple(type_coerce(stage_line.c[c], NullType()).label(c) for c in COLUMNS)
_SQLITE: Final = tuple(
    (name, f)
    for name, c in zip(_NAMES, COLUMNS, strict=True)
    if (f := _sqlite_converter(stage_line.c[c].type))
)


def read(
    conn: Connection, where: Any, order_by: Sequence[Any] = (), limit: int | None = None
) -> list[StagedRow]:
    """Staging rows matching ``where`` (a clause on stage_line), as StagedRows.

    The values are read without SQLAlchemy's per-value type processing: PostgreSQL's driver already gives
    ``Decimal`` and ``date``; on SQLite the stored integers and ISO dates are converted as the column types
    would, through memos (amounts and dates repeat across a chunk's rows)."""
    query = select(*_RAW).where(where)
    if order_by:
        query = query.order_by(*order_by)
    if limit is not None:
        query = query.limit(limit)
    convert = [(name, Memo(f)) for name, f in _SQLITE] if conn.dialect.name == "sqlite" else []
    found: list[StagedRow] = []
    for row in conn.execute(query):
        values = dict(zip(_NAMES, row, strict=True))
        for name, memo in convert:
            if (value := values[name]) is not None:
                values[name] = memo[value]
        found.append(to_staged(values))
    return found


def by_ids(conn: Connection, row_ids: Iterable[int]) -> list[StagedRow]:
    found: list[StagedRow] = []
    for chunk in batches(conn, row_ids):
        found.extend(read(conn, among(conn, stage_line.c.id, chunk)))
    return found


def iter_chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
