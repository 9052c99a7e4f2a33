"""No module under tests/ imports a test module: what suites share lives in support modules,
so deleting or renaming one test file cannot break the collection of another."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"


def module_of(path: Path) -> str:
    """The dotted name a file under the project root is imported by."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_test_module(name: str) -> bool:
    """A module of the tests package that pytest collects: any part named test_*."""
    parts = name.split(".")
    return parts[0] == "tests" and any(part.startswith("test_") for part in parts[1:])


def imported(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """Every module `source` (the text of `module`) imports, with the line it does so on;
    `from package import name` counts as importing `package.name` as well, in case
    `name` is a module."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def offences_in(path: Path) -> list[str]:
    """Each test module the file imports, once per line (not again for each name taken)."""
    source = path.read_text(encoding="utf-8")
    is_package = path.name == "__init__.py"
    flagged = [
        (line, name)
        for line, name in imported(source, module_of(path), is_package=is_package)
        if is_test_module(name)
    ]
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in flagged
        if not any(at == line and name.startswith(f"{other}.") for at, other in flagged)
    ]


def test_no_module_under_tests_imports_a_test_module() -> None:
    files = sorted(TESTS.rglob("*.py"))
    assert len([f for f in files if f.name.startswith("test_")]) > 20  # the walk found them
    offences = [offence for path in files for offence in offences_in(path)]
    assert offences == [], (
        "Move what is shared into a support module (not named test_*) or a conftest.py:\n"
        + "\n".join(offences)
    )


def test_the_check_catches_each_way_of_importing_a_test_module() -> None:
    module = "tests.suite.test_b"  # made up, so a grep for real cross-imports finds none here
    for line in (
        "from tests.suite.test_a import ADA",
        "from tests.suite import test_a",
        "import tests.suite.test_a",
        "import tests.other.test_c as c",
        "from .test_a import ADA",
        "from . import test_a",
        "from ..other.test_c import png_size",
        "def helper():\n    from tests.suite.test_a import run",
    ):
        names = [name for _, name in imported(line, module) if is_test_module(name)]
        assert names, line
    for line in (
        "from tests.suite.support import ADA",
        "from tests.fakes.png import png_size",
        "from . import support",
        "from tests.conftest import Learner",
        "import pytest",
    ):
        names = [name for _, name in imported(line, module) if is_test_module(name)]
        assert names == [], line
