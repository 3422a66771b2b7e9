"""The cost commands of ``revrec``: ``cost process`` (as program 158) and ``cost impairment-test``.

``cli._parser()`` calls :func:`add_parsers`; the handlers call the same services as the HTTP API, each in
one transaction.
"""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation

from sqlalchemy import Engine

from revrec.accounting import service as accounting
from revrec.config import Settings
from revrec.costs import service
from revrec.costs.jobs import context, process
from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.tenancy import service as tenancy


def _amount(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{option} {text!r} is not a number") from None
    if not value.is_finite():
        raise InvalidInput(f"{option} {text!r} is not a number")
    return value


def _process(args: argparse.Namespace, _settings: Settings, engine: Engine) -> int:
    with transaction(engine) as conn:
        client = tenancy.require_client(conn, args.client)
        status, summary = process(conn, client.id, args.org or None, args.by)
    print(f"{status}: {summary}")
    return 0 if status != "Error" else 1


def _impairment(args: argparse.Namespace, _settings: Settings, engine: Engine) -> int:
    costs_to_provide = _amount(args.costs_to_provide, "--costs-to-provide")
    assert costs_to_provide is not None
    with transaction(engine) as conn:
        client = tenancy.require_client(conn, args.client)
        ctx = context(conn, client.id, args.org or None)
        if ctx.open is None:
            raise InvalidInput("the book has no open period")
        result = service.run_impairment_test(
            conn, scope=ctx.scope, open_period=ctx.open, calendar=ctx.calendar,
            cost_line_id=args.cost_line_id, costs_to_provide=costs_to_provide,
            remaining_consideration=_amount(args.remaining_consideration, "--remaining-consideration"),
        )  # fmt: skip
        if result.loss:
            accounting.journalize(conn, ctx.scope, ctx.open)
    print(
        f"{result.cost_line_id} period {result.period}: carrying {result.carrying}, remaining consideration "
        f"{result.remaining_consideration}, costs to provide {result.costs_to_provide}, "
        f"impairment loss {result.loss}"
    )
    for warning in result.warnings:
        print(f"warning {warning.code}: {warning.message}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cost = sub.add_parser("cost", help="costs of obtaining and fulfilling contracts (ASC 340-40)")
    commands = cost.add_subparsers(dest="cost_command", required=True)
    run = commands.add_parser("process", help="record the staged cost lines (as program 158)")
    run.add_argument("--client", required=True)
    run.add_argument("--org", type=int, default=0, help="the org (default: the first enabled one)")
    run.add_argument("--by", default="cli")
    run.set_defaults(handler=_process)
    test = commands.add_parser(
        "impairment-test", help="test a capitalised cost at the end of the open period"
    )
    test.add_argument("--client", required=True)
    test.add_argument("cost_line_id")
    test.add_argument("--costs-to-provide", required=True, help="costs still to incur for the related goods")
    test.add_argument("--remaining-consideration", help="default: the related line's unrecognised price")
    test.add_argument("--org", type=int, default=0)
    test.set_defaults(handler=_impairment)
