"""Wiring of the domain packages: setup-document sections and per-client seeders.

Called by ``create_app`` and ``cli.main`` (never at import), idempotently.
"""

from __future__ import annotations

from revrec.setup import service as setup_service


def install() -> None:
    setup_service.register_core_sections()
