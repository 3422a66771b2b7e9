"""Admin endpoints for the setup document (privilege ``Administration``)."""

from __future__ import annotations

import json
from typing import Any

import yaml
from fastapi import APIRouter, Depends, Query, Request

from revrec.auth.privileges import ADMINISTRATION
from revrec.auth.service import Principal
from revrec.db.session import transaction
from revrec.errors import InvalidInput
from revrec.http.deps import AppContext, context, requires
from revrec.http.openapi import answers, raw_body
from revrec.setup import service
from revrec.setup.schemas import SetupApplied

router = APIRouter(tags=["Administration"])


DOCUMENT = {"type": "object", "description": "The setup document (docs/setup.md)"}


@router.get(
    "/api/admin/v1/setup",
    operation_id="GET_Setup",
    summary="Export the caller's client setup",
    response_model=None,
    responses={
        **answers(None),
        200: {"description": "The setup document", "content": {"application/json": {"schema": DOCUMENT}}},
    },
)
def export_setup(
    caller: Principal = Depends(requires(ADMINISTRATION)), ctx: AppContext = Depends(context)
) -> dict[str, Any]:
    with transaction(ctx.engine, readonly=True) as conn:
        return service.export_setup(conn, client_name=caller.client_name)


def parse_document(raw: bytes, content_type: str) -> Any:
    """JSON, or YAML when the content type says so."""
    try:
        if "yaml" in content_type:
            return yaml.safe_load(raw.decode("utf-8"))
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise InvalidInput("the setup document is nested too deeply") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"the setup document is not valid {'YAML' if 'yaml' in content_type else 'JSON'}: {exc}"
        ) from None


@router.put(
    "/api/admin/v1/setup",
    operation_id="PUT_Setup",
    summary="Apply a setup document",
    response_model=None,
    responses=answers(SetupApplied, 413),
    openapi_extra=raw_body({"application/json": DOCUMENT, "application/yaml": {"type": "string"}}),
)
async def apply_setup(
    request: Request,
    dry_run: bool = Query(False, description="report what would change without changing it"),
    caller: Principal = Depends(requires(ADMINISTRATION)),
    ctx: AppContext = Depends(context),
) -> dict[str, Any]:
    document = parse_document(await request.body(), request.headers.get("content-type", ""))
    with transaction(ctx.engine) as conn:
        changes = service.apply_setup(conn, client_name=caller.client_name, document=document)
        if dry_run:
            conn.rollback()
    return {"status": "Success", "dry_run": dry_run, "changes": changes}
