"""Reports through HTTP: the stage errors report, list (with the DD-MON-YYYY date), download (retention,
isolation, zipped), signed URLs (valid, tampered, expired), ids unique across stores."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from inbound_data import so_line, transactions
from revrec.config import Settings
from revrec.db.session import transaction
from revrec.jobs import worker
from revrec.reports import service, signing
from revrec.reports.generators import STAGE_ERRORS, standard_generators
from revrec.reports.store import ReportRecord, ReportStore
from revrec.tenancy import service as tenancy
from support import Tenant, login, make_tenant, unique

LIST = "/api/integration/v1/reports/list"
DOWNLOAD = "/api/integration/v1/reports/download/"
SIGNED_URL = "/api/integration/v2/reports/signedurl/"
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def with_stage_errors(http: TestClient, engine: Engine) -> tuple[Tenant, dict[str, str]]:
    tenant = make_tenant(engine)
    headers = login(http, tenant)
    body = transactions(so_line("E1", **{"Item Num": ""}), so_line("OK1"))
    upload = {**headers, "templatename": "Standard Transaction", "filename": unique("f") + ".csv"}
    assert (
        http.post("/api/integration/v1/csv/upload", headers=upload, content=body.encode()).status_code == 200
    )
    worker.run_until_idle(engine)
    return tenant, headers


def run(engine: Engine, settings: Settings, tenant: Tenant, **params: str) -> ReportRecord:
    with transaction(engine, readonly=True) as conn:
        client = tenancy.require_client(conn, tenant.client)
        store = service.store_for(settings)
        threshold = settings.report_zip_threshold_bytes
        return service.run_report(
            conn,
            store=store,
            generator=STAGE_ERRORS,
            client_id=client.id,
            params=params,
            zip_threshold=threshold,
        )


def today() -> str:
    now = dt.datetime.now(dt.UTC)
    return f"{now.day:02d}-{MONTHS[now.month - 1]}-{now.year}"


def test_stage_errors_report_listed_and_downloaded(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    tenant, headers = with_stage_errors(http, engine)
    record = run(engine, settings, tenant)
    assert record.status == "Completed" and record.rows == 1 and record.file_name == f"{record.id}.csv"
    listed = http.get(LIST, headers=headers, params={"createddate": today()})
    assert listed.status_code == 200
    body = listed.json()
    assert body["status"] == "Success" and isinstance(body["Message"], str)
    assert body["Result"] == [
        {
            "category": "Transactions",
            "file_name": record.file_name,
            "id": record.id,
            "layout_name": "Standard",
            "rep_desc": STAGE_ERRORS.rep_desc,
            "rep_name": "Stage Errors Report",
            "report_date": record.report_date,
            "status": "Completed",
        }
    ]
    assert http.get(LIST, headers=headers, params={"createddate": today().lower()}).json()["Result"]
    assert http.get(LIST, headers=headers, params={"createddate": "01-JAN-2012"}).json()["Result"] == []
    assert len(http.get(LIST, headers=headers).json()["Result"]) == 1
    download = http.get(DOWNLOAD + record.file_name, headers=headers)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert record.file_name in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["SO_LINE_ID"] for r in rows] == ["E1"] and "RPRO-00006" in rows[0]["ERR_MSG"]
    assert rows[0]["KIND"] == "transaction"
    by_id = http.get(f"/api/integration/v1/reports/{record.id}", headers=headers).json()
    assert [r["id"] for r in by_id["Result"]] == [record.id]


def test_bad_created_date(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    answer = http.get(LIST, headers=headers, params={"createddate": "30-11-1993"})
    assert answer.status_code == 400
    assert answer.json() == {
        "Message": "Invalid date format for 30-11-1993: use DD-MON-YYYY (16-JAN-2023) or an ISO 8601 date "
        "(2023-01-16)",
        "status": "Error",
    }


def test_downloads_are_per_client_and_kept_48_hours(
    http: TestClient, engine: Engine, settings: Settings
) -> None:
    tenant, headers = with_stage_errors(http, engine)
    record = run(engine, settings, tenant)
    stranger = login(http, make_tenant(engine))
    assert http.get(DOWNLOAD + record.file_name, headers=stranger).status_code == 204
    assert http.get(LIST, headers=stranger).json()["Result"] == []
    assert http.get(DOWNLOAD + "999999999.csv", headers=headers).status_code == 204
    assert http.get(DOWNLOAD + "..%2Fsecret_key", headers=headers).status_code in (204, 404)
    sidecar = settings.data_dir / "reports" / str(record.client_id) / f"{record.id}.json"
    data = json.loads(sidecar.read_text())
    data["created"] = time.time() - settings.report_retention_seconds + 60
    sidecar.write_text(json.dumps(data))
    assert http.get(DOWNLOAD + record.file_name, headers=headers).status_code == 200
    data["created"] = time.time() - settings.report_retention_seconds - 1
    sidecar.write_text(json.dumps(data))
    assert http.get(DOWNLOAD + record.file_name, headers=headers).status_code == 204
    assert http.get(LIST, headers=headers).json()["Result"] == []
    assert not sidecar.exists() and not (sidecar.parent / record.file_name).exists()  # purged


def test_large_reports_are_zipped(http: TestClient, engine: Engine, settings: Settings) -> None:
    tenant, headers = with_stage_errors(http, engine)
    record = run(engine, settings.model_copy(update={"report_zip_threshold_bytes": 10}), tenant)
    assert record.file_name == f"{record.id}.zip"
    download = http.get(DOWNLOAD + record.file_name, headers=headers)
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.namelist() == [f"{record.id}.csv"]
        assert b"RPRO-00006" in archive.read(f"{record.id}.csv")
    renamed = http.get(DOWNLOAD + f"{record.id}.csv", headers=headers)  # clients rewrite the extension
    assert renamed.status_code == 200 and renamed.content == download.content


def test_signed_urls(http: TestClient, engine: Engine, settings: Settings) -> None:
    tenant, headers = with_stage_errors(http, engine)
    record = run(engine, settings, tenant)
    answer = http.get(SIGNED_URL + str(record.id), headers=headers)
    assert answer.status_code == 200 and answer.json()["success"] is True
    url = urlsplit(answer.json()["signed_url"])
    assert url.scheme in ("http", "https") and url.netloc
    target = f"{url.path}?{url.query}"
    fetched = http.get(target)  # no token
    assert fetched.status_code == 200 and b"RPRO-00006" in fetched.content
    query = dict(p.split("=", 1) for p in url.query.split("&"))
    expires = int(query["expires"])
    assert 1790 <= expires - time.time() <= 1800
    flipped = query["signature"][:-1] + ("0" if query["signature"][-1] != "0" else "1")
    who = f"client={query['client']}&user={query['user']}"
    assert http.get(f"{url.path}?{who}&expires={expires}&signature={flipped}").status_code == 403
    later = f"{url.path}?{who}&expires={expires + 60}&signature={query['signature']}"
    assert http.get(later).status_code == 403
    other_report = url.path.replace(str(record.id), str(record.id + 1))
    assert http.get(f"{other_report}?{url.query}").status_code == 403
    assert http.get(url.path).status_code == 403
    past = int(time.time()) - 1
    with transaction(engine, readonly=True) as conn:
        version = tenancy.require_user(conn, tenant.client, tenant.user)[1].token_version
    link = signing.Link(record.client_id, int(query["user"]), version, record.id, past)
    stale = signing.signature(settings.secret_key, link)
    expired = http.get(f"{url.path}?{who}&expires={past}&signature={stale}")
    assert expired.status_code == 403 and "expired" in expired.json()["error"]


def test_signed_url_errors(http: TestClient, engine: Engine, settings: Settings) -> None:
    tenant, headers = with_stage_errors(http, engine)
    record = run(engine, settings, tenant)
    invalid = http.get(SIGNED_URL + "abc", headers=headers)
    assert invalid.status_code == 400 and invalid.json()["status"] == "Error"
    unknown = http.get(SIGNED_URL + "999999999", headers=headers)
    assert unknown.status_code == 404 and unknown.json() == {
        "error": "Report 999999999 not found",
        "success": False,
    }
    stranger = login(http, make_tenant(engine))
    assert http.get(SIGNED_URL + str(record.id), headers=stranger).status_code == 404
    assert http.get(SIGNED_URL + str(record.id)).status_code == 401


def test_report_ids_are_unique_across_stores(tmp_path: Path) -> None:
    stores = [ReportStore(tmp_path, retention=60) for _ in range(4)]
    found: list[int] = []
    lock = threading.Lock()

    def take(store: ReportStore) -> None:
        for _ in range(25):
            value = store.next_id()
            with lock:
                found.append(value)

    threads = [threading.Thread(target=take, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == len(set(found)) == 100


def test_generator_registry() -> None:
    registry = standard_generators()
    assert registry.keys() == [
        "contract-cost-rollforward", "contract-detail", "contract-warnings", "deferred-rollforward",
        "journal-entries", "returns-rollforward", "revenue-waterfall", "stage-errors",
    ]  # fmt: skip
    assert registry.get("Stage-Errors") is STAGE_ERRORS
    try:
        registry.get("waterfall")
    except Exception as exc:  # noqa: BLE001 - the message is what matters
        assert "stage-errors" in str(exc)
    else:
        raise AssertionError("unknown report accepted")
