"""The answers of the explanation operations (declared for the OpenAPI description; keys beyond these may
appear: each step of the arithmetic is its own key)."""

from __future__ import annotations

from typing import Any

from revrec.http.schemas import Answer


class ContractExplanation(Answer):
    """Every current line's allocation arithmetic; amounts are exact decimal strings."""

    rc_id: int
    rc_key: str
    transaction_price: str
    lines: list[dict[str, Any]]


class LineExplanation(Answer):
    """One line's allocation arithmetic, its source line and (with ``period``) that period's revenue."""

    rc_id: int
    rc_key: str
    line_id: str
    pob: dict[str, Any]
    allocation: dict[str, Any]
    source: dict[str, Any]
    revision: dict[str, Any]
    period: dict[str, Any] | None = None
