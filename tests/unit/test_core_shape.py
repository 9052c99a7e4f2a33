"""The core stays in pieces a reader can hold: no class over 300 lines, no function over 60."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
MAX_CLASS_LINES = 300
MAX_FUNCTION_LINES = 60


def _definitions() -> list[tuple[str, str, int, int]]:
    found = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                found.append(
                    (f"{path.relative_to(CORE.parent)}:{node.lineno}", node.name, lines, limit)
                )
    return found


def test_no_class_or_function_outgrows_its_limit() -> None:
    definitions = _definitions()
    assert len(definitions) > 300, "the core was not found"
    too_long = [
        f"{where} {name}: {lines} lines (limit {limit})"
        for where, name, lines, limit in definitions
        if lines > limit
    ]
    assert too_long == [], "split these:\n" + "\n".join(too_long)
