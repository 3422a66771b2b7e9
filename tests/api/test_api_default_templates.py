"""Templates Zuora makes optional: ``templatename`` on the upload mapping operations and ``rc_template_name``
on Data Collection fall back to the client's default (setup document ``settings.default_templates``)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant
from revrec.auth.privileges import ADMIN_ROLE
from revrec.db.session import transaction
from revrec.jobs import worker
from revrec.setup import service as setup
from support import Tenant, login

MAPPING = "/api/integration/v1/upload/mapping"
COLLECTION = "/api/integration/v1/job/collection/template"


def set_defaults(engine: Engine, tenant: Tenant, **defaults: Any) -> list[str]:
    with transaction(engine) as conn:
        document = setup.export_setup(conn, client_name=tenant.client)
        document["settings"]["default_templates"] = defaults
        return setup.apply_setup(conn, client_name=tenant.client, document=document)


def test_default_templates_are_exported_and_applied(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    admin = login(http, tenant, role=ADMIN_ROLE)
    document = http.get("/api/admin/v1/setup", headers=admin).json()
    assert document["settings"]["default_templates"] == {"upload": None, "rc_grouping": None}
    document["settings"]["default_templates"] = {"upload": "Standard Transaction", "rc_grouping": "Std"}
    applied = http.put("/api/admin/v1/setup", headers=admin, json=document).json()
    assert applied["changes"] == [
        "settings.default_templates: {'upload': None, 'rc_grouping': None} -> "
        "{'upload': 'Standard Transaction', 'rc_grouping': 'Std'}"
    ]
    exported = http.get("/api/admin/v1/setup", headers=admin).json()["settings"]["default_templates"]
    assert exported == {"upload": "Standard Transaction", "rc_grouping": "Std"}
    assert http.put("/api/admin/v1/setup", headers=admin, json=document).json()["changes"] == []
    document["settings"]["default_templates"] = {"upload": ""}
    refused = http.put("/api/admin/v1/setup", headers=admin, json=document)
    assert refused.status_code == 400 and "settings.default_templates.upload" in refused.json()["message"]


def test_mapping_without_templatename_uses_the_default(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    for method in (http.get, http.post):
        missing = method(MAPPING, headers=headers)
        assert missing.status_code == 400
        assert "templatename" in missing.json()["message"]
        assert "settings.default_templates.upload" in missing.json()["message"]
    set_defaults(engine, tenant, upload="Standard Event")
    named = http.get(MAPPING, headers=headers, params={"templatename": "Standard Event"})
    assert named.status_code == 200
    assert http.get(MAPPING, headers=headers).json() == named.json()
    assert http.post(MAPPING, headers=headers).json() == named.json()
    other = http.get(MAPPING, headers=headers, params={"templatename": "Standard Transaction"}).json()
    assert other != named.json()  # a name in the request wins over the default
    set_defaults(engine, tenant, upload="Nope")
    by_default = http.get(MAPPING, headers=headers)  # a default is checked like a name in the request
    by_name = http.get(MAPPING, headers=headers, params={"templatename": "Nope"})
    assert by_default.status_code == by_name.status_code == 400 and by_default.json() == by_name.json()


def test_collection_without_rc_template_name_uses_the_default(http: TestClient, engine: Engine) -> None:
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    missing = http.post(COLLECTION, headers=headers, json={"org_id": 0})
    assert missing.status_code == 400
    assert "rc_template_name" in missing.json()["message"]
    assert "settings.default_templates.rc_grouping" in missing.json()["message"]
    set_defaults(engine, tenant, rc_grouping="Nope")
    unknown = http.post(COLLECTION, headers=headers, json={"org_id": 0})
    assert unknown.status_code == 400 and "'Nope'" in unknown.json()["message"]
    set_defaults(engine, tenant, rc_grouping="Std")
    submitted = http.post(COLLECTION, headers=headers, json={})
    assert submitted.status_code == 200, submitted.text
    worker.run_until_idle(engine)
    job = http.get(f"{COLLECTION}/{submitted.json()['job_id']}", headers=headers)
    assert job.status_code == 200 and job.json()["data"]["status"] == "Completed", job.text


def test_program_150_without_rc_template_name_uses_the_default(http: TestClient, engine: Engine) -> None:
    """POST_SubmitRevenueJob for Data Collection (program 150) falls back like POST_Collection does."""
    tenant = accounting_tenant(engine)
    headers = login(http, tenant)
    set_defaults(engine, tenant, rc_grouping="Nope")
    refused = http.post("/api/integration/v1/0/programs/150/submit", headers=headers, json={})
    assert refused.status_code == 400 and "'Nope'" in refused.json()["error"], refused.text
    set_defaults(engine, tenant, rc_grouping="Std")
    submitted = http.post("/api/integration/v1/0/programs/150/submit", headers=headers, json={})
    assert submitted.status_code == 200, submitted.text
    worker.run_until_idle(engine)
    job = http.get(f"{COLLECTION}/{submitted.json()['job_id']}", headers=headers)
    assert job.status_code == 200 and job.json()["data"]["status"] == "Completed", job.text
