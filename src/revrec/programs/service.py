"""Revenue Jobs use cases: list programs, submit a program or a data collection, read a job's status.

Rules (api-contract §2.18–2.21, §2.27–2.28): an unknown program is refused ("This Program is not supported
at the moment", 400); an org the caller's role is not assigned is 403 ("OrgId does not match the Org
assigned to the role"); an unknown RC grouping template is 400; a third active (Pending or Running) data
collection job for one org is refused with 400 (the contract states no code; 400 because retrying later
without change is the remedy only once the others finish — not a throttle of the caller).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from revrec.auth.service import Principal
from revrec.contracts.collection import COLLECTION_JOB
from revrec.engine.errors import PolicyError
from revrec.errors import Conflict, Forbidden, InvalidInput, NotFound
from revrec.jobs import queue
from revrec.periods import service as periods
from revrec.policies.service import policies_for
from revrec.programs import catalog
from revrec.programs import repository as repo
from revrec.setup import defaults
from revrec.tenancy import repository as tenancy

ORG_MISMATCH = "OrgId does not match the Org assigned to the role"
NOT_SUPPORTED = "This Program is not supported at the moment"
MAX_ACTIVE_COLLECTIONS = 2


def list_programs() -> list[dict[str, Any]]:
    return [p.as_dict() for p in catalog.programs()]


def resolve_org(conn: Connection, caller: Principal, org_id: int | None) -> int:
    """The org a job runs for (0 or None: the client's first enabled org), if the caller's role may use it."""
    scope = periods.default_scope(conn, caller.client_id, org_id or None)
    allowed = tenancy.role_orgs(conn, caller.role_id)
    if allowed and scope.org_id not in allowed:
        raise Forbidden(ORG_MISMATCH)
    return scope.org_id


def check_template(conn: Connection, client_id: int, template: str | None) -> None:
    client = tenancy.get_client(conn, client_id)
    assert client is not None
    try:
        policies_for(conn, client).grouping_template(template or None)
    except PolicyError:
        raise InvalidInput(f"Invalid RC grouping template name {template!r}") from None


def _collection_check(conn: Connection, client_id: int, org_id: int, params: Mapping[str, str]) -> None:
    check_template(conn, client_id, params.get("rc_template_name"))
    active = repo.count_active(conn, client_id, COLLECTION_JOB, org_id)
    if active >= MAX_ACTIVE_COLLECTIONS:
        raise Conflict(
            f"Organization {org_id} already has {active} data collection jobs Pending or Running; "
            "submit again when one of them has finished"
        )


def submit_collection(
    conn: Connection, caller: Principal, *, template: str | None, org_id: int | None
) -> int:
    """Queue a Data Collection job for RC grouping template ``template`` (None: the client's default)."""
    org = resolve_org(conn, caller, org_id)
    params = {"rc_template_name": defaults.rc_template(conn, caller.client_id, template)}
    _collection_check(conn, caller.client_id, org, params)
    return queue.enqueue(
        conn,
        client_id=caller.client_id,
        kind=COLLECTION_JOB,
        created_by=caller.username,
        org_id=org,
        params=params,
        numbered=True,
    )


def parameter_values(parameters: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """``parameter_id → value`` of a request's parameter list; a parameter given twice is refused."""
    values: dict[int, str] = {}
    for item in parameters:
        parameter_id = int(item["parameter_id"])
        if parameter_id in values:
            raise InvalidInput(f"parameter {parameter_id} is given more than once")
        values[parameter_id] = str(item.get("parameter_value") or "")
    return values


def submit_program(
    conn: Connection,
    caller: Principal,
    *,
    org_id: int,
    program_id: int,
    parameters: Sequence[Mapping[str, Any]],
) -> int:
    """Queue a program's job with the given parameter values."""
    program = catalog.find(program_id)
    if program is None:
        raise InvalidInput(NOT_SUPPORTED)
    org = resolve_org(conn, caller, org_id)
    params = program.parse(parameter_values(parameters))
    if program.job_kind == COLLECTION_JOB:
        if not params.get("rc_template_name"):  # as POST_Collection: the client's default, if it names one
            default = defaults.default_rc_template(conn, caller.client_id)
            params = {**params, "rc_template_name": default} if default else params
        _collection_check(conn, caller.client_id, org, params)
    elif program.check is not None:
        program.check(conn, caller.client_id, params)
    return queue.enqueue(
        conn,
        client_id=caller.client_id,
        kind=program.job_kind,
        created_by=caller.username,
        org_id=org,
        params=params,
        numbered=True,
    )


def _stamp(value: datetime | None) -> str | None:
    """``2021-12-08T18:46:46+00:00`` (stored timestamps are UTC; SQLite returns them naive)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def job_status(
    conn: Connection,
    caller: Principal,
    job_id: int,
    *,
    org_id: int | None = None,
    kinds: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The status record of one of the caller's program jobs (``job_id``: the number users see)."""
    row = queue.by_number(conn, job_id)
    program_kinds = kinds or [p.job_kind for p in catalog.programs()]
    if row is None or row.client_id != caller.client_id or row.kind not in program_kinds:
        raise NotFound(f"Job {job_id} not found")
    if org_id and row.org_id != org_id:
        raise NotFound(f"Job {job_id} not found for OrgId {org_id}")
    allowed = tenancy.role_orgs(conn, caller.role_id)
    if allowed and row.org_id not in allowed:
        raise Forbidden(ORG_MISMATCH)
    return status_record(row)


def status_record(row: Any) -> dict[str, Any]:
    """GET_RevenueJobStatus' ``data``, typed as the 2025-08-06 reference types it (docs/api.md): dates
    are strings (``""`` while the job has not started), ``id`` and ``sec_atr_val`` (the org) integers."""
    program = catalog.by_kind(row.kind)
    return {
        "actual_start_date": _stamp(row.started_at) or "",
        "crtd_by": row.created_by,
        "crtd_dt": _stamp(row.created_at),
        "error_message": row.error_message or "",
        "id": row.number,
        "sec_atr_val": row.org_id or 0,
        "status": row.status,
        "updt_dt": _stamp(row.updated_at),
        "program_name": program.name if program else row.kind,
        "progress": {"done": row.progress_done, "total": row.progress_total},
    }


def list_jobs(conn: Connection, client_id: int, limit: int = 50) -> list[Any]:
    return repo.recent_jobs(conn, client_id, [p.job_kind for p in catalog.programs()], limit)
