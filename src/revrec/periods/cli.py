"""``revrec period list|status``: which period is open, and what Period Close did, from the command line.

``status`` prints the current period of the client's primary book and an org (Open or Soft Close, its
dates) and the last closed one (who closed it and when); ``list`` every stored period. Periods are created
by the first Data Collection (docs/accounting.md), so a new client has none yet; both say so.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import Engine

from revrec.config import Settings
from revrec.db.session import transaction
from revrec.periods import repository as repo
from revrec.periods import service as periods
from revrec.tenancy import service as tenancy

NONE_YET = "no accounting period yet: the first Data Collection opens one (docs/accounting.md)"


def _line(row: Any) -> str:
    end = row.end_date.fromordinal(row.end_date.toordinal() - 1)  # stored end is exclusive
    closed = f"  closed by {row.closed_by} at {row.closed_at:%Y-%m-%d %H:%M:%S}" if row.closed_by else ""
    return f"{row.period_key}  {row.start_date} .. {end}  {row.status}{closed}"


def _rows(args: argparse.Namespace, engine: Engine) -> tuple[periods.Scope, list[Any]]:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        scope = periods.default_scope(conn, client.id, args.org)
        return scope, repo.periods_of(conn, scope.client_id, scope.book_id, scope.org_id)


def _list(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    scope, rows = _rows(args, engine)
    print(f"org {scope.org_id}, book {scope.book_id}:")
    for row in rows:
        print(_line(row))
    print(f"{len(rows)} period(s)" if rows else NONE_YET)
    return 0


def _status(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    scope, rows = _rows(args, engine)
    current = [r for r in rows if r.status in repo.CURRENT_STATUSES]
    closed = [r for r in rows if r.status == "Closed"]
    if not current:
        print(f"org {scope.org_id}: {NONE_YET}")
        return 0
    print(f"org {scope.org_id}, book {scope.book_id}: current period {_line(current[-1])}")
    if closed:
        print(f"last closed: {_line(closed[-1])}")
    return 0


def add_commands(sub: Any) -> None:
    """Add ``period list`` and ``period status`` to the ``revrec`` parser."""
    period = sub.add_parser("period", help="accounting periods: which is open, which are closed")
    commands = period.add_subparsers(dest="period_command", required=True)
    for name, handler, text in (
        ("status", _status, "the current (Open or Soft Close) period and the last closed one"),
        ("list", _list, "every period of the book and org, oldest first"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--client", required=True)
        command.add_argument("--org", type=int, default=0, help="org id (default: the first enabled org)")
        command.set_defaults(handler=handler)
