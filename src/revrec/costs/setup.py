"""Wiring of costs: the setup section ``costs`` and program 158 ``RevPro3.0 Cost Process``."""

from __future__ import annotations

from revrec.costs import settings
from revrec.costs.jobs import COST_PROCESS_JOB, COST_PROCESS_PROGRAM, run_cost_process
from revrec.costs.template import seed_cost_template
from revrec.jobs import worker
from revrec.programs import catalog
from revrec.setup import service as setup_service
from revrec.tenancy import service as tenancy_service


def install() -> None:
    setup_service.register(
        setup_service.Section("costs", settings.CostSettingsDoc, settings.export_costs, settings.apply_costs)
    )
    tenancy_service.register_seeder(seed_cost_template)
    worker.register(COST_PROCESS_JOB, worker.Handler(None, None, run_cost_process))
    catalog.register(catalog.Program(COST_PROCESS_PROGRAM, "RevPro3.0 Cost Process", COST_PROCESS_JOB))
