"""The engine imports nothing but the standard library (CONVENTIONS.md: the pure core stays pure)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "src" / "revrec" / "engine"


def _foreign_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 0:
                continue
            names = [node.module or ""]
        else:
            continue
        for name in names:
            if name.startswith("revrec.engine"):
                continue
            if name.split(".")[0] not in sys.stdlib_module_names:
                found.append(f"{path.name}:{node.lineno} imports {name}")
    return found


def test_engine_modules_exist() -> None:
    assert len(list(ENGINE.glob("*.py"))) > 10


def test_engine_imports_only_the_standard_library() -> None:
    problems = [problem for path in sorted(ENGINE.rglob("*.py")) for problem in _foreign_imports(path)]
    assert problems == []


def test_no_float_in_engine() -> None:
    for path in sorted(ENGINE.rglob("*.py")):
        text = path.read_text()
        for needle in ("float(", ": float", "-> float"):
            assert needle not in text, f"{path.name} contains {needle!r}"


def test_purity_check_catches_a_foreign_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom sqlalchemy import select\nfrom . import money\n")
    assert _foreign_imports(bad) == ["bad.py:2 imports sqlalchemy"]
