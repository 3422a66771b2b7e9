"""The Revenue Jobs and Data Collection operations: programs, submission rules, job status."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import COLLECTION, accounting_tenant
from revrec.db.session import transaction
from revrec.tenancy import repository as tenancy
from revrec.tenancy import service as tenancy_service
from support import login


def test_programs_list_shape(http: TestClient, engine: Engine) -> None:
    headers = login(http, accounting_tenant(engine))
    response = http.get("/api/integration/v1/programs", headers=headers)
    assert response.status_code == 200
    programs = {p["program_id"]: p for p in response.json()["data"]}
    collection = programs[150]
    assert collection["program_name"] == "RevPro3.0 Data Collection Master"
    assert collection["parameters"] == [
        {"id": 1501, "mandatory": "N", "sequence": 1, "name": "RC GROUPING TEMPLATE", "type": "VARCHAR2"}
    ]
    assert programs[152]["program_name"] == "RevPro3.0 Execute Period Close & Open Process"


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
    assert data["status"] == "Pending" and data["sec_atr_val"] == "1" and data["actual_start_date"] is None


def test_unknown_program_and_template_are_400(http: TestClient, engine: Engine) -> None:
    headers = login(http, accounting_tenant(engine))
    response = http.post(
        "/api/integration/v1/1/programs/999/submit", headers=headers, json={"parameters": []}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "This Program is not supported at the moment"
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


def test_jobs_need_the_revenue_jobs_privilege(http: TestClient, engine: Engine) -> None:
    from support import make_tenant

    tenant = make_tenant(engine, roles=("Administrator",))
    headers = login(http, tenant, role="Administrator")
    assert http.get("/api/integration/v1/programs", headers=headers).status_code == 403
