"""Wiring of the domain packages: setup-document sections, per-client seeders, job handlers.

Called by ``create_app`` and ``cli.main`` (never at import), idempotently.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from revrec.inbound import repository as inbound_repo
from revrec.inbound import service as inbound_service
from revrec.inbound import staging
from revrec.inbound.uploads import RECEIVING_TIMEOUT, STAGE_JOB
from revrec.jobs import worker
from revrec.policies import service as policies_service
from revrec.setup import service as setup_service
from revrec.tenancy import service as tenancy_service


def _fail_stale_uploads(conn: Connection) -> None:
    inbound_repo.fail_stale_receiving(conn, inbound_repo.now() - RECEIVING_TIMEOUT)


def install() -> None:
    setup_service.register_core_sections()
    setup_service.register(
        setup_service.Section(
            "upload_templates",
            list[dict[str, Any]],
            inbound_service.export_templates,
            inbound_service.apply_templates,
        )
    )
    setup_service.register(
        setup_service.Section(
            "policies", dict[str, Any], policies_service.export_policies, policies_service.apply_policies
        )
    )
    tenancy_service.register_seeder(inbound_service.seed_templates)
    worker.register(STAGE_JOB, worker.Handler(staging.stage_upload, staging.staging_failed))
    worker.register_maintenance(_fail_stale_uploads)
