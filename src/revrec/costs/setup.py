"""Wiring of costs: the setup section ``costs`` and the Cost Process program (see revrec.costs.service)."""

from __future__ import annotations

from revrec.costs import settings
from revrec.setup import service as setup_service


def install() -> None:
    setup_service.register(
        setup_service.Section("costs", settings.CostSettingsDoc, settings.export_costs, settings.apply_costs)
    )
