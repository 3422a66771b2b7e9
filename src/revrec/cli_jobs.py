"""``revrec job run|status|list`` and ``revrec verify``: programs from the command line, with progress.

``job run`` queues a program (by id or name) for a client and org and, unless ``--no-wait``, runs the
queue in this process while drawing a text progress bar from the job's progress (lines done of total).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

from sqlalchemy import Engine

from revrec.accounting import service as accounting
from revrec.config import Settings
from revrec.contracts.warnings import print_job_warnings
from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.jobs import queue, worker
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.programs import catalog
from revrec.programs import service as programs
from revrec.tenancy import service as tenancy

FINAL = ("Completed", "Warning", "Error", "Failed", "Cancelled")


def progress_bar(done: int, total: int, width: int = 30) -> str:
    """``[#########.....]  60% 600/1000``."""
    done_capped = total if total <= 0 else min(done, total)
    filled = width if total <= 0 else width * done_capped // total
    percent = 100 if total <= 0 else 100 * done_capped // total
    return f"[{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {done}/{total}"


def _program(name: str) -> catalog.Program:
    for program in catalog.programs():
        if name == str(program.program_id) or name.lower() == program.name.lower():
            return program
    raise InvalidInput(f"unknown program {name!r}; `revrec job list-programs` shows them")


def _status_line(row: Any) -> str:
    program = catalog.by_kind(row.kind)
    name = program.name if program else row.kind
    note = f"  {row.error_message}" if row.error_message else ""
    bar = progress_bar(row.progress_done, row.progress_total)
    return f"job {row.number} {name} [{row.status}] {bar}{note}"


def parameter_values(program: catalog.Program, items: list[str]) -> list[dict[str, Any]]:
    """``--param KEY=VALUE`` items as the API's parameter list; KEY is the parameter's key
    (``rc_template_name``), name (``RC GROUPING TEMPLATE``) or id (``1501``), in any case."""
    by_key: dict[str, catalog.Parameter] = {}
    for parameter in program.parameters:
        for alias in (parameter.key, parameter.name, str(parameter.id)):
            by_key[alias.lower()] = parameter
    values: list[dict[str, Any]] = []
    for item in items:
        key, sep, value = item.partition("=")
        found = by_key.get(key.strip().lower())
        if not sep or found is None:
            accepted = ", ".join(p.key for p in program.parameters) or "none"
            raise InvalidInput(
                f"--param {item!r}: expected KEY=VALUE with KEY one of the parameters of program "
                f"{program.program_id} ({accepted})"
            )
        values.append({"parameter_id": found.id, "parameter_value": value})
    return values


def _submit(args: argparse.Namespace, engine: Engine) -> int:
    program = _program(args.program)
    values = parameter_values(program, args.param or [])
    with transaction(engine) as conn:
        client = tenancy.require_client(conn, args.client)
        org = periods.default_scope(conn, client.id, args.org).org_id
        principal = _cli_principal(client.id, client.name)
        return programs.submit_program(
            conn, principal, org_id=org, program_id=program.program_id, parameters=values
        )


def _cli_principal(client_id: int, client_name: str) -> Any:
    from revrec.auth.privileges import REVENUE_JOBS
    from revrec.auth.service import Principal

    return Principal(client_id, client_name, 0, "cli", 0, "cli", frozenset({REVENUE_JOBS}), "")


def _job_run(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    job_id = _submit(args, engine)
    print(f"job {job_id} submitted")
    if args.no_wait:
        return 0
    runner = threading.Thread(
        target=worker.run_until_idle, args=(engine, settings.job_lease_seconds), daemon=True
    )
    runner.start()
    row = None
    while True:
        with transaction(engine, readonly=True) as conn:
            row = queue.by_number(conn, job_id)
        sys.stdout.write("\r" + _status_line(row)[:160])
        sys.stdout.flush()
        if row.status in FINAL or not runner.is_alive():
            break
        time.sleep(0.5)
    runner.join()
    with transaction(engine, readonly=True) as conn:
        row = queue.by_number(conn, job_id)
    print("\r" + _status_line(row))
    return 0 if row.status in ("Completed", "Warning") else 3


def _job_status(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        row = queue.by_number(conn, args.job_id)
        if row is None or row.client_id != client.id:
            raise InvalidInput(f"Job {args.job_id} not found")
        print(_status_line(row))
        print_job_warnings(conn, client.id, row.number)
    return 0


def _job_list(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        rows = programs.list_jobs(conn, client.id, args.limit)
    for row in rows:
        print(_status_line(row))
    print(f"{len(rows)} job(s)")
    return 0


def _list_programs(_args: argparse.Namespace, _s: Settings, _engine: Engine) -> int:
    for program in catalog.programs():
        names = "; ".join(p.describe() for p in program.parameters) or "-"
        print(f"{program.program_id:>5}  {program.name:<50} parameters: {names}")
    return 0


def _verify(args: argparse.Namespace, _s: Settings, engine: Engine) -> int:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, args.client)
        calendar = policies_for(conn, client).calendar
        scope = periods.default_scope(conn, client.id, args.org)
        problems = accounting.verify(conn, scope, calendar)
    for problem in problems:
        print(problem)
    print("ok: every invariant holds" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 4


def add_commands(sub: Any) -> None:
    """Add ``job`` and ``verify`` to the ``revrec`` parser."""
    job = sub.add_parser("job", help="programs: data collection, period close").add_subparsers(
        dest="job_command", required=True
    )
    run = job.add_parser("run", help="submit a program and (by default) run it here with a progress bar")
    run.add_argument("--client", required=True)
    run.add_argument("--org", type=int, default=0)
    run.add_argument("program", help="program id or name (see list-programs)")
    run.add_argument(
        "--param", action="append", help="KEY=VALUE (key, name or id of a parameter), e.g. force=Y"
    )
    run.add_argument("--no-wait", action="store_true")
    run.set_defaults(handler=_job_run)
    status = job.add_parser("status", help="a job's status and progress")
    status.add_argument("--client", required=True)
    status.add_argument("job_id", type=int)
    status.set_defaults(handler=_job_status)
    jobs = job.add_parser("list", help="the client's recent program jobs")
    jobs.add_argument("--client", required=True)
    jobs.add_argument("--limit", type=int, default=20)
    jobs.set_defaults(handler=_job_list)
    job.add_parser("list-programs", help="programs and their parameters").set_defaults(handler=_list_programs)
    verify = sub.add_parser("verify", help="check the accounting invariants of a client")
    verify.add_argument("--client", required=True)
    verify.add_argument("--org", type=int, default=0)
    verify.set_defaults(handler=_verify)
