"""The code table is the single source of wording, and the inbound modules keep to exact numbers."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from revrec.inbound.codes import MESSAGES, message

INBOUND = Path(__file__).resolve().parents[3] / "src" / "revrec" / "inbound"
# The pure modules of the Inbound capability (service/routes/repository wire them to HTTP and the database).
PURE = (
    "codes",
    "problems",
    "cells",
    "templates_std",
    "prestage",
    "line_rules",
    "event_rules",
    "bundle_rules",
)
SOURCES = [INBOUND / f"{name}.py" for name in PURE]
CODE = re.compile(r'"((?:RPRO|RREV)-\d{5})"')


def test_sources_found() -> None:
    assert all(p.is_file() for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_pure_modules_import_no_database_or_http(path: Path) -> None:
    imports = re.findall(r"^(?:from|import) ([\w.]+)", path.read_text(), flags=re.MULTILINE)
    assert not [m for m in imports if m.split(".")[0] in {"sqlalchemy", "fastapi", "starlette", "pydantic"}]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_code_used_has_a_message(path: Path) -> None:
    assert set(CODE.findall(path.read_text())) <= set(MESSAGES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_float_in_inbound(path: Path) -> None:
    assert not re.search(r"float\(|: float|-> float", path.read_text())


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("RPRO-00001", 'The transaction line is not processed as the "Tran Type" value is not valid'),
        (
            "RPRO-00002",
            "The transaction line is not processed due to invalid CV Eligible Flag value"
            " (valid: Y, N, blank)",
        ),
        (
            "RPRO-00013",
            "The transaction line is not processed as the revenue end date is before the revenue start date",
        ),
        ("RPRO-00030", "The RORD line is not processed due to missing Orig SO Line ID"),
        (
            "RPRO-00047",
            "The credit memo line is not processed due to invalid credit rule on standalone CM"
            " (must be blank)",
        ),
        (
            "RPRO-00600",
            "The transaction line is not processed as the SO Line ID on the transaction does not match"
            " with any SO in the system",
        ),
        ("RPRO-00603", "The upload file is not processed due to special characters “=”, “+”, “@”"),
    ],
)
def test_zuora_messages_are_verbatim(code: str, text: str) -> None:
    assert MESSAGES[code] == text


def test_placeholders_are_filled() -> None:
    for code, text in MESSAGES.items():
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name]
        filled = message(code, **dict.fromkeys(names, "X"))
        assert "{" not in filled, code
