"""The admin setup endpoints: export and apply (with dry run), Administration privilege only."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from revrec.auth.privileges import ADMIN_ROLE
from support import login, make_tenant

URL = "/api/admin/v1/setup"


def test_export_apply_dry_run_over_http(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    headers = login(http, tenant, role=ADMIN_ROLE)
    document = http.get(URL, headers=headers).json()
    assert document["client"] == tenant.client
    assert [u["username"] for u in document["users"]] == [tenant.user]
    document["organizations"].append({"org_id": 9, "org_name": "LATAM"})
    dry = http.put(URL, params={"dry_run": "true"}, headers=headers, json=document)
    assert dry.status_code == 200
    assert dry.json() == {
        "status": "Success",
        "dry_run": True,
        "changes": ["organizations: 9 'LATAM' (enabled=True)"],
    }
    assert len(http.get(URL, headers=headers).json()["organizations"]) == 1
    applied = http.put(
        URL, headers={**headers, "content-type": "application/yaml"}, content=yaml.safe_dump(document)
    )
    assert applied.json()["changes"] == ["organizations: 9 'LATAM' (enabled=True)"]
    assert http.put(URL, headers=headers, json=document).json()["changes"] == []


def test_setup_needs_administration_privilege(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    response = http.get(URL, headers=login(http, tenant))
    assert response.status_code == 403
    assert "Administration" in response.json()["message"]


def test_bad_documents_are_400_with_reasons(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    headers = login(http, tenant, role=ADMIN_ROLE)
    response = http.put(URL, headers=headers, content=b"{not json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]
    response = http.put(URL, headers=headers, json={"client": "someone-else"})
    assert response.status_code == 400 and "is for client 'someone-else'" in response.json()["message"]
    response = http.put(URL, headers=headers, json={"books": [{"name": "Second", "primary": True}]})
    assert (
        response.status_code == 400
        and "exactly one book must be the primary book" in response.json()["message"]
    )
