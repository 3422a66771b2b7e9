"""Wiring of the domain packages: setup-document sections, per-client seeders, job handlers.

Called by ``create_app`` and ``cli.main`` (never at import), idempotently, with the process's settings:
the transfer jobs write batch files, and the Run Report job its reports, into the report store of
``settings.data_dir``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import Connection

from revrec.accounting import settings as accounting_settings
from revrec.accounting.close import PERIOD_CLOSE_JOB, PERIOD_STATUS_JOB, run_change_status, run_period_close
from revrec.config import Settings
from revrec.console import report_jobs as console_reports
from revrec.contracts import returns_settings
from revrec.contracts.collection import COLLECTION_JOB, collection_failed, run_collection
from revrec.contracts.events import EVENT_PROCESS_JOB, run_event_process
from revrec.contracts.parallel import PART_JOB, run_part
from revrec.controls import approvals_rules, holds_setup
from revrec.controls.approvals_rules import ApprovalRuleDoc
from revrec.costs import setup as costs_setup
from revrec.inbound import receivers, staging
from revrec.inbound import service as inbound_service
from revrec.inbound.uploads import STAGE_JOB
from revrec.jobs import worker
from revrec.policies import service as policies_service
from revrec.programs import catalog
from revrec.reports import jobs as report_jobs
from revrec.setup import service as setup_service
from revrec.tenancy import service as tenancy_service
from revrec.transfer import files as transfer_files
from revrec.transfer import mapping as transfer_mapping
from revrec.transfer import service as transfer_service
from revrec.vc import settings as vc_settings

YES_NO = ("Y", "N")


def _fail_stale_uploads(conn: Connection) -> None:
    receivers.fail_orphans(conn)


def install(settings: Settings) -> None:
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
    setup_service.register(
        setup_service.Section(
            "approval_rules", list[ApprovalRuleDoc], approvals_rules.export_rules, approvals_rules.apply_rules
        )
    )
    tenancy_service.register_seeder(inbound_service.seed_templates)
    worker.register(
        STAGE_JOB, worker.Handler(staging.stage_upload, staging.staging_failed, after=staging.after_staging)
    )
    worker.register_maintenance(_fail_stale_uploads)
    _install_accounting(settings)
    holds_setup.install()
    costs_setup.install()
    _install_transfer(settings)
    report_jobs.install(settings)
    vc_settings.install()
    console_reports.install(settings)


def _install_accounting(settings: Settings) -> None:
    setup_service.register(
        setup_service.Section(
            "accounting",
            accounting_settings.AccountingDoc,
            accounting_settings.export_accounting,
            accounting_settings.apply_accounting,
        )
    )
    setup_service.register(
        setup_service.Section(
            "returns",
            list[returns_settings.ReturnTermsDoc],
            returns_settings.export_returns,
            returns_settings.apply_returns,
        )
    )
    split = settings.collection_partitions
    worker.register(
        COLLECTION_JOB, worker.Handler(None, collection_failed, partial(run_collection, partitions=split))
    )
    worker.register(PART_JOB, worker.Handler(None, None, run_part))
    worker.register(PERIOD_CLOSE_JOB, worker.Handler(None, None, run_period_close))
    catalog.register(
        catalog.Program(
            150,
            "RevPro3.0 Data Collection Master",
            COLLECTION_JOB,
            (catalog.Parameter(1501, "RC GROUPING TEMPLATE", 1, "rc_template_name", max_length=100),),
        )
    )
    worker.register(EVENT_PROCESS_JOB, worker.Handler(None, None, run_event_process))
    catalog.register(
        catalog.Program(
            151,
            "RevPro3.0 Event Process",
            EVENT_PROCESS_JOB,
            (catalog.Parameter(1511, "EVENT NAME", 1, "event_name", max_length=100),),
        )
    )
    worker.register(PERIOD_STATUS_JOB, worker.Handler(None, None, run_change_status))
    catalog.register(
        catalog.Program(
            154,
            "RevPro3.0 Change Period Status Process",
            PERIOD_STATUS_JOB,
            (catalog.Parameter(1541, "STATUS", 1, "status", choices=("Soft Close", "Open")),),
        )
    )
    catalog.register(
        catalog.Program(
            152,
            "RevPro3.0 Execute Period Close & Open Process",
            PERIOD_CLOSE_JOB,
            (catalog.Parameter(1521, "FORCE", 1, "force", choices=YES_NO),),
        )
    )


def _install_transfer(settings: Settings) -> None:
    setup_service.register(
        setup_service.Section(
            "gl_interface",
            transfer_mapping.GlInterfaceDoc | None,
            transfer_mapping.export_gl_interface,
            transfer_mapping.apply_gl_interface,
        )
    )
    run = partial(transfer_files.run_transfer, files=transfer_files.BatchFiles.from_settings(settings))
    criteria = (
        catalog.Parameter(228, "CRITERIA NAME", 1, "criteria_name"),
        catalog.Parameter(229, "CRITERIA VALUE", 2, "criteria_value"),
        catalog.Parameter(230, "EXCLUDE FLAG", 3, "exclude_flag", choices=YES_NO),
    )
    for kind in (transfer_service.TRANSFER_MASTER_JOB, transfer_service.TRANSFER_ORG_JOB):
        worker.register(kind, worker.Handler(None, None, run))
    catalog.register(
        catalog.Program(
            149,
            "Revpro3.0 Accounting Transfer Master",
            transfer_service.TRANSFER_MASTER_JOB,
            criteria,
            transfer_service.check_parameters,
        )
    )
    catalog.register(
        catalog.Program(153, "RevPro3.0 Transfer Batch for Org", transfer_service.TRANSFER_ORG_JOB)
    )
