"""The BI view registry: what a view is, and where its rows come from.

A view is a name, an ordered column list (the output header) and a *source*. A source yields the rows of
one client in a stable order (paging relies on it) and counts them; it is one of:

- :class:`SqlSource` — a SQLAlchemy Core ``select`` built for a :class:`ViewQuery` (the client, the
  ``fromDate``/``toDate`` window applied by the view on its own ``INCR_UPDT_DT`` source column with
  :meth:`Window.conditions`), whose columns are the view's columns in order, with an ORDER BY that
  makes the order total. An optional ``expand`` turns one SQL row into several output rows (e.g. a
  schedule stored as a packed per-period array becomes one row per period); paging and counting then
  walk the expanded stream.
- :class:`RowsSource` — rows computed in Python (the accounting calendar, static account types, or
  nothing at all for views whose data revrec does not keep yet).

Adding a view (e.g. ``BI3_RC_SCHD`` once contracts exist) is one :class:`ViewDef` in the catalog; the
HTTP, paging, cache and CLI machinery need no change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.sql.elements import ColumnElement

from revrec.biviews.columns import Column
from revrec.errors import InvalidInput

Row = Sequence[object]


@dataclass(frozen=True, slots=True)
class Window:
    """The ``fromDate``/``toDate`` filter on a view's ``INCR_UPDT_DT`` (UTC; either end may be open).

    ``end_exclusive`` is set when ``toDate`` was a bare date: ``toDate=2026-01-31`` means the whole day.
    """

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    end_exclusive: bool = False

    def conditions(self, column: Any) -> list[ColumnElement[bool]]:
        """SQL conditions putting ``column`` (a UTC timestamp) inside the window."""
        found: list[ColumnElement[bool]] = []
        if self.start is not None:
            found.append(column >= self.start)
        if self.end is not None:
            found.append(column < self.end if self.end_exclusive else column <= self.end)
        return found

    def contains(self, moment: dt.datetime | None) -> bool:
        if moment is None:
            return self.start is None and self.end is None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        if self.start is not None and moment < self.start:
            return False
        if self.end is not None:
            return moment < self.end if self.end_exclusive else moment <= self.end
        return True


@dataclass(frozen=True, slots=True)
class ViewQuery:
    """Whose rows, and which window; ``options`` carries view-specific settings (calendar years)."""

    client_id: int
    window: Window = Window()
    options: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SqlSource:
    """Rows from SQL; ``expand`` (optional) maps one SQL row to any number of output rows. ``then``
    (optional, not with ``expand``): a second select whose rows follow the first's — for a view whose rows
    fall in two ranges of its order (BI3_RC_SCHD's V rows after the schedules), so that each select streams
    in its own order instead of one sort of their union."""

    build: Callable[[ViewQuery], Select[Any]]
    expand: Callable[[Row], Iterable[Row]] | None = None
    then: Callable[[ViewQuery], Select[Any]] | None = None


@dataclass(frozen=True)
class RowsSource:
    """Rows computed in Python from the read transaction (policies, static data)."""

    rows: Callable[[Connection, ViewQuery], Iterable[Row]]


Source = SqlSource | RowsSource


@dataclass(frozen=True)
class ViewDef:
    """One BI view. ``timestamp_source`` says (for the docs) what its ``INCR_UPDT_DT`` is."""

    name: str
    columns: tuple[Column, ...]
    source: Source
    timestamp_source: str = ""
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def projection(self, fields: Sequence[str] | None) -> tuple[int, ...]:
        """Indexes of the requested fields (all when None), in the order asked; unknown names are 400."""
        names = self.column_names
        if not fields:
            return tuple(range(len(names)))
        index = {n: i for i, n in enumerate(names)}
        unknown = [f for f in fields if f.strip().upper() not in index]
        if unknown:
            raise InvalidInput(
                f"Invalid field name(s) for BI view {self.name}: {', '.join(unknown)}; "
                "GET /api/integration/v2/biviews/{view}/describe-columns lists them"
            )
        return tuple(index[f.strip().upper()] for f in fields)

    def header(self, projection: Sequence[int]) -> list[str]:
        names = self.column_names
        return [names[i] for i in projection]


class ViewRegistry:
    """The views a server offers, by name (case-insensitive)."""

    def __init__(self, views: Iterable[ViewDef] = ()) -> None:
        self._views: dict[str, ViewDef] = {}
        for view in views:
            self.register(view)

    def register(self, view: ViewDef) -> None:
        if not view.columns:
            raise ValueError(f"view {view.name} has no columns")
        self._views[view.name.upper()] = view

    def unregister(self, name: str) -> None:
        self._views.pop(name.upper(), None)

    def get(self, name: str) -> ViewDef:
        view = self._views.get(name.strip().upper())
        if view is None:
            raise InvalidInput(f"BI view {name} does not exist")
        return view

    def names(self) -> list[str]:
        return sorted(self._views)

    def __iter__(self) -> Iterator[ViewDef]:
        return iter([self._views[n] for n in self.names()])
