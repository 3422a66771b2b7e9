"""Report use cases: run a generator into the store, list, find a file to download, sign a URL.

``run_report`` is what the CLI and the Run Report program (revrec.reports.jobs) call: it only reads through
the connection it is given (the caller owns the transaction) and writes files into the store.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Connection

from revrec import isodates
from revrec.auth.service import API_NOT_ENABLED, Principal
from revrec.biviews.cache import Instant
from revrec.biviews.csvout import write_rows
from revrec.config import Settings
from revrec.errors import ApiDisabled, InvalidInput
from revrec.reports import signing
from revrec.reports.generators import ReportGenerator
from revrec.reports.store import ReportRecord, ReportStore
from revrec.tenancy import repository as tenancy

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
SIGNED_PATH = "/api/integration/v2/reports/signed/{report_id}"


def store_for(settings: Settings) -> ReportStore:
    return ReportStore(settings.data_dir / "reports", retention=settings.report_retention_seconds)


def run_report(
    conn: Connection, *, store: ReportStore, generator: ReportGenerator, client_id: int,
    params: Mapping[str, str] | None = None, zip_threshold: int,
) -> ReportRecord:  # fmt: skip
    """Generate a report: CSV streamed to a file, zipped when larger than ``zip_threshold`` bytes.

    The parameters are checked first (InvalidInput naming the bad one, and no report is recorded)."""
    resolved = generator.resolve(conn, client_id, params or {})
    record = store.begin(
        client_id, rep_name=generator.rep_name, category=generator.category,
        layout_name=generator.layout_name, rep_desc=generator.description(resolved),
    )  # fmt: skip

    def write(handle: IO[str]) -> int:
        rows = generator.rows(conn, client_id, resolved)
        return write_rows(handle, generator.columns, rows, range(len(generator.columns)))

    store_csv(store, record, write, zip_threshold=zip_threshold)
    return record


def store_csv(
    store: ReportStore, record: ReportRecord, write: Callable[[IO[str]], int], *, zip_threshold: int
) -> None:
    """Fill a begun report: ``write`` streams the CSV to a file and returns its row count; the file is
    zipped when larger than ``zip_threshold`` bytes, then published. On failure the report is Failed."""
    csv_part = store.part_path(record, "csv")
    try:
        with csv_part.open("w", encoding="utf-8", newline="") as handle:
            written = write(handle)
        if csv_part.stat().st_size > zip_threshold:
            zip_part = store.part_path(record, "zip")
            with zipfile.ZipFile(zip_part, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.write(csv_part, arcname=f"{record.id}.csv")
            csv_part.unlink()
            store.publish(record, zip_part, rows=written)
        else:
            store.publish(record, csv_part, rows=written)
    except Exception as exc:
        csv_part.unlink(missing_ok=True)
        store.fail(record, exc.message if isinstance(exc, InvalidInput) else "Report generation failed")
        raise


def parse_created_date(value: str) -> dt.date:
    """``DD-MON-YYYY`` (any case, e.g. ``16-JAN-2023`` / ``16-Jan-2023``) or an ISO 8601 date or date-time
    (``2023-01-16``, ``2023-01-16T10:00:00Z``: the UTC day of that moment); InvalidInput otherwise."""
    parts = value.strip().split("-")
    if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit() and len(parts[2]) == 4:
        month = parts[1].upper()
        if month in MONTHS:
            try:
                return dt.date(int(parts[2]), MONTHS.index(month) + 1, int(parts[0]))
            except ValueError:
                pass
    iso = isodates.parse(value)
    if iso is not None:
        return iso[0].date()
    raise InvalidInput(
        f"Invalid date format for {value}: use DD-MON-YYYY (16-JAN-2023) or an ISO 8601 date (2023-01-16)"
    )


def list_reports(store: ReportStore, *, client_id: int, created_date: str | None) -> list[ReportRecord]:
    day = parse_created_date(created_date) if created_date else None
    store.purge_expired(client_id)
    return store.list(client_id, day)


@dataclass(frozen=True)
class Download:
    path: Path
    record: ReportRecord


def find_download(store: ReportStore, *, client_id: int, filename: str) -> Download | None:
    """The kept, completed report a file name points at (by its id: ``10002.csv`` also finds
    ``10002.zip``, since clients rewrite extensions); None otherwise."""
    stem = Path(filename).name.split(".", 1)[0]
    if not (stem.isascii() and stem.isdigit() and len(stem) <= 10) or "/" in filename or "\\" in filename:
        return None
    record = store.get(client_id, int(stem))
    path = store.file(record) if record is not None else None
    return Download(path, record) if path is not None and record is not None else None


def signed_url(
    store: ReportStore, settings: Settings, *, caller: Principal, report_id: int, base_url: str, now: Instant
) -> str | None:
    """An absolute URL downloading the report without a token until it expires or the caller's tokens are
    revoked; None when unknown."""
    record = store.get(caller.client_id, report_id)
    if record is None or store.file(record) is None:
        return None
    expires = int(now) + settings.report_signed_url_ttl_seconds
    link = signing.Link(caller.client_id, caller.user_id, caller.token_version, report_id, expires)
    signature = signing.signature(settings.secret_key, link)
    base = (settings.public_base_url or base_url).rstrip("/")
    path = SIGNED_PATH.format(report_id=report_id)
    query = f"client={caller.client_id}&user={caller.user_id}&expires={expires}&signature={signature}"
    return f"{base}{path}?{query}"


INVALID_LINK = (
    "Invalid signed URL: altered, or revoked because its user was disabled or changed password; "
    "ask for a new one"
)


@dataclass(frozen=True, slots=True)
class SignedQuery:
    """The query parameters of a signed URL, parsed and bounded (revrec.http.params); None when missing."""

    client: int | None
    user: int | None
    expires: int | None
    signature: str


def _link_check(
    conn: Connection, settings: Settings, report_id: int, query: SignedQuery, now: Instant
) -> str:
    """Why the link may not be used ("" when it may); ApiDisabled once it is proven but its client's API is
    off."""
    if query.client is None or query.user is None or query.expires is None or not query.signature:
        return INVALID_LINK
    client = tenancy.get_client(conn, query.client)
    user = tenancy.get_user(conn, query.client, query.user) if client else None
    if client is None or user is None:
        return INVALID_LINK
    link = signing.Link(client.id, user.id, user.token_version, report_id, query.expires)
    if not signing.verify(settings.secret_key, link, query.signature) or not user.enabled:
        return INVALID_LINK
    if not client.api_enabled:
        raise ApiDisabled(API_NOT_ENABLED)
    if query.expires < now:
        return "This signed URL has expired; ask for a new one"
    return ""


def signed_download(
    conn: Connection,
    store: ReportStore,
    settings: Settings,
    *,
    report_id: int,
    query: SignedQuery,
    now: Instant,
) -> Download | None | str:
    """The file of a signed URL; a reason string when the link is invalid, revoked or expired; None when the
    report is gone."""
    refused = _link_check(conn, settings, report_id, query, now)
    if refused:
        return refused
    assert query.client is not None  # a proven link names its client
    return find_download(store, client_id=query.client, filename=str(report_id))
