"""The ``revrec`` command. It calls the same services as the HTTP API, one transaction per command.

Exit codes: 0 success, 1 configuration or database problem, 2 bad input (the message says what to fix).
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from revrec import (
    cli_controls_approvals,
    cli_controls_holds,
    cli_controls_manual,
    cli_jobs,
    cli_mje,
    cli_outbound,
    domains,
    logging_setup,
)
from revrec.config import ConfigError, Settings, load_settings
from revrec.costs import cli as costs_cli
from revrec.db import citus, migrate
from revrec.db.session import make_engine, transaction
from revrec.errors import RevrecError
from revrec.inbound import repository as inbound_repo
from revrec.inbound import service as inbound_service
from revrec.jobs import worker
from revrec.periods import cli as period_cli
from revrec.setup import service as setup_service
from revrec.tenancy import repository as tenancy_repo
from revrec.tenancy import service as tenancy

Handler = Callable[[argparse.Namespace, Settings, Engine], int]


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _client_create(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine) as conn:
        tenancy.create_client(
            conn,
            name=args.name,
            api_enabled=not args.api_disabled,
            reporting_currency=args.reporting_currency,
        )
    print(f"client {args.name!r} created (DEFAULT org, primary book, roles seeded)")
    return 0


def _client_list(_args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        rows = tenancy_repo.list_clients(conn)
    print(f"{'ID':>4}  {'NAME':<30} {'API':<8} REPORTING")
    for row in rows:
        print(
            f"{row.id:>4}  {row.name:<30} {'enabled' if row.api_enabled else 'disabled':<8} "
            f"{row.reporting_currency}"
        )
    return 0


def _client_api(enabled: bool) -> Handler:
    def handler(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
        with transaction(engine) as conn:
            tenancy.set_api_enabled(conn, client_name=args.name, enabled=enabled)
        print(f"API {'enabled' if enabled else 'disabled'} for client {args.name!r}")
        return 0

    return handler


def _role_create(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine) as conn:
        tenancy.create_role(conn, client_name=args.client, role_name=args.role, privileges=args.privilege)
    print(f"role {args.role!r} created")
    return 0


def _user_create(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    password = tenancy.hash_new(_read_password("password: "))  # before the write transaction opens
    with transaction(engine) as conn:
        tenancy.create_user(
            conn, client_name=args.client, username=args.user, password=password, role_names=args.role
        )
    print(f"user {args.user!r} created")
    return 0


def _user_set_password(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    password = tenancy.hash_new(_read_password("new password: "))  # before the write transaction opens
    with transaction(engine) as conn:
        tenancy.set_password(conn, client_name=args.client, username=args.user, password=password)
    print(f"password of {args.user!r} changed; earlier tokens are revoked")
    return 0


def _user_enabled(enabled: bool) -> Handler:
    def handler(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
        with transaction(engine) as conn:
            tenancy.set_user_enabled(conn, client_name=args.client, username=args.user, enabled=enabled)
        print(f"user {args.user!r} {'enabled' if enabled else 'disabled; earlier tokens are revoked'}")
        return 0

    return handler


def _org_create(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine) as conn:
        tenancy.create_org(conn, client_name=args.client, org_id=args.org_id, org_name=args.name)
    print(f"organization {args.org_id} {args.name!r} created")
    return 0


def _setup_export(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        document = setup_service.export_setup(conn, client_name=args.client)
    if args.format == "json":
        print(json.dumps(document, indent=2))
    else:
        print(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), end="")
    return 0


def _setup_apply(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    path = Path(args.file)
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RevrecError(f"cannot read setup document {path}: {exc}") from None
    with transaction(engine) as conn:
        changes = setup_service.apply_setup(conn, client_name=args.client, document=document)
        if args.dry_run:
            conn.rollback()
    verb = "would change" if args.dry_run else "changed"
    print(f"{len(changes)} change(s) {verb}" + ("" if changes else ": already up to date"))
    for change in changes:
        print(f"  {change}")
    return 0


def _db_upgrade(_args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    migrate.upgrade(engine)
    print(f"database at revision {migrate.current_revision(engine)}")
    return 0


def _db_citus_ddl(_args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        script, problems = citus.citus_ddl(citus.read_schema(conn))
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(script, end="")
    return 0


def _template_list(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        templates = inbound_repo.list_templates(conn, client.id)
    print(f"{'NAME':<30} {'KIND':<12} {'ENABLED':<8} {'DATE FORMAT':<12} FIELDS")
    for t in templates:
        print(
            f"{t.name:<30} {t.kind:<12} {'yes' if t.enabled else 'no':<8} {t.date_format:<12} {len(t.fields)}"
        )
    return 0


def _staging_errors(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        rows = inbound_service.stage_errors(conn, client_id=client.id, kind=args.kind, upload_id=args.upload)
    columns = ["id", "upload_id", "type", "so_num", "so_line_id", "inv_line_id", "err_msg"]
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        print(f"{len(rows)} error line(s) written to {args.csv}")
        return 0
    for row in rows:
        print(f"{row['id']:>8} upload {row['upload_id']:>6} {row['type'] or '':<6} "
              f"{row['so_line_id'] or row['inv_line_id'] or '':<20} {row['err_msg']}")  # fmt: skip
    print(f"{len(rows)} error line(s)")
    return 0


def _staging_delete(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine) as conn:
        client = tenancy.require_client(conn, args.client)
        deleted = inbound_service.delete_staged(
            conn, client_id=client.id, kind=args.kind, row_ids=args.id or (), upload_id=args.upload,
            errors_only=not args.include_valid,
        )  # fmt: skip
        held = (
            0  # a transaction upload not staged yet (PostgreSQL): its rows are still held, not in stage_line
        )
        if args.include_valid and args.upload is not None and args.kind == "transaction":
            held = inbound_service.delete_held(conn, client_id=client.id, upload_id=args.upload)
        if args.dry_run:
            conn.rollback()
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {len(deleted)} {args.kind} staging row(s): {', '.join(map(str, deleted)) or '-'}")
    if held:
        print(f"{verb} {held} row(s) of upload {args.upload} not yet staged")
    return 0


def _worker(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    logging_setup.configure(settings.log_level)
    if args.once:
        print(f"{worker.run_until_idle(engine, settings.job_lease_seconds)} job(s) run")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        worker.run_forever(engine, settings.worker_poll_ms, stop, settings.job_lease_seconds)
    except KeyboardInterrupt:
        stop.set()
    return 0


def _serve(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    from revrec.server import serve

    return serve(settings, engine, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="revrec", description="revrec revenue recognition server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API (and an in-process worker)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--ssl-certfile")
    serve.add_argument("--ssl-keyfile")
    serve.add_argument(
        "--check-port", action="store_true", help="only check that the port is free (exit 1 when it is not)"
    )
    serve.set_defaults(handler=_serve)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(handler=_db_upgrade)
    db.add_parser("citus-ddl", help="print the DDL that distributes the schema on Citus").set_defaults(
        handler=_db_citus_ddl
    )

    client = sub.add_parser("client", help="clients (tenants)").add_subparsers(
        dest="client_command", required=True
    )
    create = client.add_parser("create", help="create a client")
    create.add_argument("name")
    create.add_argument("--reporting-currency", default="USD")
    create.add_argument("--api-disabled", action="store_true")
    create.set_defaults(handler=_client_create)
    client.add_parser("list", help="list clients").set_defaults(handler=_client_list)
    for verb, enabled in (("enable-api", True), ("disable-api", False)):
        cmd = client.add_parser(verb, help=f"{verb.split('-')[0]} the integration API")
        cmd.add_argument("name")
        cmd.set_defaults(handler=_client_api(enabled))

    role = sub.add_parser("role", help="roles").add_subparsers(dest="role_command", required=True)
    rcreate = role.add_parser("create", help="create a role")
    rcreate.add_argument("--client", required=True)
    rcreate.add_argument("role")
    rcreate.add_argument("--privilege", action="append", required=True)
    rcreate.set_defaults(handler=_role_create)

    user = sub.add_parser("user", help="users").add_subparsers(dest="user_command", required=True)
    ucreate = user.add_parser("create", help="create a user (password read from stdin)")
    ucreate.add_argument("--client", required=True)
    ucreate.add_argument("user")
    ucreate.add_argument("--role", action="append", required=True)
    ucreate.set_defaults(handler=_user_create)
    for verb, handler in (
        ("set-password", _user_set_password),
        ("disable", _user_enabled(False)),
        ("enable", _user_enabled(True)),
    ):
        cmd = user.add_parser(verb, help=f"{verb} a user")
        cmd.add_argument("--client", required=True)
        cmd.add_argument("user")
        cmd.set_defaults(handler=handler)

    org = sub.add_parser("org", help="organizations").add_subparsers(dest="org_command", required=True)
    ocreate = org.add_parser("create", help="create an organization")
    ocreate.add_argument("--client", required=True)
    ocreate.add_argument("org_id", type=int)
    ocreate.add_argument("name")
    ocreate.set_defaults(handler=_org_create)

    work = sub.add_parser("worker", help="run background jobs (staging, programs)")
    work.add_argument("--once", action="store_true", help="run the jobs waiting now, then exit")
    work.set_defaults(handler=_worker)

    template = sub.add_parser("template", help="upload templates").add_subparsers(
        dest="template_command", required=True
    )
    tlist = template.add_parser("list", help="list the client's upload templates")
    tlist.add_argument("--client", required=True)
    tlist.set_defaults(handler=_template_list)

    staging = sub.add_parser("staging", help="staging lines").add_subparsers(
        dest="staging_command", required=True
    )
    serrors = staging.add_parser("errors", help="list (or --csv FILE download) lines in error")
    serrors.add_argument("--client", required=True)
    serrors.add_argument("--kind", choices=("transaction", "event", "bundle", "mje"), default="transaction")
    serrors.add_argument("--upload", type=int)
    serrors.add_argument("--csv")
    serrors.set_defaults(handler=_staging_errors)
    sdelete = staging.add_parser(
        "delete", help="delete staging lines you decided to drop (errored ones by default)"
    )
    sdelete.add_argument("--client", required=True)
    sdelete.add_argument("--kind", choices=("transaction", "event", "bundle", "mje"), default="transaction")
    sdelete.add_argument("--upload", type=int)
    sdelete.add_argument("--id", type=int, action="append")
    sdelete.add_argument(
        "--include-valid", action="store_true", help="also delete valid (N) lines not yet collected"
    )
    sdelete.add_argument("--dry-run", action="store_true")
    sdelete.set_defaults(handler=_staging_delete)

    setup = sub.add_parser("setup", help="setup as code").add_subparsers(dest="setup_command", required=True)
    export = setup.add_parser("export", help="print the client's setup document")
    export.add_argument("--client", required=True)
    export.add_argument("--format", choices=("yaml", "json"), default="yaml")
    export.set_defaults(handler=_setup_export)
    apply = setup.add_parser("apply", help="apply a setup document (YAML or JSON)")
    apply.add_argument("--client", required=True)
    apply.add_argument("file")
    apply.add_argument("--dry-run", action="store_true")
    apply.set_defaults(handler=_setup_apply)
    cli_outbound.add_parsers(sub)
    cli_jobs.add_commands(sub)
    period_cli.add_commands(sub)
    cli_controls_holds.add_parsers(sub)
    costs_cli.add_parsers(sub)
    cli_controls_approvals.add_commands(sub)
    cli_controls_manual.add_commands(sub)
    cli_mje.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    domains.install(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        handler: Handler = args.handler
        return handler(args, settings, engine)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except RevrecError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
