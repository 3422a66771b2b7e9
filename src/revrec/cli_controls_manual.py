"""The manual revenue action commands of ``revrec``: ``manual release|ssp|allocation|list|withdraw``.

Each command acts for the client in one transaction, with the API's checks on the contract and the
figures; ``--by`` names who acts (recorded in the action and the audit trail; default ``cli``). Behaviour:
docs/controls.md ("Manual revenue actions").
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine

from revrec.config import Settings
from revrec.controls import manual_actions
from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.tenancy import service as tenancy


@dataclass(frozen=True, slots=True)
class _Actor:
    client_id: int
    username: str


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal: {text!r}") from None


def _pair(text: str) -> tuple[str, Decimal]:
    line_id, sep, amount = text.rpartition("=")
    if not sep or not line_id:
        raise argparse.ArgumentTypeError(f"LINE=AMOUNT expected, got {text!r}")
    return line_id, _decimal(amount)


def _show(action: dict[str, Any]) -> None:
    target = (
        action["line_id"]
        or action["pob_key"]
        or (f"action {action['target_id']}" if action["target_id"] else "contract")
    )
    revision = f"revision {action['version_before']} -> {action['version_after']}"
    print(f"{action['id']} {action['kind']} {action['status']} contract {action['rc_id']} {target}: "
          f"{revision} in period {action['period']}")  # fmt: skip


def _run(args: argparse.Namespace, engine: Engine, act: Any) -> int:
    with transaction(engine) as conn:
        client = tenancy.require_client(conn, args.client)
        _show(act(conn, _Actor(client.id, args.by)))
    return 0


def _release(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    level = "POB" if args.pob else "LINE"
    if bool(args.pob) == bool(args.line):
        raise InvalidInput("give --pob or --line")
    return _run(args, engine, lambda conn, actor: manual_actions.release(
        conn, actor, rc_id=args.rc_id, level=level, pob_key=args.pob, line_id=args.line,
        release_date=args.date, percent=args.percent, amount=args.amount, reason=args.reason,
    ))  # fmt: skip


def _ssp(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    return _run(args, engine, lambda conn, actor: manual_actions.override_ssp(
        conn, actor, rc_id=args.rc_id, line_id=args.line, ssp=args.ssp, reason=args.reason
    ))  # fmt: skip


def _allocation(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    amounts = dict(args.amount)
    return _run(args, engine, lambda conn, actor: manual_actions.override_allocation(
        conn, actor, rc_id=args.rc_id, amounts=amounts, reason=args.reason
    ))  # fmt: skip


def _withdraw(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    return _run(args, engine, lambda conn, actor: manual_actions.withdraw(
        conn, actor, action_id=args.action_id, reason=args.reason
    ))  # fmt: skip


def _list(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        found = manual_actions.list_actions(conn, _Actor(client.id, "cli"), rc_id=args.rc_id)
    print(f"{'ID':>6} {'KIND':<20} {'STATUS':<17} {'BY':<16} {'PERIOD':>6} REASON")
    for a in found:
        who = f"{a['actor']:<16} {a['period']:>6}"
        print(f"{a['id']:>6} {a['kind']:<20} {a['status']:<17} {who} {a['reason']}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = sub.add_parser("manual", help="manual revenue actions").add_subparsers(
        dest="manual_command", required=True
    )

    def command(name: str, helptext: str, handler: Any) -> argparse.ArgumentParser:
        cmd: argparse.ArgumentParser = group.add_parser(name, help=helptext)
        cmd.add_argument("--client", required=True)
        cmd.set_defaults(handler=handler)
        return cmd

    def acting(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument("--reason", required=True, help="why (recorded with the action)")
        cmd.add_argument("--by", default="cli", help="who acts (default cli)")

    release = command("release", "release a POB or line by hand (percent or amount, by date)", _release)
    release.add_argument("--rc-id", type=int, required=True)
    release.add_argument("--pob", help="the POB key")
    release.add_argument("--line", help="the line id")
    release.add_argument("--date", type=date.fromisoformat, required=True, help="release date YYYY-MM-DD")
    how = release.add_mutually_exclusive_group(required=True)
    how.add_argument("--percent", type=_decimal)
    how.add_argument("--amount", type=_decimal)
    acting(release)
    ssp = command("ssp", "override a line's SSP (the price is allocated again)", _ssp)
    ssp.add_argument("--rc-id", type=int, required=True)
    ssp.add_argument("--line", required=True)
    ssp.add_argument("--ssp", type=_decimal, required=True)
    acting(ssp)
    allocation = command("allocation", "override allocated amounts (must sum to the price)", _allocation)
    allocation.add_argument("--rc-id", type=int, required=True)
    allocation.add_argument("--amount", type=_pair, action="append", required=True, metavar="LINE=AMOUNT")
    acting(allocation)
    withdraw = command("withdraw", "withdraw an action (the computed values come back)", _withdraw)
    withdraw.add_argument("action_id", type=int)
    acting(withdraw)
    listing = command("list", "a contract's manual actions", _list)
    listing.add_argument("--rc-id", type=int, required=True)
