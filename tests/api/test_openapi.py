"""The OpenAPI description is complete enough to generate a working client, and /docs works offline.

The client test generates a Python client with openapi-python-client from revrec's own description (into a
temporary directory, in a subprocess), then uses it against a live server on a loopback port: authenticate,
upload, run Data Collection, page a BI view and fetch a report.
"""

from __future__ import annotations

import importlib
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounting_support import accounting_tenant, worked_lines
from inbound_data import transactions
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.jobs import worker
from revrec.reports import service as reports
from revrec.reports.generators import STAGE_ERRORS
from revrec.tenancy import service as tenancy
from support import basic, unique

# The operationIds of the Zuora Revenue integration API (kept as Zuora names them, typo included).
ZUORA_OPERATIONS = {
    "POST_Authenticate", "GET_BIViews", "POST_BIViews", "GET_AllTaskStatus", "GET_TaskDetails",
    "DELETE_Task", "GET_RowCount", "GET_ColumnList", "GET_BIView", "GET_FileUploadMapping",
    "POST_FileUploadMapping", "POST_UploadFile", "GET_FileUploadStatus", "POST_Upload", "GET_UploadStatus",
    "GET_StaggingError", "GET_ReportList", "GET_DownloadReports", "GET_ReportsURL", "GET_ProgramDetails",
    "POST_SubmitRevenueJob", "GET_RevenueJobStatus", "GET_RevenueOrgDetails", "POST_Collection",
    "GET_CollectionDetails", "GET_TransferBatchList", "GET_TransferBatch", "PUT_TransferBatchStatus",
    "GET_TransferBatchFile",
}  # fmt: skip
NO_TOKEN = {"POST_Authenticate", "GET_SignedReport", "GET_Health"}


@pytest.fixture(scope="module")
def description(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(description: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for ops in description["paths"].values() for op in ops.values()}


def header_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_operation_ids_security_and_status_codes(description: dict[str, Any]) -> None:
    by_id = operations(description)
    assert set(by_id) >= ZUORA_OPERATIONS
    schemes = description["components"]["securitySchemes"]
    assert schemes["token"] == {**schemes["token"], "type": "apiKey", "in": "header", "name": "token"}
    assert schemes["bearer"]["scheme"] == "bearer" and schemes["basic"]["scheme"] == "basic"
    assert "422" not in json.dumps(description) and "HTTPValidationError" not in json.dumps(description)
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for name, operation in by_id.items():
        responses = operation["responses"]
        assert "400" in responses or not (operation.get("parameters") or operation.get("requestBody")), name
        if name not in NO_TOKEN:
            assert {"token": []} in operation["security"], name
            for code in ("400", "401", "403", "405"):
                schema = responses[code]["content"]["application/json"]["schema"]
                assert schema == error or error in schema.get("anyOf", []), (name, code)
        for code, response in responses.items():
            for media in response.get("content", {}).values():
                assert media["schema"], (name, code)  # every answer is typed
    assert by_id["POST_Authenticate"]["security"] == [{"basic": []}]
    assert {"429", "401"} <= set(by_id["POST_Authenticate"]["responses"])
    assert "Revpro-Token" in by_id["POST_Authenticate"]["responses"]["200"]["headers"]


def test_headers_and_media_types(description: dict[str, Any]) -> None:
    by_id = operations(description)
    assert header_names(by_id["POST_Authenticate"]) == {"role", "clientname"}
    assert header_names(by_id["POST_Upload"]) == {"templatename", "filename"}
    assert header_names(by_id["POST_UploadFile"]) == {"templatename"}
    assert header_names(by_id["GET_BIView"]) == {"continuation-token"}
    assert header_names(by_id["GET_BIViews"]) == {"pagesize"}
    assert header_names(by_id["GET_TransferBatch"]) == {"pagesize"}
    page = by_id["GET_BIView"]["responses"]["200"]["content"]
    assert set(page) == {"text/csv", "application/gzip"}
    assert set(by_id["GET_BIViews"]["responses"]["200"]["content"]) == {"text/csv", "application/json"}
    assert set(by_id["GET_DownloadReports"]["responses"]["200"]["content"]) == {"text/csv", "application/zip"}
    assert set(by_id["GET_TransferBatchFile"]["responses"]["200"]["content"]) == {"text/csv"}
    assert "text/plain" in by_id["POST_Upload"]["requestBody"]["content"]
    multipart = by_id["POST_UploadFile"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert multipart["properties"]["file"]["format"] == "binary"
    fields = by_id["GET_BIView"]["requestBody"]["content"]["application/json"]["schema"]
    assert fields["type"] == "array" and by_id["GET_BIView"]["requestBody"]["required"] is False


def test_docs_work_offline(http: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = http.get(page)
        assert html.status_code == 200
        assert "://" not in html.text, re.findall(r"[a-z]+://[^\"' ]+", html.text)  # no external host
        assets = re.findall(r"(?:src|href)=[\"']([^\"']+)[\"']", html.text)
        assert any(a.endswith(".js") for a in assets), assets
        for asset in assets:
            assert asset.startswith("/"), asset
            assert http.get(asset).status_code == 200, asset
    assert http.get("/openapi.json").status_code == 200


# --- a generated client against a live server ----------------------------------------------------------

GENERATOR_CONFIG = """\
package_name_override: {package}
project_name_override: {package}
post_hooks: []
content_type_overrides:
  text/plain: application/octet-stream
"""


def generate_client(description: dict[str, Any], where: Path) -> str:
    """Generate the client package into ``where``; its importable name."""
    package = unique("revrec_client_")
    (where / "openapi.json").write_text(json.dumps(description))
    (where / "config.yaml").write_text(GENERATOR_CONFIG.format(package=package))
    generator = Path(sys.executable).parent / "openapi-python-client"
    subprocess.run(
        [str(generator), "generate", "--path", "openapi.json", "--output-path", package, "--meta", "none",
         "--config", "config.yaml"],
        cwd=where, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return package


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_generated_client_round_trip(
    app: FastAPI, engine: Engine, settings: Settings, live_server: str, tmp_path: Path
) -> None:
    package = generate_client(app.openapi(), tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        api = Api(package, live_server)
        tenant = accounting_tenant(engine)
        try:
            token = api.authenticate(tenant.user, tenant.password, tenant.client)
            api.use_token(token)
            api.upload_and_collect(engine, transactions(*worked_lines("G")))
            api.page_lines()
            api.fetch_report(engine, settings, tenant.client)
        finally:
            api.close()
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


class Api:
    """The calls of the round trip, each through the generated client's typed functions."""

    def __init__(self, package: str, base_url: str) -> None:
        self.package, self.base_url = package, base_url
        self.client: Any = None
        self.opened: list[Any] = []

    def close(self) -> None:
        for client in self.opened:
            client.get_httpx_client().close()

    def module(self, name: str) -> Any:
        return importlib.import_module(f"{self.package}.{name}")

    def authenticate(self, user: str, password: str, client_name: str) -> str:
        credentials = basic(user, password).split(" ", 1)[1]
        login = self.module("client").AuthenticatedClient(
            base_url=self.base_url, token=credentials, prefix="Basic", auth_header_name="Authorization"
        )
        self.opened.append(login)
        answer = self.module("api.authentication.post_authenticate").sync_detailed(
            client=login, role="API Role", clientname=client_name
        )
        assert answer.status_code == 200, answer.content
        assert answer.parsed.message == "Token Generated" and answer.parsed.status == "success"
        return str(answer.headers["Revpro-Token"])

    def use_token(self, token: str) -> None:
        self.client = self.module("client").AuthenticatedClient(
            base_url=self.base_url, token=token, prefix="", auth_header_name="token"
        )
        self.opened.append(self.client)
        orgs = self.module("api.revenue_jobs.get_revenue_org_details").sync(client=self.client)
        assert [o.org_name for o in orgs.data] == ["DEFAULT"]

    def upload_and_collect(self, engine: Engine, csv_text: str) -> None:
        file = self.module("types").File(payload=csv_text.encode(), mime_type="text/plain")
        uploaded = self.module("api.inbound.post_upload").sync(
            client=self.client, body=file, templatename="Standard Transaction", filename=unique("g") + ".csv"
        )
        assert uploaded.status == "Success", uploaded
        status = self.module("api.inbound.get_upload_status").sync(client=self.client, id=uploaded.result.id)
        assert status.result.id == uploaded.result.id
        worker.run_until_idle(engine)
        request = self.module("models").CollectionRequest(rc_template_name="Std", org_id=0)
        submitted = self.module("api.revenue_jobs.post_collection").sync(client=self.client, body=request)
        assert submitted.success is True, submitted
        worker.run_until_idle(engine)
        done = self.module("api.revenue_jobs.get_collection_details").sync(
            client=self.client, job_id=submitted.job_id
        )
        assert done.data.status == "Completed", done

    def page_lines(self) -> None:
        count = self.module("api.bi_views_v_2.get_row_count").sync(client=self.client, view_name="BI3_RC_LNS")
        assert count.count == 2
        page = self.module("api.bi_views_v_2.get_bi_view")
        first = page.sync_detailed(client=self.client, view_name="BI3_RC_LNS", page_size=1, output_type="csv")
        assert first.status_code == 200 and first.content.count(b"\n") == 2, first.content  # header + 1 row
        token = first.headers["continuation-token"]
        second = page.sync_detailed(
            client=self.client,
            view_name="BI3_RC_LNS",
            page_size=1,
            output_type="csv",
            pagenum=2,
            continuation_token=token,
        )
        assert second.status_code == 200 and second.content.count(b"\n") == 2, second.content
        assert {b"G-1" in first.content + second.content, b"G-2" in first.content + second.content} == {True}

    def fetch_report(self, engine: Engine, settings: Settings, client_name: str) -> None:
        with transaction(engine, readonly=True) as conn:
            client_id = tenancy.require_client(conn, client_name).id
            record = reports.run_report(
                conn, store=reports.store_for(settings), generator=STAGE_ERRORS, client_id=client_id,
                zip_threshold=settings.report_zip_threshold_bytes,
            )  # fmt: skip
        listed = self.module("api.reports.get_report_list").sync(client=self.client)
        assert record.id in [r.id for r in listed.result]
        file = self.module("api.reports.get_download_reports").sync_detailed(
            client=self.client, filename=record.file_name
        )
        assert file.status_code == 200 and file.content.startswith(b"KIND,ID,UPLOAD_ID"), file.content[:80]
