"""Every file the coach reads at run time that is not Python goes into the installed
package: `pip install .` (the Docker image) would otherwise speak English only, or serve
a web view without its pages."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ_AT_RUN_TIME = [
    ROOT / "core" / "data",
    ROOT / "core" / "locale",
    ROOT / "adapters" / "web" / "templates",
    ROOT / "adapters" / "web" / "static",
]


def test_every_data_file_is_in_the_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    package_data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    left_out = []
    for folder in READ_AT_RUN_TIME:
        for path in folder.rglob("*"):
            if not path.is_file() or path.suffix in (".py", ".pot"):
                continue
            package, _, inside = path.relative_to(ROOT).as_posix().partition("/")
            if not any(fnmatch(inside, pattern) for pattern in package_data.get(package, [])):
                left_out.append(path.relative_to(ROOT).as_posix())
    assert not left_out, left_out
