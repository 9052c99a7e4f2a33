"""`coach --help` and `coach import --dry-run` start without the coach's heavy libraries.

Each command runs in a fresh interpreter under `python -X importtime`, which names every
module the process imports; a heavy one among them means an eager import has crept back
into bot/cli.py, bot/config.py, core/storage/urls.py or what they import at their top.
Nothing here is timed (bench/startup.py does that): which modules load is the same on a
busy machine as on an idle one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import setting_names

# The platforms, the ORM, the scheduler, the charts and the database drivers.
HEAVY = (
    "aiogram",
    "discord",
    "sqlalchemy.orm",
    "matplotlib",
    "apscheduler",
    "asyncpg",
    "aiosqlite",
)
# Help and a mistyped command line need argparse: no settings, no core, no event loop.
NOT_FOR_HELP = (
    *HEAVY,
    "sqlalchemy",
    "alembic",
    "aiohttp",
    "pydantic",
    "pydantic_settings",
    "asyncio",
    "core",
    "adapters",
    "scheduler",
    "bot.config",
    "bot.ops",
    "bot.wiring",
)
# A dry run checks the settings and reads a roadmap: no SQL, even with DATABASE_URL set,
# and no web server.
NOT_FOR_DRY_RUN = (
    *HEAVY,
    "sqlalchemy",
    "alembic",
    "aiohttp",
    "prometheus_client",
    "core.storage",
    "bot.ops",
    "bot.wiring",
)
# Where DATABASE_URL is checked, without SQLAlchemy.
URL_CHECK = {"core.storage", "core.storage.urls"}
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
# What the installed `coach` script runs.
COACH = ("-c", "import sys; from bot.cli import main; sys.exit(main())")
ROADMAP = """# Python in two weeks

## Week 1: Basics

- Read about variables and types
- Write a script that greets you

## Week 2: Functions

- Read about functions
- Refactor the script into functions
"""


def coach(
    folder: Path, *args: str, **settings: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`python -X importtime ARGS` in `folder` (no .env) with no coach setting but
    `settings`: the finished process and every module it imported."""
    names = {name.upper() for name in setting_names()}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names} | settings
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Lines read `import time: <self us> | <cumulative us> | <indented module name>`.
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    return done, modules


def among(modules: set[str], forbidden: tuple[str, ...]) -> list[str]:
    """The forbidden packages imported, by their top module or any of their submodules."""
    return sorted(
        name
        for name in forbidden
        if any(module == name or module.startswith(f"{name}.") for module in modules)
    )


def roadmap(folder: Path) -> Path:
    path = folder / "roadmap.md"
    path.write_text(ROADMAP, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        ((*COACH, "--help"), 0, "usage: coach [-h] [--version] COMMAND"),
        ((*COACH, "--version"), 0, "coach 0."),
        ((*COACH, "import", "--help"), 0, "usage: coach import"),
        (("-m", "bot", "--help"), 0, "usage: coach run"),  # python -m bot is coach run
        ((*COACH, "nonsense"), 2, "invalid choice: 'nonsense'"),
        ((*COACH, "import"), 2, "the following arguments are required: FILE.md|URL"),
    ],
)
def test_help_and_argument_errors_import_little_beyond_argparse(
    tmp_path: Path, args: tuple[str, ...], code: int, said: str
) -> None:
    done, modules = coach(tmp_path, *args)
    assert done.returncode == code, done.stderr[-2000:]
    assert said in done.stdout + done.stderr
    assert {"bot.cli", "argparse"} <= modules  # the trace is read
    assert among(modules, NOT_FOR_HELP) == [], "imported for nothing: see bot/cli.py's docstring"


@pytest.mark.parametrize(
    ("settings", "env_file"),
    [
        ({}, ""),
        ({"DATABASE_URL": "sqlite+aiosqlite:///coach.db"}, ""),
        ({"DATABASE_URL": POSTGRES}, ""),
        ({"DATABASE_URL": POSTGRES, "TELEGRAM_WEBHOOK_URL": "https://coach.example.org/hook"}, ""),
        ({}, f"DATABASE_URL={POSTGRES}\nTELEGRAM_BOT_TOKEN=123:abc\n"),
    ],
    ids=["defaults", "sqlite", "postgresql", "webhook", "dotenv"],
)
def test_a_dry_run_imports_the_importer_and_no_database_or_platform(
    tmp_path: Path, settings: dict[str, str], env_file: str
) -> None:
    """DATABASE_URL is checked with the settings, without SQLAlchemy."""
    if env_file:
        (tmp_path / ".env").write_text(env_file, encoding="utf-8")
    done, modules = coach(
        tmp_path, *COACH, "import", "--dry-run", str(roadmap(tmp_path)), **settings
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("Python in two weeks: 2 weeks, 4 items")
    assert done.stdout.endswith("Dry run: nothing was saved.\n")
    assert {"core.importing.markdown", "bot.config", "core.storage.urls"} <= modules
    found = among(modules - URL_CHECK, NOT_FOR_DRY_RUN)
    assert found == [], "imported for nothing: see bot/cli.py's docstring"


def test_a_dry_run_at_debug_still_logs_through_the_coachs_handler(tmp_path: Path) -> None:
    """LOG_LEVEL below WARNING is the one setting a dry run shows: markdown-it's trace,
    formatted as LOG_FORMAT says."""
    file = str(roadmap(tmp_path))
    done, _ = coach(tmp_path, *COACH, "import", "--dry-run", file, LOG_LEVEL="debug")
    assert done.returncode == 0, done.stderr[-2000:]
    assert " DEBUG markdown_it." in done.stderr
    done, _ = coach(
        tmp_path,
        *(*COACH, "import", "--dry-run", file),
        LOG_LEVEL="DEBUG",
        COACH_LOG_FORMAT="json",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"logger": "markdown_it.' in done.stderr


@pytest.mark.parametrize("in_env_file", [False, True])
@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("LOG_LEVEL", "loud", "LOG_LEVEL: use DEBUG, INFO"),
        ("DATABASE_URL", "mysql://coach@db/coach", "DATABASE_URL: unknown database driver"),
        ("DATABASE_URL", "sqlite+aiosqlite://", "DATABASE_URL: SQLite without a file"),
        ("DATABASE_URL", "postgresql+asyncpg://db:port/coach", "DATABASE_URL: invalid literal"),
        ("COACH_TICK_SECONDS", "soon", "COACH_TICK_SECONDS: Input should be a valid number"),
    ],
)
def test_a_dry_run_still_stops_at_a_bad_setting(
    clean_settings_env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    problem: str,
    in_env_file: bool,
) -> None:
    clean_settings_env.chdir(tmp_path)
    if in_env_file:
        (tmp_path / ".env").write_text(f"{name}={value}\n", encoding="utf-8")
    else:
        clean_settings_env.setenv(name, value)
    assert main(["import", "--dry-run", str(roadmap(tmp_path))]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"configuration error: {problem}")


def test_the_default_database_url_passes_the_check(
    clean_settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.config import Settings, load_settings

    clean_settings_env.chdir(tmp_path)
    default = Settings.model_fields["database_url"].default
    clean_settings_env.setenv("DATABASE_URL", default)
    assert load_settings().database_url == default


def test_a_running_coach_loads_the_markdown_reader_with_its_first_roadmap(
    tmp_path: Path,
) -> None:
    """What `coach run` imports to serve both platforms and the scheduler holds no
    Markdown reader: it costs memory in every process, and most never read a roadmap."""
    serving = (
        "bot.cli, bot.wiring, bot.ops, adapters.telegram.bot, adapters.discord.bot, "
        "scheduler.service"
    )
    done, modules = coach(tmp_path, "-c", f"import {serving}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert {"bot.wiring", "core.app.coach", "core.importing.roadmaps"} <= modules
    assert among(modules, ("markdown_it", "ftfy", "core.importing.markdown")) == []
