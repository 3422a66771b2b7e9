"""Report generators: what a report is called and which rows it holds.

A generator is a name (``stage-errors``), the catalog fields shown by GET_ReportList (rep_name, category,
layout_name, rep_desc), its columns, and a function streaming its rows for one client from a read
transaction. The waterfall, roll-forward, contract detail and journal entry reports plug in as more
:class:`ReportGenerator` entries in :func:`standard_generators`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from revrec.biviews.views import Row
from revrec.errors import InvalidInput
from revrec.inbound import service as inbound_service

CHUNK = 1000


@dataclass(frozen=True)
class ReportGenerator:
    key: str
    rep_name: str
    category: str
    layout_name: str
    rep_desc: str
    columns: tuple[str, ...]
    rows: Callable[[Connection, int, Mapping[str, str]], Iterable[Row]]
    parameters: tuple[str, ...] = ()


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


# --- stage errors ----------------------------------------------------------------------------------------

STAGE_ERROR_KINDS = ("transaction", "event", "bundle")
STAGE_ERROR_COLUMNS = (
    "KIND", "ID", "UPLOAD_ID", "TYPE", "SO_NUM", "SO_LINE_NUM", "SO_LINE_ID", "INV_LINE_NUM", "INV_LINE_ID",
    "PROCESSED_FLAG", "CRTD_BY", "CRTD_DT", "UPDT_DT", "ERR_MSG",
)  # fmt: skip


def _kinds(params: Mapping[str, str]) -> list[str]:
    asked = [
        k.strip().lower() for k in params.get("kind", ",".join(STAGE_ERROR_KINDS)).split(",") if k.strip()
    ]
    unknown = [k for k in asked if k not in STAGE_ERROR_KINDS]
    if unknown or not asked:
        raise InvalidInput(
            f"Invalid kind {','.join(unknown) or '(none)'}: use {', '.join(STAGE_ERROR_KINDS)}"
        )
    return asked


def stage_error_rows(conn: Connection, client_id: int, params: Mapping[str, str]) -> Iterator[Row]:
    """Every errored staging line of the client with all its errors, kind by kind, oldest first."""
    upload = params.get("upload_id")
    upload_id = int(upload) if upload and upload.isdigit() else None
    for kind in _kinds(params):
        offset = 0
        while True:
            chunk = inbound_service.stage_errors(
                conn, client_id=client_id, kind=kind, upload_id=upload_id, offset=offset, limit=CHUNK
            )
            for r in chunk:
                yield (
                    kind, r["id"], r["upload_id"], r["type"], r["so_num"], r["so_line_num"], r["so_line_id"],
                    r["inv_line_num"], r["inv_line_id"], r["processed_flag"], r["crtd_by"], r["crtd_dt"],
                    r["updt_dt"], r["err_msg"],
                )  # fmt: skip
            if len(chunk) < CHUNK:
                break
            offset += CHUNK


STAGE_ERRORS = ReportGenerator(
    key="stage-errors",
    rep_name="Stage Errors Report",
    category="Transactions",
    layout_name="Standard",
    rep_desc="Staging lines in error (transactions, events, bundles) with every error",
    columns=STAGE_ERROR_COLUMNS,
    rows=stage_error_rows,
    parameters=("kind", "upload_id"),
)


def standard_generators() -> GeneratorRegistry:
    return GeneratorRegistry([STAGE_ERRORS])
