"""Wiring of holds: the setup section ``hold_rules`` and the hold-expiry program.

Program 155 ``RevPro3.0 Immediate POB Release`` (the program Zuora names for releasing expired holds)
releases, in one transaction, every hold of the org whose expiry date falls before the end of the open
period; a revenue hold's release books its catch-up in the open period.
"""

from __future__ import annotations

from sqlalchemy import Engine

from revrec.controls import holds, holds_rules
from revrec.db.session import transaction
from revrec.jobs import worker
from revrec.jobs.queue import Job
from revrec.programs import catalog
from revrec.setup import service as setup_service

HOLD_EXPIRY_JOB = "hold_expiry"
HOLD_EXPIRY_PROGRAM = 155


def run_hold_expiry(engine: Engine, job: Job) -> tuple[str, str | None]:
    """The ``hold_expiry`` job (see the module docstring)."""
    with transaction(engine) as conn:
        released = holds.release_expired(
            conn, client_id=job.client_id, org_id=job.org_id, actor=job.created_by
        )
    return "Completed", f"{released} expired hold(s) released"


def install() -> None:
    setup_service.register(
        setup_service.Section(
            "hold_rules", list[holds_rules.HoldRuleDoc], holds_rules.export_rules, holds_rules.apply_rules
        )
    )
    worker.register(HOLD_EXPIRY_JOB, worker.Handler(None, None, run_hold_expiry))
    catalog.register(catalog.Program(HOLD_EXPIRY_PROGRAM, "RevPro3.0 Immediate POB Release", HOLD_EXPIRY_JOB))
