"""What a report generator is, and the registry the CLI and the Run Report program look reports up in.

A generator is a name (``stage-errors``), the catalog fields shown by GET_ReportList (rep_name, category,
layout_name, rep_desc), its columns, the parameters it takes, a ``prepare`` step that checks them and fills
in defaults before anything is written (so a bad parameter is refused with a message naming it, never a
Failed report), and a function streaming its rows for one client from a read transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from revrec.biviews.views import Row
from revrec.errors import InvalidInput

Params = Mapping[str, str]


def _no_defaults(_conn: Connection, _client_id: int, params: Params) -> dict[str, str]:
    return dict(params)


@dataclass(frozen=True)
class ReportGenerator:
    key: str
    rep_name: str
    category: str
    layout_name: str
    rep_desc: str
    columns: tuple[str, ...]
    rows: Callable[[Connection, int, Params], Iterable[Row]]
    #: parameter names, lower case (given in any case: ``--param AS_OF_PERIOD=202603``)
    parameters: tuple[str, ...] = ()
    prepare: Callable[[Connection, int, Params], dict[str, str]] = _no_defaults

    def resolve(self, conn: Connection, client_id: int, params: Params) -> dict[str, str]:
        """The parameters checked (unknown names refused) and completed with their defaults."""
        given = {k.strip().lower(): v.strip() for k, v in params.items() if v is not None and v.strip()}
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            accepted = ", ".join(p.upper() for p in self.parameters) or "none"
            raise InvalidInput(
                f"Unknown parameter {', '.join(u.upper() for u in unknown)} for report {self.key} "
                f"(parameters: {accepted})"
            )
        return self.prepare(conn, client_id, given)

    def description(self, resolved: Params) -> str:
        """``rep_desc`` with the parameters the report was run with."""
        shown = ", ".join(f"{k.upper()}={v}" for k, v in sorted(resolved.items()))
        return f"{self.rep_desc} ({shown})" if shown else self.rep_desc


class GeneratorRegistry:
    def __init__(self, generators: Iterable[ReportGenerator] = ()) -> None:
        self._generators: dict[str, ReportGenerator] = {}
        for generator in generators:
            self.register(generator)

    def register(self, generator: ReportGenerator) -> None:
        self._generators[generator.key] = generator

    def get(self, key: str) -> ReportGenerator:
        found = self._generators.get(key.strip().lower())
        if found is None:
            raise InvalidInput(f"Unknown report {key!r}: use one of {', '.join(self.keys())}")
        return found

    def keys(self) -> list[str]:
        return sorted(self._generators)
