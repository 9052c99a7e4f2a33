"""DATABASE_URL the coach cannot work with is refused at start in one line: an in-memory
SQLite database, and a database that can be read but not written.

A read-only database is made in the ways this machine allows, each exercising the write
check at start: a file mounted read-only in a mount namespace (root, or an unprivileged
user namespace), a file its user may not write (not as root: root writes it anyway), an
SQLite file opened read-only (everywhere: SQLite is then where a read-only mount leaves
it), a PostgreSQL role granted only SELECT, and a PostgreSQL database whose transactions
are read-only by default (as on a standby)."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import cli
from core.storage import models as m
from core.storage.engine import check_writable, make_engine
from core.storage.urls import sqlite_file
from tests.conftest import ADMIN_URL, PostgresServer, coach_env

IN_MEMORY = [
    "sqlite+aiosqlite:///",
    "sqlite+aiosqlite://",
    "sqlite+aiosqlite:///:memory:",
    "sqlite+aiosqlite:///file:coach?mode=memory&cache=shared&uri=true",
    "sqlite+aiosqlite:///file::memory:?uri=true",
]


def coach(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *args: str
) -> tuple[int, str, str]:
    """`coach ARGS` in this process, a learner typing /start and /done; the exit code,
    stdout and stderr."""
    env.setenv("DATABASE_URL", url)
    env.setattr(sys, "stdin", io.StringIO("/start\n/done\n"))
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def env(clean_settings_env: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No setting or .env file of the machine's leaks in."""
    clean_settings_env.chdir(tmp_path)
    return clean_settings_env


def migrated_sqlite(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    code, _, err = coach(env, capsys, f"sqlite+aiosqlite:///{path}", "migrate")
    assert code == 0, err


# -- in memory ------------------------------------------------------------------------


@pytest.mark.parametrize("url", IN_MEMORY)
@pytest.mark.parametrize("command", ["chat", "run", "migrate"])
def test_an_in_memory_database_is_refused_in_one_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, command: str
) -> None:
    code, out, err = coach(env, capsys, url, command)
    assert code == 2
    line = one_line(err)
    assert line.startswith("configuration error: DATABASE_URL")
    assert "in memory" in line
    assert "Welcome" not in out


@pytest.mark.parametrize("url", IN_MEMORY)
def test_no_engine_is_made_for_an_in_memory_database(url: str) -> None:
    assert sqlite_file(url) is None
    with pytest.raises(ValueError, match="in memory"):
        make_engine(url)


def test_an_sqlite_uri_filename_names_its_file(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    assert sqlite_file(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true") == path
    assert sqlite_file(f"sqlite+aiosqlite:///{path}") == path


# -- the write check ------------------------------------------------------------------


async def test_a_writable_database_passes_and_keeps_nothing_of_the_check(
    engine: AsyncEngine,
) -> None:
    await check_writable(engine)
    async with engine.connect() as connection:
        claims = await connection.scalar(select(func.count()).select_from(m.ProcessedUpdate))
    assert claims == 0


# -- read-only SQLite -----------------------------------------------------------------


def refused_writes(code: int, out: str, err: str) -> None:
    assert code == 1
    line = one_line(err)
    assert line.startswith("coach: cannot write to the database")
    assert "Traceback" not in err
    assert "Welcome" not in out and "Sorry" not in out


def test_an_sqlite_file_opened_read_only_is_refused(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "coach.db"
    migrated_sqlite(env, capsys, path)
    read_only = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    refused_writes(*coach(env, capsys, read_only, "chat"))


def read_only_mount(path: Path) -> list[str] | None:
    """A command prefix that runs a program with `path` bind-mounted read-only in a mount
    namespace of its own (so nothing outlives it), or None where this machine allows none."""
    if shutil.which("unshare") is None:
        return None
    mount = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    for unshare in (["unshare", "--mount"], ["unshare", "--user", "--map-root-user", "--mount"]):
        prefix = [*unshare, "sh", "-c", mount, str(path)]
        # `test -w` asks the kernel, which says no on a read-only mount even to root.
        trial = subprocess.run(
            [*prefix, "sh", "-c", '! test -w "$0"', str(path)], capture_output=True, check=False
        )
        if trial.returncode == 0:
            return prefix
    return None


def test_an_sqlite_file_mounted_read_only_is_refused(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "coach.db"
    migrated_sqlite(env, capsys, path)
    prefix = read_only_mount(path)
    if prefix is None:
        pytest.skip("this machine allows no mount namespace (needs root or user namespaces)")
    variables = coach_env()
    variables["DATABASE_URL"] = f"sqlite+aiosqlite:///{path}"
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "bot.cli", "chat"],
        input="/start\n/done\n",
        capture_output=True,
        text=True,
        env=variables,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    refused_writes(result.returncode, result.stdout, result.stderr)


# -- read-only PostgreSQL -------------------------------------------------------------


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _sql(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_dsn(url), timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def read_only_postgres(
    request: pytest.FixtureRequest,
    postgres: PostgresServer,
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[str]:
    """A migrated database, and a URL that may only read it (`request.param` says how)."""
    url = postgres.new_database()
    code, _, err = coach(env, capsys, url, "migrate")
    assert code == 0, err
    database = make_url(url).database
    if request.param == "default read-only":
        asyncio.run(
            _sql(ADMIN_URL, f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
        )
        yield url
        return
    role = f"coach_reader_{uuid.uuid4().hex[:12]}"
    asyncio.run(_sql(ADMIN_URL, f'CREATE ROLE "{role}" LOGIN'))
    try:
        asyncio.run(_sql(url, f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'))
        yield make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        # Its grants live in the database; they go before the role can.
        asyncio.run(_sql(url, f'DROP OWNED BY "{role}"'))
        asyncio.run(_sql(ADMIN_URL, f'DROP ROLE "{role}"'))


@pytest.mark.postgres
@pytest.mark.parametrize(
    "read_only_postgres", ["role that may only read", "default read-only"], indirect=True
)
def test_a_postgres_database_that_refuses_writes_is_refused(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], read_only_postgres: str
) -> None:
    refused_writes(*coach(env, capsys, read_only_postgres, "chat"))
