"""The Revenue Jobs and Data Collection operations: programs, submission rules, job status."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine

from accounting_support import COLLECTION, accounting_tenant, send
from inbound_data import so_line
from revrec.db.session import transaction
from revrec.jobs import worker
from revrec.tenancy import repository as tenancy
from revrec.tenancy import service as tenancy_service
from support import login, unique


def test_programs_list_shape(http: TestClient, engine: Engine) -> None:
    headers = login(http, accounting_tenant(engine))
    response = http.get("/api/integration/v1/programs", headers=headers)
    assert response.status_code == 200
    programs = {p["program_id"]: p for p in response.json()["data"]}
    collection = programs["150"]  # program_id and sequence are strings in the 2025-08-06 reference
    assert collection["program_name"] == "RevPro3.0 Data Collection Master"
    assert collection["parameters"] == [
        {"id": 1501, "mandatory": "N", "sequence": "1", "name": "RC GROUPING TEMPLATE", "type": "VARCHAR2"}
    ]
    assert programs["152"]["program_name"] == "RevPro3.0 Execute Period Close & Open Process"
    assert {p["type"] for p in programs["160"]["parameters"]} == {"VARCHAR2", "NUMBER"}


def test_submit_program_returns_job_id_and_status(http: TestClient, engine: Engine) -> None:
    headers = login(http, accounting_tenant(engine))
    body = {"parameters": [{"parameter_id": 1501, "sequence": 1, "parameter_value": "Std"}]}
    response = http.post("/api/integration/v1/1/programs/150/submit", headers=headers, json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    job_id = answer["job_id"]
    assert answer["success"] is True and answer["message"] == f"Request ID: {job_id} submitted successfully"
    assert answer["data"]["id"] == int(job_id) and answer["data"]["status"] == "Pending"
    status = http.get(f"/api/integration/v1/1/jobs/{job_id}", headers=headers).json()
    assert status["success"] is True
    data = status["data"]
    assert set(data) >= {
        "actual_start_date",
        "crtd_by",
        "crtd_dt",
        "error_message",
        "id",
        "sec_atr_val",
        "status",
        "updt_dt",
    }
    # the 2025-08-06 reference's types: sec_atr_val an integer, actual_start_date a string
    assert data["status"] == "Pending" and data["sec_atr_val"] == 1 and data["actual_start_date"] == ""
    assert isinstance(data["id"], int) and isinstance(data["crtd_dt"], str)


def test_unknown_program_and_template_are_400(http: TestClient, engine: Engine) -> None:
    headers = login(http, accounting_tenant(engine))
    response = http.post(
        "/api/integration/v1/1/programs/999/submit", headers=headers, json={"parameters": []}
    )
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "This Program is not supported at the moment"}
    response = http.post(COLLECTION, headers=headers, json={"rc_template_name": "Nope", "org_id": 0})
    assert response.status_code == 400 and "Nope" in response.json()["message"]


def test_org_not_assigned_to_role_is_403(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    with transaction(engine) as conn:
        tenancy_service.create_org(conn, client_name=tenant.client, org_id=2, org_name="EMEA")
        client = tenancy.find_client(conn, tenant.client)
        assert client is not None
        role_id = tenancy.find_role_id(conn, client.id, "API Role")
        assert role_id is not None
        tenancy.set_role_orgs(conn, role_id, [1])
    headers = login(http, tenant)
    response = http.post(COLLECTION, headers=headers, json={"rc_template_name": "Std", "org_id": 2})
    assert response.status_code == 403
    assert response.json()["message"] == "OrgId does not match the Org assigned to the role"
    response = http.post("/api/integration/v1/2/programs/152/submit", headers=headers, json={})
    assert response.status_code == 403
    assert response.json() == {"success": False, "error": "OrgId does not match the Org assigned to the role"}
    assert (
        http.post(COLLECTION, headers=headers, json={"rc_template_name": "Std", "org_id": 1}).status_code
        == 200
    )


def test_third_active_collection_is_refused(http: TestClient, engine: Engine) -> None:
    headers = login(http, accounting_tenant(engine))
    ids = []
    for _ in range(2):
        response = http.post(COLLECTION, headers=headers, json={"rc_template_name": "Std", "org_id": 1})
        assert response.status_code == 200
        assert str(response.json()["job_id"]) in response.json()["message"]
        ids.append(response.json()["job_id"])
    third = http.post(COLLECTION, headers=headers, json={"rc_template_name": "Std", "org_id": 1})
    assert third.status_code == 400
    assert "already has 2 data collection jobs" in third.json()["message"]
    status = http.get(f"{COLLECTION}/{ids[0]}", headers=headers).json()
    assert status["data"]["status"] == "Pending" and status["data"]["id"] == ids[0]


def test_job_of_another_client_is_not_found(http: TestClient, engine: Engine) -> None:
    first = login(http, accounting_tenant(engine))
    job_id = http.post(COLLECTION, headers=first, json={"rc_template_name": "Std", "org_id": 0}).json()[
        "job_id"
    ]
    other = login(http, accounting_tenant(engine))
    response = http.get(f"{COLLECTION}/{job_id}", headers=other)
    assert response.status_code == 400 and "not found" in response.json()["message"]
    for number in ("0", "-1", str(2**31), str(10**30)):  # ids no job can have: 400 naming it, never a 500
        response = http.get(f"/api/integration/v1/1/jobs/{number}", headers=first)
        message = response.json()["message"]
        assert response.status_code == 400 and "path parameter job_id" in message, (number, message)


def test_jobs_need_the_revenue_jobs_privilege(http: TestClient, engine: Engine) -> None:
    from support import make_tenant

    tenant = make_tenant(engine, roles=("Administrator",))
    headers = login(http, tenant, role="Administrator")
    assert http.get("/api/integration/v1/programs", headers=headers).status_code == 403


def _submit(http: TestClient, headers: dict[str, str], program: int, *values: tuple[int, str]) -> Response:
    body = {"parameters": [{"parameter_id": i, "sequence": 1, "parameter_value": v} for i, v in values]}
    return http.post(f"/api/integration/v1/1/programs/{program}/submit", headers=headers, json=body)


@pytest.mark.parametrize(
    ("program", "values", "expected"),
    [
        (152, [(1521, "maybe")], "parameter 1521 (FORCE) must be one of Y, N, not 'maybe'"),
        (154, [(1541, "Closed")], "parameter 1541 (STATUS) must be one of Soft Close, Open, not 'Closed'"),
        (149, [(230, "X")], "parameter 230 (EXCLUDE FLAG) must be one of Y, N, not 'X'"),
        (
            160,
            [(1601, "revenue-waterfall"), (1606, "abc")],
            "parameter 1606 (UPLOAD_ID) must be a whole number",
        ),
        (160, [(1601, "stage-errors"), (1606, "0")], "parameter 1606 (UPLOAD_ID) must be a number from 1"),
        (160, [(1601, "")], "parameter 1601 (REPORT NAME) is mandatory"),
        (
            150,
            [(1501, "Std\x00")],
            "parameter 1501 (RC GROUPING TEMPLATE) must not contain control characters",
        ),
        (150, [(1501, "S" * 101)], "parameter 1501 (RC GROUPING TEMPLATE) is longer than 100 characters"),
        (152, [(1521, "Y"), (1521, "N")], "parameter 1521 is given more than once"),
        (152, [(9999, "Y")], "unknown parameter_id(s) [9999] for program 152 (its parameters: 1521)"),
    ],
)
def test_bad_parameters_are_refused_at_submission(
    http: TestClient, engine: Engine, program: int, values: list[tuple[int, str]], expected: str
) -> None:
    """Every bad value is a 400 naming the parameter, in the operation's error body; nothing is queued."""
    headers = login(http, accounting_tenant(engine))
    response = _submit(http, headers, program, *values)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["success"] is False and body["error"].startswith(expected), body
    assert set(body) == {"success", "error"}


def test_malformed_body_uses_the_operation_error_shape(http: TestClient, engine: Engine) -> None:
    headers = login(http, accounting_tenant(engine))
    response = http.post(
        "/api/integration/v1/1/programs/152/submit", headers=headers, json={"parameters": [{"x": 1}]}
    )
    assert response.status_code == 400
    assert response.json()["success"] is False and "parameter_id" in response.json()["error"]


def test_program_without_mandatory_parameters_accepts_an_empty_body(http: TestClient, engine: Engine) -> None:
    headers = login(http, accounting_tenant(engine))
    for program in (152, 153, 154):
        response = http.post(f"/api/integration/v1/1/programs/{program}/submit", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["success"] is True
    choice = _submit(http, headers, 154, (1541, "soft close"))  # choices compare case-insensitively
    assert choice.status_code == 200


def test_staging_jobs_leave_no_gap_in_the_job_ids_users_see(http: TestClient, engine: Engine) -> None:
    """An upload queues an internal staging job between two submissions: the user's ids stay consecutive."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    first = int(http.post(COLLECTION, headers=headers, json={"rc_template_name": "Std"}).json()["job_id"])
    send(http, headers, so_line(unique("GAP")))
    second = _submit(http, headers, 152).json()
    assert int(second["job_id"]) == first + 1 and second["data"]["id"] == first + 1
    worker.run_until_idle(engine)
    status = http.get(f"/api/integration/v1/1/jobs/{first}", headers=headers).json()["data"]
    assert status["id"] == first and status["status"] == "Completed" and status["actual_start_date"]
