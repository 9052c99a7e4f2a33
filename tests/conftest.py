"""Shared fixtures: a real database on each backend, a frozen clock, a coach to talk to.

PostgreSQL tests run against the server named by COACH_TEST_POSTGRES_URL (default: the
local trust-auth server). Without one they skip, unless COACH_REQUIRE_POSTGRES=1 (set by
CI), where an unreachable server fails the run instead of hiding a hole.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings
from pydantic import AliasChoices
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

import adapters.telegram  # noqa: F401  (aiogram imported as the coach imports it)
from bot.config import Settings
from core.app.coach import Coach
from core.kernel import i18n
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Outcome, Reply
from core.learning.tracks import BuiltinCatalog
from core.progress.charts import ChartRenderer
from core.storage.engine import make_engine, make_sessions
from core.storage.migrate import upgrade
from core.storage.models import Base
from core.storage.unit_of_work import SqlUnitOfWorkFactory

# CI runs the property tests on a fixed sequence of examples, so a run is repeatable;
# elsewhere each run explores new ones.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ADMIN_URL = os.environ.get(
    "COACH_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("COACH_REQUIRE_POSTGRES") == "1"
MONDAY_MORNING = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(_dsn(ADMIN_URL), timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class PostgresServer:
    """Creates throwaway databases on the test server."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def new_database(self) -> str:
        name = f"coach_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.created:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        message = f"PostgreSQL not reachable at {make_url(ADMIN_URL).render_as_string()}: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (COACH_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(message)
    server = PostgresServer()
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres: PostgresServer) -> str:
    url = postgres.new_database()

    async def migrate() -> None:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'coach.db'}"
    return str(request.getfixturevalue("migrated_postgres_url"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "sqlite":
        await upgrade(engine)
    else:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def two_engines(migrated_postgres_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two workers' engines on one emptied PostgreSQL database: separate pools, so their
    transactions race as two `coach run` processes' do."""
    first, second = make_engine(migrated_postgres_url), make_engine(migrated_postgres_url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with first.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield first, second
    await first.dispose()
    await second.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_MORNING)


@pytest.fixture
def coach(engine: AsyncEngine, clock: FrozenClock) -> Coach:
    return Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())


@pytest.fixture
def charting_coach(engine: AsyncEngine, clock: FrozenClock) -> Iterator[Coach]:
    """A coach that draws charts, in its own worker processes, as `coach run` has."""
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    renderer = ChartRenderer()
    yield Coach(units, clock, BuiltinCatalog(), charts=renderer)
    renderer.close()


class Learner:
    """Talks to the coach as one person would, and reads the answers as text."""

    def __init__(self, coach: Coach, external_id: str = "ada", platform: str = "test") -> None:
        self.coach = coach
        self.ref = LearnerRef(platform, external_id, external_id.title())
        self.last: Reply | None = None

    def _answer(self, what: str, outcome: Outcome) -> str:
        assert isinstance(outcome, Reply), f"{what!r} was answered {outcome!r}, not a reply"
        self.last = outcome
        return outcome.plain_text()

    async def say(self, text: str) -> str:
        return self._answer(text, await self.coach.handle(self.ref, text))

    async def press(self, action: str) -> str:
        return self._answer(action, await self.coach.press(self.ref, action))


@pytest.fixture
def ada(coach: Coach) -> Learner:
    return Learner(coach)


def free_port() -> int:
    """A port on this machine nobody listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def coach_env(**settings: str) -> dict[str, str]:
    """The environment a `coach` process runs in for a test: this one without any bot
    token (a developer's own must never reach a fake), without the operations and web ports,
    plus `settings`; pseudo-localized when the test is."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_BOT_TOKEN")}
    # No fixed port: tests run side by side, and a test of the endpoints names its own.
    env["COACH_OPS_LISTEN"] = env["COACH_WEB_LISTEN"] = "off"
    if i18n.marking():
        env[i18n.PSEUDO_LOCALE_SETTING] = "1"
    return env | settings


async def coach_process(
    env: dict[str, str], cwd: Path, *, stdout: int = subprocess.PIPE
) -> asyncio.subprocess.Process:
    """`python -m bot`, as an operator starts it, in a folder of its own."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=str(cwd), stdout=stdout, stderr=subprocess.PIPE
    )


_skipped_postgres: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "postgres" in report.keywords:
        _skipped_postgres.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI a skipped PostgreSQL test is a hole, not a pass.
    if REQUIRE_POSTGRES and _skipped_postgres:
        print(
            f"\n{len(_skipped_postgres)} PostgreSQL tests were skipped with COACH_REQUIRE_POSTGRES=1:"
        )
        for nodeid in _skipped_postgres[:10]:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def setting_names() -> set[str]:
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices), f"Settings.{name} has no AliasChoices alias"
        for choice in alias.choices:
            assert isinstance(choice, str), f"Settings.{name} has a non-string alias {choice!r}"
            names.add(choice)
    return names


@pytest.fixture
def clean_settings_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting leaks in from the environment the tests happen to run in."""
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch
