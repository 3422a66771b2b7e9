"""Columns of a BI view and how one cell is written.

A column has an UPPER CASE name (the output header, exactly as Zuora's view has it) and Oracle-style
metadata for ``describe-columns`` (``NUMBER`` / ``VARCHAR2`` / ``DATE`` / ``TIMESTAMP``, length,
precision, scale). Cells are written so that nothing is lost or guessed at:

- ``None`` → empty cell; booleans → ``Y`` / ``N`` (Zuora's flag convention);
- numbers → exact plain decimals (``Decimal`` in fixed notation, never through float, no exponent);
- dates → ``YYYY-MM-DD``; timestamps → ``YYYY-MM-DDTHH:MM:SS`` in UTC (a naive value is UTC already).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a view: its name and the metadata ``describe-columns`` reports."""

    name: str
    data_type: str = "VARCHAR2"
    data_length: int = 300
    data_precision: str | None = None
    data_scale: str | None = None

    def describe(self) -> dict[str, object]:
        return {
            "column_name": self.name,
            "data_type": self.data_type,
            "data_length": self.data_length,
            "data_precision": self.data_precision,
            "data_scale": self.data_scale,
        }


def text(name: str, length: int = 300) -> Column:
    return Column(name.upper(), "VARCHAR2", length)


def flag(name: str) -> Column:
    return Column(name.upper(), "VARCHAR2", 1)


def number(name: str, precision: int | None = None, scale: int | None = None) -> Column:
    return Column(
        name.upper(),
        "NUMBER",
        22,
        None if precision is None else str(precision),
        None if scale is None else str(scale),
    )


def date(name: str) -> Column:
    return Column(name.upper(), "DATE", 7)


def timestamp(name: str) -> Column:
    return Column(name.upper(), "TIMESTAMP", 11)


AUDIT = ("CRTD_BY", "CRTD_DT", "UPDT_BY", "UPDT_DT", "INCR_UPDT_DT")


def columns(spec: Iterable[str]) -> tuple[Column, ...]:
    """Columns from compact specs ``NAME`` (text), ``NAME:N`` (number), ``NAME:D`` (date),
    ``NAME:T`` (timestamp), ``NAME:F`` (Y/N flag); ``*_FLAG`` defaults to a flag and ``*_DT`` to a
    timestamp, so most view definitions are just their column names in order."""
    makers = {"N": number, "D": date, "T": timestamp, "F": flag, "C": text}
    result = []
    for item in spec:
        name, _, kind = item.partition(":")
        if not kind:
            kind = "F" if name.upper().endswith("_FLAG") else "T" if name.upper().endswith("_DT") else "C"
        result.append(makers[kind](name))
    names = [c.name for c in result]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"duplicated columns: {', '.join(duplicated)}")
    return tuple(result)


def cell(value: object) -> str:
    """The CSV text of one value (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise TypeError(f"a BI view cell cannot be {type(value).__name__}")
