"""Response models shared by every package: the error body and the base of the documented answers.

The models describe the JSON bodies for the OpenAPI description; handlers build the bodies themselves, so
a model never reshapes an answer (Zuora fidelity): it only says what is in it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    """A documented JSON body; keys beyond the declared ones may appear."""

    model_config = ConfigDict(extra="allow")


class ErrorBody(Answer):
    """``{"status": "Error", "message": "<what went wrong and what to do>"}``."""

    status: str
    message: str


class Health(Answer):
    status: str
    database: str
    version: str | None = None


class Status(Answer):
    """``{"status": "Success"}``."""

    status: str


Json = dict[str, Any]
