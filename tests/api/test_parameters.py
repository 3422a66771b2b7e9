"""Every parameter is parsed once, with bounds (revrec.http.params): ids, page numbers and page sizes that are
not whole numbers in ASCII digits, that have thousands of digits or lie beyond their bounds answer 400
naming the parameter on every operation — read from the OpenAPI description, so a new operation is covered
as soon as it exists — and pathological bodies answer 400, never 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from revrec.auth.privileges import ADMIN_ROLE
from support import admin_only, login, make_tenant

BAD_WHOLE_NUMBERS = {
    "beyond 64 bits": str(2**64),
    "beyond 32 bits": str(2**31),
    "superscript digit": "²",
    "Arabic-Indic digit": "١",
    "5,000 digits": "9" * 5000,
    "negative": "-1",
    "fraction": "1.5",
    "exponent": "1e3",
}


@pytest.fixture(scope="module")
def caller(app: FastAPI, engine: Engine) -> dict[str, dict[str, str]]:
    tenant = make_tenant(engine)
    with TestClient(app) as http:
        return {"api": login(http, tenant), "admin": login(http, tenant, role=ADMIN_ROLE)}


def integer_parameters(app: FastAPI) -> list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
    """(method, path, the integer parameter, all the operation's parameters) for every operation."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                if "integer" in json.dumps(parameter["schema"]):
                    found.append((method, path, parameter, parameters))
    return found


def maximum(parameter: dict[str, Any]) -> int:
    schema = parameter["schema"]
    return max(s.get("maximum", 0) for s in schema.get("anyOf", [schema]))


def request_for(
    path: str, parameters: list[dict[str, Any]], bad: dict[str, Any], value: str
) -> dict[str, Any]:
    """A request where ``bad`` carries ``value`` and every other required parameter a good one."""
    url, query, headers = path, {}, {}
    for parameter in parameters:
        chosen = value if parameter is bad else ("1" if "integer" in json.dumps(parameter["schema"]) else "x")
        if parameter is not bad and not parameter.get("required"):
            continue
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", chosen)
        elif parameter["in"] == "query":
            query[parameter["name"]] = chosen
        else:
            headers[parameter["name"]] = chosen
    return {"url": url, "params": query, "headers": headers}


def refusals(http: TestClient, method: str, path: str, parameter: dict[str, Any], parameters: list[Any],
             token: dict[str, str]) -> list[str]:  # fmt: skip
    """What goes wrong when ``parameter`` carries each bad whole number (none: each is a 400 naming it)."""
    problems = []
    for kind, value in BAD_WHOLE_NUMBERS.items():
        if parameter["in"] == "header" and not value.isascii():
            continue  # HTTP header values are Latin-1 on the wire; the path and query carry Unicode
        if kind == "beyond 32 bits" and maximum(parameter) > 2**31:
            continue  # a time in seconds (expires) may pass 2038
        req = request_for(path, parameters, parameter, value)
        answer = http.request(method, req["url"], params=req["params"], headers={**token, **req["headers"]})
        body = answer.json() if answer.status_code == 400 else {}
        message = (
            body.get("message") or body.get("error") or ""
        )  # POST_SubmitRevenueJob: {"success", "error"}
        if answer.status_code != 400 or parameter["name"] not in message:
            problems.append(
                f"{method} {path} {parameter['name']}={kind}: {answer.status_code} {answer.text[:200]}"
            )
    return problems


def test_every_integer_parameter_of_every_operation_is_bounded(
    app: FastAPI, caller: dict[str, dict[str, str]]
) -> None:
    cases = integer_parameters(app)
    names = {p["name"] for _, _, p, _ in cases}
    assert names >= {"pagenum", "pagesize", "id", "report_id", "client", "expires", "job_id", "batchid"}
    problems = []
    with TestClient(app) as http:
        for method, path, parameter, parameters in cases:
            token = caller["admin"] if admin_only(path) else caller["api"]
            problems += refusals(http, method.upper(), path, parameter, parameters, token)
    assert not problems, "\n".join(problems)


def test_unauthenticated_signed_download_refuses_bad_numbers(http: TestClient) -> None:
    """The signed-download route has no token: its parameters are parsed before anything else."""
    base = "/api/integration/v2/reports/signed/"
    for value in ("²", str(2**64), "9" * 5000):
        for url in (
            base + value,
            f"{base}1?client={value}&expires=1&signature=ab",
            f"{base}1?client=1&expires={value}&signature=ab",
        ):
            answer = http.get(url)
            assert answer.status_code == 400, (url[:80], answer.text[:200])
            assert answer.json()["status"] == "Error"
    assert http.get(f"{base}1?client=1&expires=1&signature=%C2%B2").status_code == 400  # not hexadecimal
    assert http.get(f"{base}1?client=1&expires=1&signature=ab").status_code == 403  # well formed, wrong


def test_messages_say_what_is_accepted(http: TestClient, caller: dict[str, dict[str, str]]) -> None:
    answer = http.get("/api/integration/v1/csv/upload/status?id=%C2%B2", headers=caller["api"])
    assert answer.json()["message"] == (
        "Invalid request: Invalid query parameter id '²': use a whole number in ASCII digits"
    )
    answer = http.get(f"/api/integration/v1/csv/upload/status?id={2**31}", headers=caller["api"])
    assert answer.json()["message"] == (
        "Invalid request: Invalid query parameter id '2147483648': use at most 2,147,483,647"
    )
    answer = http.get("/api/integration/v1/csv/upload/status?id=" + "9" * 5000, headers=caller["api"])
    assert answer.status_code == 400 and len(answer.json()["message"]) < 200  # the value is not echoed whole
    answer = http.get("/api/integration/v1/csv/upload/status", headers=caller["api"])
    assert answer.json()["message"] == "Invalid request: Missing required query parameter: id"


def test_edge_of_the_calendar(http: TestClient, caller: dict[str, dict[str, str]]) -> None:
    """``toDate=9999-12-31`` (a common "no end" sentinel) covers everything; a year past 9999 is refused."""
    for view in (
        "/api/integration/v1/biviews/BI3_ORG",
        "/api/integration/v2/biviews/count/BI3_ORG",
    ):
        answer = http.get(
            view, params={"fromDate": "0001-01-01", "toDate": "9999-12-31"}, headers=caller["api"]
        )
        assert answer.status_code in (200, 204), answer.text
        for name, value in (
            ("toDate", "10000-01-01"),
            ("fromDate", "9999-12-31T23:59:59-05:00"),  # past the calendar once in UTC
            ("toDate", "0001-01-01T00:00:00+05:00"),  # before it once in UTC
        ):
            answer = http.get(view, params={name: value}, headers=caller["api"])
            assert answer.status_code == 400 and name in answer.json()["message"], (value, answer.text)
    answer = http.get(
        "/api/integration/v1/stage/error/transaction",
        params={"fromDate": "0001-01-01T00:00:00", "toDate": "9999-12-31T23:59:59"},
        headers=caller["api"],
    )
    assert answer.status_code in (200, 204), answer.text


NESTED = b"[" * 10_000 + b"]" * 10_000
BODIES = {
    "nested 10,000 levels": (NESTED, "application/json"),
    "nested object": (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "application/json"),
    "invalid UTF-8": (b'{"rc_template_name": "\xff\xfe"}', "application/json"),
    "huge number": (b'{"rc_template_name": "Std", "org_id": ' + b"9" * 5000 + b"}", "application/json"),
    "number beyond 64 bits": (
        b'{"rc_template_name": "Std", "org_id": ' + str(2**64).encode() + b"}",
        "application/json",
    ),
    "float infinity": (b'{"rc_template_name": "Std", "org_id": 1e400}', "application/json"),
    "wrong content type": (b'{"rc_template_name": "Std"}', "text/plain"),
    "not JSON": (b"\x00\x01binary", "application/json"),
}
BODY_OPERATIONS = [
    ("POST", "/api/integration/v1/job/collection/template", "api"),
    ("POST", "/api/integration/v1/1/programs/1/submit", "api"),
    ("POST", "/api/integration/v1/biviews/BI3_ORG", "api"),
    ("POST", "/api/integration/v2/biviews/BI3_ORG", "api"),
    ("PUT", "/api/admin/v1/setup", "admin"),
]


@pytest.mark.parametrize(("method", "path", "role"), BODY_OPERATIONS)
def test_pathological_bodies_answer_400(
    http: TestClient, caller: dict[str, dict[str, str]], method: str, path: str, role: str
) -> None:
    for kind, (body, media) in BODIES.items():
        if kind == "wrong content type" and "biviews" in path:
            continue  # the field list is read whatever the content type says
        answer = http.request(method, path, content=body, headers={**caller[role], "content-type": media})
        assert answer.status_code == 400, (kind, answer.status_code, answer.text[:300])
        if "programs" in path:  # POST_SubmitRevenueJob's own error body
            assert answer.json()["success"] is False and answer.json()["error"], kind
        else:
            assert answer.json()["status"] == "Error", kind


def test_deeply_nested_yaml_setup_answers_400(http: TestClient, caller: dict[str, dict[str, str]]) -> None:
    answer = http.put(
        "/api/admin/v1/setup",
        content=b"[" * 10_000 + b"]" * 10_000,
        headers={**caller["admin"], "content-type": "application/yaml"},
    )
    assert answer.status_code == 400, answer.text[:300]
