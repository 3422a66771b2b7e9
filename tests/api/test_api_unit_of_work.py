"""Every write commits before its response is sent: routes take ``unit_of_work`` with scope "function"."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from revrec.http.deps import unit_of_work


def _uses(dependant: Dependant) -> list[Dependant]:
    found = [d for d in dependant.dependencies if d.call is unit_of_work]
    for sub in dependant.dependencies:
        found += _uses(sub)
    return found


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also those of included routers (kept as their original router's routes)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _api_routes(list(route.original_router.routes))
    return found


def test_every_unit_of_work_ends_before_the_response(app: FastAPI) -> None:
    writes = [(route.path, d) for route in _api_routes(list(app.routes)) for d in _uses(route.dependant)]
    assert len(writes) >= 5  # submit program, collection, transfer status, holds, approvals, console
    late = [path for path, d in writes if d.scope != "function"]
    assert late == [], f"these routes would commit after sending their answer: {late}"
