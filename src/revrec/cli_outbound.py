"""The outbound commands of ``revrec``: ``report run|list`` and ``biview list|export``.

``cli._parser()`` calls :func:`add_parsers`; the handlers call the same services as the HTTP API.
"""

from __future__ import annotations

import argparse
import sys
from typing import IO

from sqlalchemy import Engine

from revrec.biviews import params, repository
from revrec.biviews.catalog import standard_registry
from revrec.biviews.csvout import write_cells
from revrec.biviews.reference_data import YEARS_AFTER, YEARS_BEFORE
from revrec.biviews.views import ViewQuery
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.reports import service as reports
from revrec.reports.generators import standard_generators
from revrec.reports.jobs import find_generator
from revrec.tenancy import service as tenancy


def _params(pairs: list[str] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"--param {pair!r}: use NAME=VALUE")
        found[key.strip()] = value
    return found


def _report_run(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    generator = find_generator(args.report)
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        record = reports.run_report(
            conn, store=reports.store_for(settings), generator=generator, client_id=client.id,
            params=_params(args.param), zip_threshold=settings.report_zip_threshold_bytes,
        )  # fmt: skip
    print(f"report {record.id} {record.rep_name!r}: {record.rows} row(s) in {record.file_name}")
    return 0


def _report_list(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
    records = reports.list_reports(reports.store_for(settings), client_id=client.id, created_date=args.date)
    print(f"{'ID':>8}  {'REPORT':<28} {'STATUS':<10} {'CREATED (UTC)':<20} FILE")
    for r in records:
        print(f"{r.id:>8}  {r.rep_name:<28} {r.status:<10} {r.report_date:<20} {r.file_name}")
    return 0


def _biview_list(_args: argparse.Namespace, _settings: Settings, _engine: Engine) -> int:
    for view in standard_registry():
        print(f"{view.name:<18} {len(view.columns):>4} columns  {view.description}")
    return 0


def _export(out: IO[str], args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    view = standard_registry().get(args.view)
    fields = [f for f in (args.fields or "").split(",") if f.strip()] or None
    projection = view.projection(fields)
    flt = params.Filter.parse(args.from_date, args.to_date)
    options = {
        YEARS_BEFORE: settings.biviews_calendar_years_before,
        YEARS_AFTER: settings.biviews_calendar_years_after,
    }
    with repository.snapshot(engine) as conn:
        client = tenancy.require_client(conn, args.client)
        cells = repository.stream_cells(conn, view, ViewQuery(client.id, flt.window, options), projection)
        return write_cells(out, view.header(projection), cells)


def _biview_export(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            written = _export(handle, args, settings, engine)
        print(f"{written} row(s) written to {args.output}")
    else:
        _export(sys.stdout, args, settings, engine)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = sub.add_parser("report", help="reports").add_subparsers(dest="report_command", required=True)
    run = report.add_parser("run", help="generate a report into the report store")
    run.add_argument("--client", required=True)
    run.add_argument("report", help=f"one of: {', '.join(standard_generators().keys())}")
    run.add_argument(
        "--param",
        action="append",
        help="NAME=VALUE, e.g. AS_OF_PERIOD=202603, FROM_PERIOD=202601, TO_PERIOD=202603, ORG_ID=1, "
        "kind=transaction,event (docs/outbound.md lists each report's parameters)",
    )
    run.set_defaults(handler=_report_run)
    rlist = report.add_parser("list", help="list the client's kept reports")
    rlist.add_argument("--client", required=True)
    rlist.add_argument("--date", help="created on DD-MON-YYYY (UTC)")
    rlist.set_defaults(handler=_report_list)

    biview = sub.add_parser("biview", help="BI views").add_subparsers(dest="biview_command", required=True)
    biview.add_parser("list", help="list the BI views").set_defaults(handler=_biview_list)
    export = biview.add_parser("export", help="write a whole BI view as CSV (one snapshot)")
    export.add_argument("--client", required=True)
    export.add_argument("view")
    export.add_argument("--from", dest="from_date")
    export.add_argument("--to", dest="to_date")
    export.add_argument("--fields", help="comma-separated column names")
    export.add_argument("--output", help="file to write (default: standard output)")
    export.set_defaults(handler=_biview_export)
