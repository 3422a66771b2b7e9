"""Property-based fuzzing of the whole API from revrec's own OpenAPI description (schemathesis).

Every operation of ``/openapi.json`` is driven with generated requests — ones that fit the description
(positive) and ones that break it: wrong types, values out of bounds, missing parameters (negative) — each
carrying a valid token of a fresh client that holds every privilege, so they reach the handlers. A request
fails the test when it is answered 5xx or with a status code the description does not declare for that
operation. The budget is bounded (a few examples per operation and mode, no shrinking), so the whole run
stays well under a minute and a half on two cores.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from revrec.auth.privileges import ADMIN_ROLE, API_ROLE
from support import admin_only, login, make_tenant

EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 12}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def tokens(app: FastAPI, engine: Engine) -> dict[str, str]:
    """A valid token of one fresh client: the API role's, and the administrator's for /api/admin."""
    tenant = make_tenant(engine)
    with TestClient(app) as http:
        return {
            "api": login(http, tenant, role=API_ROLE)["token"],
            "admin": login(http, tenant, role=ADMIN_ROLE)["token"],
        }


def exercise(operation: Any, mode: GenerationMode, token: str, seen: Counter[int]) -> str | None:
    """Drive one operation in one mode; the failure in words, or None."""

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(mode))
    def run(case: Any) -> None:
        response = case.call_and_validate(headers={"token": token}, checks=CHECKS)
        seen[response.status_code] += 1

    try:
        run()
    except Unsatisfiable:  # nothing breaks the description of an operation without parameters
        return None
    except Exception as exc:  # noqa: BLE001 - every failure is reported, with the operation it came from
        return f"{operation.label} ({mode}): {exc}"
    return None


def test_no_server_error_and_only_declared_status_codes(app: FastAPI, engine: Engine) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    token = tokens(app, engine)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30, [op.label for op in operations]
    seen: Counter[int] = Counter()
    failures = []
    for operation in operations:
        role = "admin" if admin_only(operation.path) else "api"
        for mode in EXAMPLES:
            failure = exercise(operation, mode, token[role], seen)
            if failure:
                failures.append(failure)
    assert not failures, "\n\n".join(failures)
    print(sorted(seen.items()))
    assert seen[200] + seen[204] >= len(operations), seen  # the token opened the doors: handlers answered
