"""The approval commands of ``revrec``: ``approval list|approve|reject``.

The operator acts for a named user in one of the user's roles (``--user``, ``--role``), with the same
checks as the API: the role needs the ``Revenue Approvals`` privilege and must be the step's approver.
"""

from __future__ import annotations

import argparse

from sqlalchemy import Connection, Engine

from revrec.auth.privileges import REVENUE_APPROVALS
from revrec.auth.service import Principal, require_privilege
from revrec.config import Settings
from revrec.controls import approvals
from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.tenancy import repository as tenancy_repo
from revrec.tenancy import service as tenancy


def _acting(conn: Connection, args: argparse.Namespace) -> Principal:
    client = tenancy.require_client(conn, args.client)
    found = tenancy_repo.load_principal(conn, client.id, args.user, args.role)
    if found is None or not found.user.enabled:
        raise InvalidInput(f"--user {args.user!r} is not an enabled user holding role {args.role!r}")
    caller = Principal(client.id, client.name, found.user.id, args.user, found.role_id, args.role,
                       found.privileges, client.reporting_currency)  # fmt: skip
    require_privilege(caller, REVENUE_APPROVALS)
    return caller


def _list(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        caller = Principal(client.id, client.name, 0, "cli", 0, "cli", frozenset(), client.reporting_currency)
        steps = approvals.list_steps(
            conn, caller, rc_id=args.rc_id, status=args.status, after_id=0, limit=1000
        )
    print(f"{'ID':>8} {'RC_ID':>8} {'SEQ':>3} {'STATUS':<10} {'ROLE':<20} {'DECIDED BY':<16} COMMENT")
    for s in steps:
        print(f"{s['id']:>8} {s['rc_id']:>8} {s['sequence']:>3} {s['status']:<10} {s['approver_role']:<20} "
              f"{s['decided_by'] or '':<16} {s['comment'] or ''}")  # fmt: skip
    return 0


def _approve(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine) as conn:
        done = approvals.approve(conn, _acting(conn, args), rc_id=args.rc_id, comment=args.comment)
    print(f"contract {done['rc_id']}: step {done['step']} approved, {done['remaining']} step(s) remaining")
    return 0


def _reject(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine) as conn:
        done = approvals.reject(conn, _acting(conn, args), rc_id=args.rc_id, comment=args.comment)
    version = done["restored"]["version"]
    print(
        f"contract {done['rc_id']}: rejected at step {done['step']}; revision {version} has the old figures"
    )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = sub.add_parser("approval", help="contract approvals").add_subparsers(
        dest="approval_command", required=True
    )
    listing = group.add_parser("list", help="approval steps of a client")
    listing.add_argument("--client", required=True)
    listing.add_argument("--status", choices=("Pending", "Approved", "Rejected", "Superseded", "Cancelled"))
    listing.add_argument("--rc-id", type=int)
    listing.set_defaults(handler=_list)
    for name, handler, helptext in (
        ("approve", _approve, "approve a contract's next pending step"),
        ("reject", _reject, "reject a contract's pending revision (the previous one is back in force)"),
    ):
        cmd = group.add_parser(name, help=helptext)
        cmd.add_argument("--client", required=True)
        cmd.add_argument("--user", required=True, help="the user deciding")
        cmd.add_argument("--role", required=True, help="the user's role that approves the step")
        cmd.add_argument("rc_id", type=int)
        cmd.add_argument("--comment", required=name == "reject", default=None)
        cmd.set_defaults(handler=handler)
