"""CSV cells straight from the database driver's values: how SQL views are read in bulk.

Going through the ORM type layer (a result processor per value, Python ``TypeDecorator`` calls) and then
:func:`revrec.biviews.columns.cell` per value costs several times the query itself on a wide view such as
BI3_RC_SCHD (83 columns, most of them NULL). So a SQL view is executed **untyped** (:func:`untyped`: the
same statement, its columns coerced to ``NullType``, so the driver's values arrive as they are) and each
column gets a formatter chosen once from its SQL type (:func:`formatter`):

- a column that is ``NULL`` in every branch of the select: nothing to do (``None`` is an empty cell);
- an integer or string type without a result processor on this dialect: the driver's ``int`` / ``str`` is
  already its cell (``csv`` writes ``str(int)``, which is what ``cell`` gives);
- anything else: the type's own result processor, then ``cell`` — the very text the typed path gives —
  memoized per column and driver value (a pure function; amounts, rates and timestamps repeat a lot).
  ``int``, ``str``, ``date`` and ``datetime`` values are their own keys; a ``Decimal`` (PostgreSQL numeric)
  is keyed by its text, since ``Decimal("1.0") == Decimal("1.00")`` but the scale is part of the cell.

A row becomes a list of cells (``str``, ``int`` or ``None``) that ``csv.writer`` writes exactly as the
CSV format of docs/outbound.md requires.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement, Null
from sqlalchemy.types import NullType

from revrec.biviews.columns import cell

Cells = list[object]
Formatter = Callable[[Any], object]
MEMO_LIMIT = 4096
# driver values whose equality means the same cell text (an aware datetime: the same instant, written in UTC)
_MEMO_KEYS = (int, str, dt.datetime, dt.date)


def untyped(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` selecting the same columns without their types: the driver's values, unprocessed."""
    columns: list[Any] = [
        type_coerce(c, NullType()).label(getattr(c, "name", None)) for c in stmt.selected_columns
    ]
    return stmt.with_only_columns(*columns)


def _always_null(column: ColumnElement[Any]) -> bool:
    bases = column.base_columns
    return bool(bases) and all(isinstance(b, Null) for b in bases)


def _python_type(column: ColumnElement[Any]) -> type | None:
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def formatter(column: ColumnElement[Any], dialect: Dialect, coltype: object = None) -> Formatter | None:
    """How the driver's (non-NULL) value of ``column`` becomes its CSV cell; None when it already is one.
    ``coltype`` is the driver's type code of the column (``cursor.description``; some processors need it)."""
    if _always_null(column):
        return None
    processor = column.type.dialect_impl(dialect).result_processor(dialect, coltype)
    if processor is None:
        return None if _python_type(column) in (int, str) else cell
    convert = processor
    return lambda value: cell(convert(value))


class CellWriter:
    """Turns the driver's rows of a select into the cell lists of ``projection`` (output column order);
    ``coltypes``: the driver's type codes of the selected columns (``cursor.description``), if known."""

    def __init__(
        self,
        stmt: Select[Any],
        dialect: Dialect,
        projection: Sequence[int],
        coltypes: Sequence[object] | None = None,
    ) -> None:
        selected = list(stmt.selected_columns)
        codes = list(coltypes) if coltypes is not None else [None] * len(selected)
        self.projection = tuple(projection)
        self.plan: list[tuple[int, Formatter]] = [
            (out, found)
            for out, source in enumerate(self.projection)
            if (found := formatter(selected[source], dialect, codes[source])) is not None
        ]
        self._identity = self.projection == tuple(range(len(selected)))

    def _pick(self) -> Callable[[Sequence[object]], Iterable[object]]:
        if self._identity:
            return iter
        if len(self.projection) == 1:
            (only,) = self.projection
            return lambda row: (row[only],)
        return operator.itemgetter(*self.projection)

    def cells(self, rows: Iterable[Sequence[object]]) -> Iterator[Cells]:
        pick = self._pick()
        memos: list[dict[object, object]] = [{} for _ in self.plan]  # one memo per column and call
        plan = [(index, text, memo) for (index, text), memo in zip(self.plan, memos, strict=True)]
        for row in rows:
            out = list(pick(row))
            for index, text, memo in plan:
                value = out[index]
                if value is not None:
                    kind = type(value)
                    key = value if kind in _MEMO_KEYS else (kind, str(value)) if kind is Decimal else None
                    found = memo.get(key)
                    if found is None:
                        found = text(value)
                        if key is not None:
                            if len(memo) >= MEMO_LIMIT:
                                memo.clear()
                            memo[key] = found
                    out[index] = found
            yield out


def driver_types(result: Any) -> list[object]:
    """The driver's type code of each column of an executed result (``cursor.description``)."""
    return [d[1] for d in result.cursor.description]


def typed_cells(rows: Iterable[Sequence[object]], projection: Sequence[int]) -> Iterator[Cells]:
    """Cells of rows already holding Python values (computed views, expanded rows)."""
    for row in rows:
        yield [cell(row[i]) for i in projection]
