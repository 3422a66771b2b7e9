"""The holds and audit commands of ``revrec``: ``hold apply|release|list|expire`` and ``audit list``.

``cli._parser()`` calls :func:`add_parsers`; the handlers call the same services as the HTTP API, each in
one transaction. ``--by`` names who acts (recorded in the hold and the audit trail; default ``cli``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine

from revrec.config import Settings
from revrec.controls import audit, holds
from revrec.controls.holds_core import HoldRequest
from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.tenancy import service as tenancy


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--expiry {text!r}: use YYYY-MM-DD") from None


def _show(row: Any) -> None:
    target = row.line_id or row.pob_key or ""
    released = f"released {row.release_period} ({row.release_reason})" if row.released_flag else "active"
    print(
        f"{row.id:>6}  rc {row.rc_id:<8} {row.hold_type:<8} {row.hold_level:<8} {target:<20} "
        f"{row.hold_name:<24} applied {row.applied_period} by {row.applied_by}; {released}"
    )


def _apply(args: argparse.Namespace, _settings: Settings, engine: Engine) -> int:
    request = HoldRequest(
        args.rc_id, args.type, args.level, args.pob, args.line, args.schedules, args.comment,
        _date(args.expiry), not args.no_manual_release, not args.line_only,
    )  # fmt: skip
    with transaction(engine) as conn:
        client = tenancy.require_client(conn, args.client)
        _show(holds.apply_hold(conn, client_id=client.id, request=request, actor=args.by))
    return 0


def _release(args: argparse.Namespace, _settings: Settings, engine: Engine) -> int:
    with transaction(engine) as conn:
        client = tenancy.require_client(conn, args.client)
        _show(
            holds.release_hold(
                conn, client_id=client.id, hold_id=args.hold_id, actor=args.by, comment=args.comment
            )
        )
    return 0


def _list(args: argparse.Namespace, _settings: Settings, engine: Engine) -> int:
    active = True if args.active else False if args.released else None
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        rows = holds.list_holds(
            conn,
            client_id=client.id,
            rc_id=args.rc_id,
            active=active,
            after_id=args.after_id,
            limit=args.limit,
        )
    for row in rows:
        _show(row)
    return 0


def _expire(args: argparse.Namespace, _settings: Settings, engine: Engine) -> int:
    with transaction(engine) as conn:
        client = tenancy.require_client(conn, args.client)
        released = holds.release_expired(conn, client_id=client.id, org_id=args.org, actor=args.by)
    print(f"{released} expired hold(s) released")
    return 0


def _audit(args: argparse.Namespace, _settings: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        found = audit.entries(
            conn, client.id, object_type=args.object_type, object_id=args.object_id, action=args.action,
            after_id=args.after_id, limit=args.limit,
        )  # fmt: skip
    for e in found:
        states = json.dumps({"before": e.before, "after": e.after}, sort_keys=True)
        print(
            f"{e.id:>6}  {e.acted_at.isoformat()}  {e.actor:<16} {e.action:<14} {e.object_type} {e.object_id}"
        )
        print(f"        reason: {e.reason or ''}")
        print(f"        {states}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    hold = sub.add_parser("hold", help="revenue and transfer holds").add_subparsers(
        dest="hold_command", required=True
    )
    apply = hold.add_parser("apply", help="hold a contract, POB or line from the open period")
    apply.add_argument("--client", required=True)
    apply.add_argument("--rc-id", type=int, required=True)
    apply.add_argument("--type", required=True, help="REVENUE or TRANSFER")
    apply.add_argument("--level", default="CONTRACT", help="CONTRACT (default), POB or LINE")
    apply.add_argument("--pob", help="the POB key (POB level)")
    apply.add_argument("--line", help="the line id (LINE level)")
    apply.add_argument("--line-only", action="store_true", help="hold only the line, not its whole POB")
    apply.add_argument("--schedules", default="RA", help="revenue holds: R, A or RA (default)")
    apply.add_argument("--comment", required=True)
    apply.add_argument("--expiry", help="YYYY-MM-DD: released by `revrec hold expire` (program 155)")
    apply.add_argument("--no-manual-release", action="store_true", help="only an event or expiry releases it")
    apply.add_argument("--by", default="cli")
    apply.set_defaults(handler=_apply)
    release = hold.add_parser("release", help="release a hold (the catch-up lands in the open period)")
    release.add_argument("--client", required=True)
    release.add_argument("hold_id", type=int)
    release.add_argument("--comment", required=True)
    release.add_argument("--by", default="cli")
    release.set_defaults(handler=_release)
    hlist = hold.add_parser("list", help="list holds")
    hlist.add_argument("--client", required=True)
    hlist.add_argument("--rc-id", type=int)
    state = hlist.add_mutually_exclusive_group()
    state.add_argument("--active", action="store_true")
    state.add_argument("--released", action="store_true")
    hlist.add_argument("--after-id", type=int, default=0)
    hlist.add_argument("--limit", type=int, default=100)
    hlist.set_defaults(handler=_list)
    expire = hold.add_parser("expire", help="release the holds whose expiry date has come (as program 155)")
    expire.add_argument("--client", required=True)
    expire.add_argument("--org", type=int)
    expire.add_argument("--by", default="cli")
    expire.set_defaults(handler=_expire)

    trail = sub.add_parser("audit", help="the audit trail of control actions").add_subparsers(
        dest="audit_command", required=True
    )
    alist = trail.add_parser("list", help="list control actions in the order recorded")
    alist.add_argument("--client", required=True)
    alist.add_argument("--object-type", help="e.g. hold")
    alist.add_argument("--object-id")
    alist.add_argument("--action", help="e.g. hold.apply")
    alist.add_argument("--after-id", type=int, default=0)
    alist.add_argument("--limit", type=int, default=100)
    alist.set_defaults(handler=_audit)
