"""BI views v1 (and what v1 and v2 share) through HTTP: CSV pages, counts, field lists, parameters, errors,
the date window, client isolation, privileges."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from revrec.auth.privileges import ADMIN_ROLE
from revrec.biviews.columns import columns
from revrec.biviews.routes import runtime_for
from revrec.biviews.views import SqlSource, ViewDef, ViewQuery
from revrec.db.session import transaction
from revrec.db.tables import app_user
from revrec.tenancy import service as tenancy
from support import Tenant, login, make_tenant, unique

V1 = "/api/integration/v1/biviews/"


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def add_orgs(engine: Engine, tenant: Tenant, *org_ids: int) -> None:
    with transaction(engine) as conn:
        for org_id in org_ids:
            tenancy.create_org(conn, client_name=tenant.client, org_id=org_id, org_name=f"ORG {org_id}")


def test_org_view_pages_with_a_header_each(http: TestClient, engine: Engine) -> None:
    tenant = make_tenant(engine)
    add_orgs(engine, tenant, 20, 30)
    other = make_tenant(engine)
    add_orgs(engine, other, 99)
    headers = login(http, tenant)
    whole = http.get(V1 + "BI3_ORG", headers=headers)
    assert whole.status_code == 200 and whole.headers["content-type"].startswith("text/csv")
    table = rows_of(whole.text)
    assert table[0] == [
        "ID", "ORG_ID", "ORG_NAME", "CRTD_BY", "CRTD_DT", "UPDT_BY", "UPDT_DT", "CLIENT_ID", "INCR_UPDT_DT",
        "ORG_CODE", "ENTITY_ID",
    ]  # fmt: skip
    assert [r[1:3] for r in table[1:]] == [["1", "DEFAULT"], ["20", "ORG 20"], ["30", "ORG 30"]]
    assert len({r[7] for r in table[1:]}) == 1 and whole.text.endswith("\r\n")
    pages = [
        http.get(V1 + "BI3_ORG", headers=headers, params={"pagenum": n, "pagesize": 2}) for n in (1, 2, 3)
    ]
    assert [p.status_code for p in pages] == [200, 200, 204]
    assert rows_of(pages[0].text)[0] == table[0] == rows_of(pages[1].text)[0]
    assert rows_of(pages[0].text)[1:] + rows_of(pages[1].text)[1:] == table[1:]
    by_header = http.get(V1 + "BI3_ORG", headers={**headers, "pagesize": "1"}, params={"pagenum": 3})
    assert rows_of(by_header.text)[1:] == [table[3]]
    count = http.get(V1 + "BI3_ORG", headers=headers, params={"count": "true"})
    assert count.json() == {"count": 3}


def test_selected_fields_and_unknown_names(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    chosen = http.post(V1 + "BI3_ORG", headers=headers, json=["org_name", "ID"])
    assert chosen.status_code == 200 and rows_of(chosen.text)[0] == ["ORG_NAME", "ID"]
    assert rows_of(chosen.text)[1][0] == "DEFAULT"
    unknown = http.post(V1 + "BI3_ORG", headers=headers, json=["ID", "NOT_A_COLUMN"])
    assert unknown.status_code == 400 and "NOT_A_COLUMN" in unknown.json()["message"]
    bad_body = http.post(V1 + "BI3_ORG", headers=headers, content=b'{"fields": 1}')
    assert bad_body.status_code == 400 and "JSON array" in bad_body.json()["message"]
    view = http.get(V1 + "BI3_NOPE", headers=headers)
    assert view.status_code == 400 and view.json()["message"] == "BI view BI3_NOPE does not exist"
    assert http.get(V1 + "bi3_org", headers=headers).status_code == 200


def test_parameters_are_checked(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    too_big = http.get(V1 + "BI3_ORG", headers=headers, params={"pagesize": 10001})
    assert too_big.status_code == 400 and "1 to 10,000" in too_big.json()["message"]
    assert http.get(V1 + "BI3_ORG", headers=headers, params={"pagesize": 10000}).status_code == 200
    assert http.get(V1 + "BI3_ORG", headers=headers, params={"pagenum": 0}).status_code == 400
    bad_date = http.get(V1 + "BI3_ORG", headers=headers, params={"fromDate": "26/07/2016"})
    assert bad_date.status_code == 400 and "fromDate '26/07/2016'" in bad_date.json()["message"]
    wrong_client = http.get(V1 + "BI3_ORG", headers=headers, params={"clientId": 999999})
    assert wrong_client.status_code == 400 and "Invalid User ID" in wrong_client.json()["message"]


def test_client_id_of_the_caller_is_accepted(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    client_id = rows_of(http.get(V1 + "BI3_ORG", headers=headers).text)[1][7]
    ok = http.get(
        V1 + "BI3_ORG",
        headers=headers,
        params={"clientId": client_id, "fromDate": "2016-07-26T00:00:00", "toDate": "2016-07-26T00:00:00"},
    )
    assert ok.status_code == 200  # reference views ignore the window (their sources keep no change time)


@pytest.mark.parametrize("view", ["BI3_RC_SCHD_DEL", "BI3_RC_HOLD", "BI3_MJE"])
def test_views_without_data_yet_answer_204(http: TestClient, engine: Engine, view: str) -> None:
    headers = login(http, make_tenant(engine))
    assert http.get(V1 + view, headers=headers).status_code == 204
    assert http.get(V1 + view, headers=headers, params={"count": "true"}).json() == {"count": 0}


def test_reference_views(http: TestClient, engine: Engine) -> None:
    headers = login(http, make_tenant(engine))
    book = rows_of(http.get(V1 + "BI3_BOOK", headers=headers).text)
    assert len(book[0]) == 23 and book[1][1] == "Primary" and book[1][14] == "Y" and book[1][22] == "Y"
    types = rows_of(http.get(V1 + "BI3_ACCT_TYPE", headers=headers).text)
    assert [r[0] for r in types[1:]] == [
        "R",
        "L",
        "X",
        "Y",
        "A",
        "U",
        "C",
        "N",
        "S",
        "O",
        "Q",
        "G",
        "I",
        "P",
        "H",
        "V",
        "W",
        "K",
    ]
    calendar = rows_of(http.get(V1 + "BI3_CALENDAR", headers=headers, params={"pagesize": 10000}).text)
    this_year = dt.datetime.now(dt.UTC).year
    keys = [int(r[0]) for r in calendar[1:]]
    assert keys[0] == (this_year - 10) * 100 + 1 and keys[-1] == (this_year + 10) * 100 + 12
    january = next(r for r in calendar[1:] if r[0] == f"{this_year}01")
    assert january[1:5] == [f"JAN-{this_year}", "1", f"{this_year}-01-01", f"{this_year}-01-31"]


def test_outbound_privilege_and_token_required(http: TestClient, engine: Engine) -> None:
    assert http.get(V1 + "BI3_ORG").status_code == 401
    admin_only = make_tenant(engine, roles=(ADMIN_ROLE,))
    headers = login(http, admin_only, role=ADMIN_ROLE)
    assert http.get(V1 + "BI3_ORG", headers=headers).status_code == 403
    assert http.get("/api/integration/v2/biviews-status", headers=headers).status_code == 403


# --- the date window, on a test view over a table with a timestamp ---------------------------------------

USERS = ViewDef(
    "TEST_USERS",
    columns(["ID:N", "USERNAME", "INCR_UPDT_DT"]),
    SqlSource(
        lambda q: (
            select(app_user.c.id, app_user.c.username, app_user.c.created_at)
            .where(app_user.c.client_id == q.client_id, *q.window.conditions(app_user.c.created_at))
            .order_by(app_user.c.id)
        )
    ),
)


@pytest.fixture
def users_view(app: FastAPI) -> Iterator[None]:
    registry = runtime_for(app).views
    registry.register(USERS)
    yield
    registry.unregister(USERS.name)


def test_the_window_filters_on_incr_updt_dt(http: TestClient, engine: Engine, users_view: None) -> None:
    tenant = make_tenant(engine)
    headers = login(http, tenant)
    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, tenant.client).id
        for i, day in enumerate(
            (dt.datetime(2020, 1, 1), dt.datetime(2020, 1, 31, 18), dt.datetime(2020, 2, 1))
        ):
            name = unique("u")
            tenancy.create_user(
                conn, client_name=tenant.client, username=name, password=None, role_names=[ADMIN_ROLE]
            )
            conn.execute(
                update(app_user)
                .where(app_user.c.client_id == client_id, app_user.c.username == name)
                .values(created_at=day.replace(tzinfo=dt.UTC), username=f"u{i}")
            )

    def names(**window: str) -> list[str]:
        answer = http.get(V1 + "TEST_USERS", headers=headers, params=window)
        return (
            []
            if answer.status_code == 204
            else [r[1] for r in rows_of(answer.text)[1:] if r[1] in ("u0", "u1", "u2")]
        )

    assert names() == ["u0", "u1", "u2"]
    assert names(fromDate="2020-01-01", toDate="2020-01-31") == ["u0", "u1"]
    assert names(fromDate="2020-01-01T00:00:01", toDate="2020-01-31T18:00:00") == ["u1"]
    assert names(fromDate="2020-01-31T18:00:01") == ["u2"]
    assert names(toDate="2019-12-31") == []
    window = {"fromDate": "2020-02-01", "toDate": "2020-02-01"}
    assert rows_of(http.get(V1 + "TEST_USERS", headers=headers, params=window).text)[1][1:] == [
        "u2",
        "2020-02-01T00:00:00",
    ]
    assert ViewQuery(client_id).window.start is None


def test_dates_with_a_zone_are_normalised_to_utc(http: TestClient, engine: Engine, users_view: None) -> None:
    """Zuora's published defaults (``2016-07-26T00:00:00.000Z``), offsets and a space instead of ``T``."""
    tenant = make_tenant(engine)
    headers = login(http, tenant)
    with transaction(engine) as conn:
        client_id = tenancy.require_client(conn, tenant.client).id
        tenancy.create_user(
            conn, client_name=tenant.client, username="z0", password=None, role_names=[ADMIN_ROLE]
        )
        conn.execute(
            update(app_user)
            .where(app_user.c.client_id == client_id, app_user.c.username == "z0")
            .values(created_at=dt.datetime(2020, 1, 31, 18, tzinfo=dt.UTC))
        )

    def names(**window: str) -> list[str]:
        answer = http.get(V1 + "TEST_USERS", headers=headers, params=window)
        assert answer.status_code in (200, 204), answer.text
        return [] if answer.status_code == 204 else [r[1] for r in rows_of(answer.text)[1:] if r[1] == "z0"]

    assert names(fromDate="2020-01-31T18:00:00.000Z") == ["z0"]
    assert names(fromDate="2020-01-31T18:00:00.001Z") == []
    assert names(fromDate="2020-01-31T20:00:00+02:00", toDate="2020-01-31T13:00:00-05:00") == ["z0"]
    assert names(fromDate="2020-01-31T20:00:01+02:00") == []
    assert names(fromDate="2020-01-31 18:00:00Z") == ["z0"]
    assert names(toDate="2020-01-31 17:59:59") == []
    bad = http.get(V1 + "TEST_USERS", headers=headers, params={"toDate": "2020-01-31T18:00:00+25:00"})
    assert bad.status_code == 400 and "toDate '2020-01-31T18:00:00+25:00'" in bad.json()["message"]
    assert "ISO 8601" in bad.json()["message"]
    count = http.get(
        "/api/integration/v2/biviews/count/TEST_USERS",
        headers=headers,
        params={"fromDate": "2020-01-31T18:00:00.000Z", "toDate": "2020-01-31T18:00:00.000+00:00"},
    )
    assert count.status_code == 200 and count.json() == {"count": 1}
