"""The manual journal entry commands of ``revrec``: ``mje create|list|show|submit|approve|reject|reverse``.

The operator acts for a named user in one of the user's roles (``--user``, ``--role``), with the same checks
as the API: ``Manual Journal Entries`` to key, submit, read and reverse; ``Approve Manual Journal Entries``
and the step's role to approve or reject.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Engine

from revrec.auth.privileges import APPROVE_MANUAL_JOURNAL_ENTRIES, MANUAL_JOURNAL_ENTRIES
from revrec.auth.service import Principal, require_privilege
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.engine.manual_entries import LineIn
from revrec.errors import InvalidInput
from revrec.mje import service
from revrec.mje.service import EntryIn
from revrec.tenancy import repository as tenancy_repo
from revrec.tenancy import service as tenancy


def _acting(conn: Connection, args: argparse.Namespace, privilege: str) -> Principal:
    client = tenancy.require_client(conn, args.client)
    found = tenancy_repo.load_principal(conn, client.id, args.user, args.role)
    if found is None or not found.user.enabled:
        raise InvalidInput(f"--user {args.user!r} is not an enabled user holding role {args.role!r}")
    caller = Principal(client.id, client.name, found.user.id, args.user, found.role_id, args.role,
                       found.privileges, client.reporting_currency)  # fmt: skip
    require_privilege(caller, privilege)
    return caller


def _amount(text: str, where: str) -> Decimal:
    try:
        return Decimal(text.strip() or "0")
    except InvalidOperation:
        raise InvalidInput(f"{where}: {text!r} is not a number") from None


def _line(text: str) -> LineIn:
    """``TYPE:ACCOUNT:DEBIT:CREDIT`` (e.g. ``L:2400-DEF:1500:``)."""
    parts = text.split(":")
    if len(parts) != 4:
        raise InvalidInput(f"--line {text!r}: expected TYPE:ACCOUNT:DEBIT:CREDIT, e.g. L:2400-DEF:1500:")
    kind, account, debit, credit = parts
    return LineIn(kind.strip().upper(), account, _amount(debit, "--line"), _amount(credit, "--line"))


def _print(entry: dict[str, Any]) -> None:
    print(
        f"{entry['id']:>8} {entry['mje_num']:<20} {entry['status']:<8} {entry['period']} "
        f"{entry['currency']} {entry['total_debit']:>16} {entry['description'] or ''}"
    )


def _create(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    entry = EntryIn(
        lines=[_line(x) for x in args.line], currency=args.currency, mje_num=args.number,
        description=args.description, period=args.period, f_cur=args.f_cur, r_cur=args.r_cur,
        ex_rate=_amount(args.ex_rate, "--ex-rate"), g_ex_rate=_amount(args.g_ex_rate, "--g-ex-rate"),
        rc_id=args.rc_id, auto_reverse=args.auto_reverse, org_id=args.org,
    )  # fmt: skip
    with transaction(engine) as conn:
        caller = _acting(conn, args, MANUAL_JOURNAL_ENTRIES)
        stored = service.create(conn, caller, entry)
        if args.submit:
            stored = service.submit(conn, caller, stored["id"])
    _print(stored)
    return 0


def _list(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        caller = _acting(conn, args, MANUAL_JOURNAL_ENTRIES)
        rows = service.list_entries(
            conn, caller, status=args.status, period=args.period, after_id=0, limit=1000
        )
    print(f"{'ID':>8} {'NUMBER':<20} {'STATUS':<8} PERIOD CUR {'TOTAL DEBIT':>16} DESCRIPTION")
    for row in rows:
        _print(row)
    return 0


def _show(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        entry = service.get(conn, _acting(conn, args, MANUAL_JOURNAL_ENTRIES), args.mje_id)
    print(json.dumps(entry, indent=2, default=str))
    return 0


def _action(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    privilege = (
        APPROVE_MANUAL_JOURNAL_ENTRIES
        if args.mje_command in ("approve", "reject")
        else MANUAL_JOURNAL_ENTRIES
    )
    with transaction(engine) as conn:
        caller = _acting(conn, args, privilege)
        if args.mje_command == "submit":
            done = service.submit(conn, caller, args.mje_id, args.comment)
        elif args.mje_command == "approve":
            done = service.approve(conn, caller, args.mje_id, args.comment)
        elif args.mje_command == "reject":
            done = service.reject(conn, caller, args.mje_id, args.comment or "")
        else:
            done = service.reverse(conn, caller, args.mje_id, args.comment)
    _print(done)
    return 0


def _acting_args(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--client", required=True)
    cmd.add_argument("--user", required=True, help="the user acting")
    cmd.add_argument("--role", required=True, help="the user's role holding the privilege")


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = sub.add_parser("mje", help="manual journal entries").add_subparsers(
        dest="mje_command", required=True
    )
    create = group.add_parser("create", help="key a manual journal entry (a Draft; --submit to submit it)")
    _acting_args(create)
    create.add_argument("--currency", required=True)
    create.add_argument("--line", action="append", required=True, metavar="TYPE:ACCOUNT:DEBIT:CREDIT")
    create.add_argument("--number", help="the entry number (unique; MJE-<id> when absent)")
    create.add_argument("--description")
    create.add_argument("--period", type=int, help="the open period (default)")
    create.add_argument("--f-cur")
    create.add_argument("--r-cur")
    create.add_argument("--ex-rate", default="1")
    create.add_argument("--g-ex-rate", default="1")
    create.add_argument("--rc-id", type=int)
    create.add_argument("--auto-reverse", action="store_true", help="reverse it in the next period")
    create.add_argument("--org", type=int)
    create.add_argument("--submit", action="store_true")
    create.set_defaults(handler=_create)
    listing = group.add_parser("list", help="manual journal entries of a client")
    _acting_args(listing)
    listing.add_argument("--status", choices=("Draft", "Pending", "Posted", "Rejected"))
    listing.add_argument("--period", type=int)
    listing.set_defaults(handler=_list)
    show = group.add_parser("show", help="one entry with its lines and approval steps (JSON)")
    _acting_args(show)
    show.add_argument("mje_id", type=int)
    show.set_defaults(handler=_show)
    for name, helptext in (
        ("submit", "submit a Draft: posted, or pending approval"),
        ("approve", "approve the entry's next step (the last posts it)"),
        ("reject", "reject the entry (a comment is required)"),
        ("reverse", "reverse a posted entry in the open period"),
    ):
        cmd = group.add_parser(name, help=helptext)
        _acting_args(cmd)
        cmd.add_argument("mje_id", type=int)
        cmd.add_argument("--comment", required=name == "reject", default=None)
        cmd.set_defaults(handler=_action)
