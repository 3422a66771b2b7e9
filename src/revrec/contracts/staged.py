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
from functools import lru_cache
from itertools import compress, repeat
from operator import is_not, itemgetter
from typing import Any, Final

from sqlalchemy import Connection, Date, Integer, String, select, type_coerce
from sqlalchemy.types import NullType

from revrec.db.id_lists import among, batches
from revrec.db.stage_columns import LINE_COLUMNS, sql_name
from revrec.db.tables import stage_line
from revrec.db.types import Money, Rate
from revrec.engine.lines import FIELD_ATTRIBUTES, TransactionLine
from revrec.inbound.screen import Memo

SO: Final = "SO"
RORD: Final = "RORD"
#: billing types the engine releases Upon Billing POBs from
ENGINE_BILLS: Final = frozenset({"INV", "CM", "CM-C", "CM-R"})
BILL_TYPES: Final = frozenset({"INV", "CM", "CM-C", "CM-R", "CM-RO"})

#: the staging columns a TransactionLine's own fields come from, in :meth:`_Reader.__call__`'s order
_LINE_NAMES: Final = (
    "ID",
    "TYPE",
    "SO_LINE_ID",
    "ORIG_SO_LINE_ID",
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
)
#: the staging columns read into a TransactionLine (ORIG_SO_LINE_ID, a source of the ref, is in ``extra``)
_DIRECT: Final = tuple(name for name in _LINE_NAMES if name not in ("ID", "ORIG_SO_LINE_ID"))
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
_ATTRIBUTE_SET: Final = frozenset(_ATTRIBUTES)
_EXTRA_INDEX: Final = {name: i for i, name in enumerate(_EXTRA)}
COLUMNS: Final = ("id", *(sql_name(c) for c in (*_DIRECT, *_EXTRA, *_ATTRIBUTES)))
_NAMES: Final = ("ID", *_DIRECT, *_EXTRA, *_ATTRIBUTES)
ONE: Final = Decimal(1)
ZERO: Final = Decimal(0)
#: the staging columns :func:`to_staged` makes a line attribute of, where not its own upper-case name
_SOURCES: Final = {
    "line_id": ("SO_LINE_ID", "ORIG_SO_LINE_ID"),  # the row's ref, by its TYPE
    "f_cur": ("F_CUR", "CURR"),
    "bndl_prnt_id": (),  # set by bundle explosion only
}
#: what a row read first gives: its id, and what its ref comes from
KEY_NAMES: Final = ("ID", "TYPE", "SO_LINE_ID", "ORIG_SO_LINE_ID")


@dataclass(frozen=True, slots=True)
class StagedRow:
    """``extra``: the values of the ``_EXTRA`` columns, in that order (read by name through :meth:`get`)."""

    row_id: int
    type: str
    ref: str | None
    line: TransactionLine
    extra: tuple[Any, ...]

    def get(self, name: str) -> Any:
        """The staging column ``name`` of the ``_EXTRA`` ones (None for any other)."""
        index = _EXTRA_INDEX.get(name)
        return None if index is None else self.extra[index]

    def with_line(self, **changes: Any) -> StagedRow:
        return replace(self, line=replace(self.line, **changes))


def extra_picker(names: Sequence[str]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """The values of the ``_EXTRA`` columns ``names`` of a StagedRow's ``extra``, as a tuple."""
    return _picker([_EXTRA_INDEX[name] for name in names])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def source_columns(fields: Iterable[str]) -> tuple[str, ...]:
    """The staging columns the values of line ``fields`` (normalized field names, as rules and conditions
    name them: ``line_field``) come from: a row read with only these (:func:`read_values`) has the same
    values in those fields as read whole. A name that is neither a line field nor a staging column read
    into ``attributes`` (``INV_NUM``, a typo) is blank on every line and needs none."""
    found: dict[str, None] = {}
    for name in fields:
        attribute = FIELD_ATTRIBUTES.get(name)
        if attribute is None:
            sources: tuple[str, ...] = (name,) if name in _ATTRIBUTE_SET else ()
        else:
            sources = _SOURCES.get(attribute, (attribute.upper(),))
        found.update(dict.fromkeys(sources))
    return tuple(found)


def ref_of(kind: str | None, so_line_id: str | None, orig_so_line_id: str | None) -> str | None:
    """The SO line a row of type ``kind`` belongs to (see the module's docstring)."""
    if kind == RORD:
        return orig_so_line_id
    if kind in BILL_TYPES:
        return so_line_id or orig_so_line_id
    return so_line_id


def _picker(positions: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """The values at ``positions`` of a row, always as a tuple (``itemgetter`` of one gives the value)."""
    if len(positions) > 1:
        return itemgetter(*positions)
    return lambda row: tuple(row[i] for i in positions)


class _Reader:
    """Makes StagedRows from rows of the values of ``names`` (a name missing from them reads as NULL), by
    position: no dict per row (collection reads every staging row it collects through one of these, so
    the per-row work is C-level picking: ``itemgetter``, and only the attributes that are set turned into
    a dict)."""

    __slots__ = ("_take", "_extra", "_attribute_names", "_attributes", "_pad")

    def __init__(self, names: tuple[str, ...], attribute_names: tuple[str, ...]) -> None:
        index = {name: i for i, name in enumerate(names)}
        blank = len(names)  # the NULL appended to a row when a name is missing from ``names``
        self._pad = any(name not in index for name in (*_LINE_NAMES, *_EXTRA))
        self._take = itemgetter(*(index.get(name, blank) for name in _LINE_NAMES))
        self._extra = _picker([index.get(name, blank) for name in _EXTRA])
        self._attribute_names = tuple(name for name in attribute_names if name in index)
        self._attributes = _picker([index[name] for name in self._attribute_names])

    def __call__(self, found: Sequence[Any]) -> StagedRow:
        row = (*found, None) if self._pad else found
        (
            row_id, kind, so_line_id, orig_so_line_id, so_num, cust_num, item_num, prod_ctgry, prod_class,
            prod_fmly, prod_ln, so_date, start_date, end_date, ord_qty, ext_lst_prc, ext_sll_prc,
            unit_list_prc, unit_sell_prc, curr, f_cur, f_ex_rate, g_ex_rate, cv_eligible_flag, inv_line_id,
            inv_date, inv_qty,
        ) = self._take(row)  # fmt: skip
        kind = kind or SO
        ref = ref_of(kind, so_line_id, orig_so_line_id)
        values = self._attributes(row)
        named = zip(self._attribute_names, values, strict=True)
        attributes = {  # the set ones, picked at C speed; _text called only for a value not text
            name: v if v.__class__ is str else _text(v)
            for name, v in compress(named, map(is_not, values, repeat(None)))
        }
        line = TransactionLine(
            line_id=ref or "",
            type=kind,
            so_num=so_num or "",
            cust_num=cust_num or "",
            item_num=item_num or "",
            prod_ctgry=prod_ctgry or "",
            prod_class=prod_class or "",
            prod_fmly=prod_fmly or "",
            prod_ln=prod_ln or "",
            so_date=so_date,
            start_date=start_date,
            end_date=end_date,
            ord_qty=ord_qty or ONE,
            ext_lst_prc=ext_lst_prc or ZERO,
            ext_sll_prc=ext_sll_prc or ZERO,
            unit_list_prc=unit_list_prc,
            unit_sell_prc=unit_sell_prc,
            curr=curr or "USD",
            f_cur=f_cur or curr or "USD",
            f_ex_rate=f_ex_rate or ONE,
            g_ex_rate=g_ex_rate or ONE,
            cv_eligible_flag=cv_eligible_flag or "",
            inv_line_id=inv_line_id or "",
            inv_date=inv_date,
            inv_qty=inv_qty,
            attributes=attributes,
        )
        return StagedRow(int(row_id), kind, ref, line, self._extra(row))


@lru_cache(maxsize=64)
def _reader(names: tuple[str, ...], attribute_names: tuple[str, ...]) -> _Reader:
    return _Reader(names, attribute_names)


def to_staged(values: dict[str, Any], attribute_names: Iterable[str] = _ATTRIBUTES) -> StagedRow:
    """A staging row (staging names → values) as a StagedRow (its ``attributes`` from ``attribute_names``;
    a name missing from ``values`` reads as NULL)."""
    return _reader(tuple(values), tuple(attribute_names))(tuple(values.values()))


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


@dataclass(frozen=True, slots=True)
class Values:
    """Staging rows read as sequences of the values of ``names`` (:func:`read_values`), ``KEY_NAMES`` first
    (a slice of a row is a tuple)."""

    names: tuple[str, ...]
    rows: list[Sequence[Any]]

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(name for name in self.names if name in _ATTRIBUTE_SET)

    @staticmethod
    def ref(row: Sequence[Any]) -> str | None:
        return ref_of(row[1], row[2], row[3])

    def staged(self, row: Sequence[Any], attributes: Iterable[str] | None = None) -> StagedRow:
        """``row`` as a StagedRow, the columns not read as NULL (``attributes``: :attr:`attributes`)."""
        names = tuple(attributes) if attributes is not None else self.attributes
        return _reader(self.names, names)(row)


def _columns(names: Sequence[str]) -> list[Any]:
    return [stage_line.c[sql_name(name) if name != "ID" else "id"] for name in names]


_WHOLE: Final = tuple(dict.fromkeys((*KEY_NAMES, *_NAMES)))
#: the selected columns without their types (the values come back as the driver gives them)
_RAW: Final = tuple(type_coerce(c, NullType()).label(c.name) for c in _columns(_WHOLE))


def read_values(
    conn: Connection,
    where: Any,
    names: Iterable[str] | None = None,
    order_by: Sequence[Any] = (),
    limit: int | None = None,
) -> Values:
    """The staging rows matching ``where`` (a clause on stage_line) with only their id, type and SO line ids
    (``KEY_NAMES``) and the columns ``names`` (:func:`source_columns`; None: all of :func:`read`'s).

    The values are read without SQLAlchemy's per-value type processing: PostgreSQL's driver already gives
    ``Decimal`` and ``date``; on SQLite the stored integers and ISO dates are converted as the column types
    would, through memos (amounts and dates repeat across a chunk's rows)."""
    selected = _WHOLE if names is None else tuple(dict.fromkeys((*KEY_NAMES, *names)))
    columns = _columns(selected)
    raw = _RAW if names is None else [type_coerce(c, NullType()).label(c.name) for c in columns]
    query = select(*raw).where(where)
    if order_by:
        query = query.order_by(*order_by)
    if limit is not None:
        query = query.limit(limit)
    result = conn.execute(query)
    if conn.dialect.name != "sqlite":
        return Values(selected, list(result.all()))  # one fetch, not a driver call a row
    convert = [(i, Memo(f)) for i, c in enumerate(columns) if (f := _sqlite_converter(c.type))]
    rows: list[Sequence[Any]] = []
    for found in result:
        row = list(found)
        for index, memo in convert:
            if (value := row[index]) is not None:
                row[index] = memo[value]
        rows.append(row)
    return Values(selected, rows)


def read(
    conn: Connection, where: Any, order_by: Sequence[Any] = (), limit: int | None = None
) -> list[StagedRow]:
    """Staging rows matching ``where`` (a clause on stage_line), whole, as StagedRows (``read_values``)."""
    values = read_values(conn, where, None, order_by, limit)
    reader = _reader(values.names, _ATTRIBUTES)
    return [reader(row) for row in values.rows]


def by_ids(conn: Connection, row_ids: Iterable[int]) -> list[StagedRow]:
    found: list[StagedRow] = []
    for chunk in batches(conn, row_ids):
        found.extend(read(conn, among(conn, stage_line.c.id, chunk)))
    return found


def iter_chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
