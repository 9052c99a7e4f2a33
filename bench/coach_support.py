"""What the benches that run real `python -m bot` processes share: the processes, their
databases, and reading the fake Bot API's log."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

import core
from bench.commands import POSTGRES_ADMIN_URL
from bench.scheduler import cpu_model
from tests.fakes.telegram import SENDING_METHODS, FakeTelegram

# The tree this bench belongs to: its coach processes run this tree's code, not whatever
# `pip install -e` points the interpreter at.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH"
STARTUP = 60.0  # several interpreters importing aiogram at once on a busy machine


def coach_env(**settings: str) -> dict[str, str]:
    """The environment of a coach process, as tests/conftest.py's `coach_env` builds it (no
    real bot token may reach a fake), with this tree first on the import path."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_BOT_TOKEN")}
    path = [str(PROJECT_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return env | {"PYTHONPATH": os.pathsep.join(path)} | settings


def imported_from(env: dict[str, str], cwd: Path) -> str:
    """Where a process started like the coach imports the adapters from."""
    result = subprocess.run(
        [sys.executable, "-c", "import adapters; print(adapters.__file__)"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@dataclass
class Coach:
    """A `python -m bot` process; its log is read as it is written, so a full pipe never
    stalls it."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, env: dict[str, str], cwd: Path) -> Coach:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            env=env,
            cwd=str(cwd),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        coach = cls(process)
        coach.reader = asyncio.create_task(coach._read())
        return coach

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode(errors="replace"))

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def check_alive(self) -> None:
        if self.process.returncode is not None:
            raise RuntimeError(f"a coach process ended ({self.process.returncode}):\n{self.log}")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.reader is not None:
            await self.reader


async def wait_until(
    condition: Callable[[], bool],
    *,
    within: float,
    what: str,
    coaches: Sequence[Coach] = (),
) -> None:
    deadline = time.monotonic() + within
    while not condition():
        for coach in coaches:
            coach.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {within:.0f} s")
        await asyncio.sleep(0.05)


def sends(tg: FakeTelegram) -> Iterator[tuple[int, float]]:
    """(chat, instant) of every message the fake accepted, in the order it accepted them."""
    for record in tg.log:
        if record.status == 200 and record.method.lower() in SENDING_METHODS:
            chat = record.params.get("chat_id")
            if isinstance(chat, int):
                yield chat, record.at


# -- databases -------------------------------------------------------------------------


def _admin_dsn() -> str:
    return (
        make_url(POSTGRES_ADMIN_URL)
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(_admin_dsn())
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def create_database(template: str | None = None) -> str:
    """A new database on the tests' server, empty or a copy of `template`; its name."""
    name = f"coach_bench_{uuid.uuid4().hex[:8]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    await _admin(f'CREATE DATABASE "{name}"{copy}')
    return name


async def drop_database(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(name: str) -> str:
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def server_version() -> str:
    connection = await asyncpg.connect(_admin_dsn())
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


# -- the report ------------------------------------------------------------------------


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> str:
    return (
        f"{cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"bench code: {core.__file__}"
    )


@contextlib.contextmanager
def timed(what: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"  {what} in {time.perf_counter() - started:.1f} s", flush=True)
