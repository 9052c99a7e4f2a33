"""The operations endpoints and the logs: /healthz, /readyz and /metrics as an orchestrator
and Prometheus see them, and JSON log lines a collector can read without leaking chats."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any

import aiohttp
import pytest
from aiogram.exceptions import TelegramNetworkError
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console import ConsoleChat
from adapters.telegram.bot import make_bot
from bot.config import Settings
from bot.ops import Health, JsonFormatter, Ops, ops_app, secrets_of
from bot.wiring import App, running_app
from core.app.coach import Coach
from core.intake.model import NewUpdate
from core.kernel.clock import FrozenClock
from core.kernel.errors import RetryLater, StorageError, Unreachable
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_engine
from core.storage.inbox import SqlInbox
from scheduler.sender import Sender
from tests.conftest import coach_env, coach_process
from tests.fakes.telegram import FakeTelegram

FROZEN = "2026-11-16T09:00:30+00:00"  # Monday, just after the default 09:00 nudge
TOKEN = "123456:OPS-test-token-secret"
ADA = 1001

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def settings_for(tmp_path: Path, **variables: Any) -> Settings:
    return Settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}", **variables)


@pytest.fixture
async def app(
    clean_settings_env: pytest.MonkeyPatch, engine: AsyncEngine, database_url: str
) -> AsyncIterator[App]:
    """The coach as `coach run` wires it, on each backend, emptied by `engine`."""
    settings = Settings(DATABASE_URL=database_url, COACH_FROZEN_TIME=FROZEN)
    async with running_app(settings) as app:
        yield app


@pytest.fixture
async def client(app: App) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(ops_app(app.ops))) as client:
        yield client


async def scrape(client: TestClient[Any, Any]) -> Samples:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return samples(await response.text())


# ---- health and readiness ----


async def test_a_running_coach_on_a_migrated_database_is_alive_and_ready(
    client: TestClient[Any, Any],
) -> None:
    alive = await client.get("/healthz")
    assert (alive.status, await alive.json()) == (200, {"alive": True})
    ready = await client.get("/readyz")
    assert (ready.status, await ready.json()) == (200, {"ready": True, "not_ready": {}})


async def test_an_unmigrated_database_is_not_ready(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        ops = Ops(Health(engine, []), None)
        async with TestClient(TestServer(ops_app(ops))) as client:
            assert (await client.get("/healthz")).status == 200  # alive all the same
            ready = await client.get("/readyz")
            body = await ready.json()
            assert ready.status == 503
            assert body["ready"] is False
            assert set(body["not_ready"]) == {"schema"}
            assert "at revision None" in body["not_ready"]["schema"]
            assert (await client.get("/metrics")).status == 404  # COACH_OPS_LISTEN=off
    finally:
        await engine.dispose()


async def test_an_unreachable_database_is_named(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    engine = make_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/none")
    try:
        problems = await Health(engine, []).problems()
    finally:
        await engine.dispose()
    assert list(problems) == ["database"]
    assert problems["database"].startswith("unreachable")


async def test_each_configured_platform_must_be_connected(app: App) -> None:
    health = Health(app.engine, ["telegram", "discord"])
    assert await health.problems() == {"telegram": "not connected", "discord": "not connected"}
    socket_open = SimpleNamespace(open=True)
    discord = SimpleNamespace(is_ready=lambda: True, ws=socket_open)
    health.watch_discord(discord)  # type: ignore[arg-type]
    health.platform("telegram", lambda: True)
    assert await health.problems() == {}
    socket_open.open = False  # the gateway dropped; discord.py is reconnecting
    assert await health.problems() == {"discord": "not connected"}


async def test_telegram_is_connected_while_its_polling_reaches_it(app: App) -> None:
    health = Health(app.engine, ["telegram"])
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    bot = make_bot(TOKEN, fake.base_url)
    try:
        health.watch_telegram(bot)
        # No contact yet, as on a worker standing by while another polls: nothing failed.
        assert (await health.problems(), health.connected()) == ({}, {"telegram": False})
        await bot.delete_webhook()  # what polling starts with
        assert (await health.problems(), health.connected()) == ({}, {"telegram": True})
        await fake.stop()
        with pytest.raises(TelegramNetworkError):
            await bot.get_updates(timeout=0)
        assert await health.problems() == {"telegram": "not connected"}
        assert health.connected() == {"telegram": False}
    finally:
        await bot.session.close()
        await fake.stop()


# ---- metrics ----


class BrokenUnits:
    """A database that fails every transaction, quoting what was written, as drivers do."""

    def __call__(self, *, read_only: bool = False) -> BrokenUnits:
        return self

    async def __aenter__(self) -> Any:
        raise StorageError("INSERT INTO notes VALUES (?) [parameters: ('my private note',)]")

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None


async def test_updates_are_counted_and_timed_by_platform_and_kind(
    app: App, client: TestClient[Any, Any], tmp_path: Path
) -> None:
    roadmap = tmp_path / "mine.md"
    roadmap.write_text("# Mine\n## Week 1: Basics\n- Read\n- Write\n", encoding="utf-8")
    # /start, /today, its first ✓ button, a quiz and its answer, chatter, an import.
    script = f"/start\n/today\n1\n/quiz\n1\nhello\n/import {roadmap}\n"
    out = io.StringIO()
    who = LearnerRef("console", "ada")
    await ConsoleChat(app.coach, who, io.StringIO(script), out, interactive=False).run()
    assert "Welcome" in out.getvalue()

    found = await scrape(client)
    console = {"platform": "console"}
    for kind in ("start", "today", "done", "quiz", "quiz_answer", "unparsed", "import"):
        assert value(found, "coach_updates_received_total", kind=kind, **console) == 1, kind
        assert value(found, "coach_updates_handled_total", kind=kind, **console) == 1, kind
        assert value(found, "coach_updates_failed_total", kind=kind, **console) == 0, kind
        assert value(found, "coach_update_duration_seconds_count", kind=kind, **console) == 1
    slowest = value(
        found, "coach_update_duration_seconds_bucket", kind="start", le="+Inf", **console
    )
    assert slowest == 1

    broken = Coach(BrokenUnits(), app.coach.clock, BuiltinCatalog(), observer=app.ops.observer)
    answer = await broken.handle(LearnerRef("telegram", "7"), "/note my private note")
    assert isinstance(answer, Reply) and "nothing was changed" in answer.plain_text()
    found = await scrape(client)
    telegram = {"platform": "telegram", "kind": "note"}
    assert value(found, "coach_updates_received_total", **telegram) == 1
    assert value(found, "coach_updates_handled_total", **telegram) == 0
    assert value(found, "coach_updates_failed_total", **telegram) == 1

    pool_size = value(found, "coach_db_pool_size")
    assert pool_size == (1 if app.settings.is_sqlite else 20)  # SQLite has one writer
    assert value(found, "coach_db_pool_checked_out") == 0


class Scripted:
    """Takes a message, then refuses as told: a 429, then a blocked bot (403)."""

    platform = "test"

    def __init__(self) -> None:
        self.answers: list[Exception | None] = [None, RetryLater(60), Unreachable("blocked")]

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        answer = self.answers.pop(0)
        if answer is not None:
            raise answer


async def test_the_outbox_sends_and_ticks_are_measured(
    app: App, client: TestClient[Any, Any]
) -> None:
    await app.coach.handle(LearnerRef("test", "ada"), "/start")
    async with app.engine.begin() as connection:
        await connection.execute(
            update(m.Enrollment).values(
                next_nudge_at=app.settings.frozen_time, next_evening_at=None
            )
        )
    async with app.scheduler({}):  # ticks once at start; nothing to send with
        for _ in range(100):
            found = await scrape(client)
            if value(found, "coach_scheduler_tick_duration_seconds_count"):
                break
            await asyncio.sleep(0.02)
    assert value(found, "coach_scheduler_tick_duration_seconds_count") == 1
    assert value(found, "coach_outbox_pending") == 2  # Monday: the plan and a quiz question
    assert value(found, "coach_outbox_oldest_pending_age_seconds") == 0  # ready just now
    clock = app.coach.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(seconds=45))  # and no sender came
    found = await scrape(client)
    assert value(found, "coach_outbox_oldest_pending_age_seconds") == 45

    messenger = Scripted()
    sender = Sender(app.outreach, {"test": messenger}, worker="ops", observer=app.ops.observer)
    assert await sender.drain_once() == 2
    found = await scrape(client)
    assert value(found, "coach_outbox_sends_total", platform="test", outcome="sent") == 1
    assert value(found, "coach_outbox_sends_total", platform="test", outcome="429") == 1
    assert value(found, "coach_outbox_pending") == 1  # held for the 429's wait
    assert value(found, "coach_outbox_oldest_pending_age_seconds") == 0  # not ready yet
    clock.advance(timedelta(seconds=60))
    assert await sender.drain_once() == 1
    found = await scrape(client)
    assert value(found, "coach_outbox_sends_total", platform="test", outcome="403") == 1
    assert value(found, "coach_outbox_pending") == 0


async def test_updates_waiting_in_the_inbox_are_measured(
    app: App, client: TestClient[Any, Any]
) -> None:
    found = await scrape(client)
    assert value(found, "coach_inbox_pending") == 0
    inbox = SqlInbox(app.engine)
    received = datetime.now(UTC) - timedelta(seconds=30)
    recorded = await inbox.record(
        [NewUpdate("telegram", f"tg:1:{n}", "1001", "{}") for n in (1, 2)],
        worker="w",
        now=received,
        lease_until=received,
    )
    found = await scrape(client)
    assert value(found, "coach_inbox_pending") == 2
    assert 30 <= value(found, "coach_inbox_oldest_age_seconds") < 120
    await inbox.done([u.id for u in recorded])
    assert value(await scrape(client), "coach_inbox_pending") == 0


# ---- logs ----


async def test_json_logs_name_the_update_but_never_what_was_written(
    tmp_path: Path, clock: FrozenClock
) -> None:
    settings = settings_for(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(secrets_of(settings)))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        broken = Coach(BrokenUnits(), clock, BuiltinCatalog())
        await broken.handle(
            LearnerRef("telegram", "7"), "/note my private note", update_key="tg:123456:42"
        )
        logging.getLogger("bot.test").warning("calling Telegram with %s", TOKEN)
    finally:
        root.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]  # each line one object
    failure = next(entry for entry in entries if entry["logger"] == "core.app.updates")
    assert failure["level"] == "ERROR"
    assert failure["message"] == "storage failed during /note"
    assert failure["update"] == "tg:123456:42"
    assert failure["error"] == "StorageError"
    assert failure["trace"]  # where it failed, frame by frame
    said = entries[-1]
    assert said["message"] == "calling Telegram with [redacted]"
    assert "update" not in said  # no update was being handled by then
    assert "private note" not in stream.getvalue()
    assert TOKEN not in stream.getvalue()


# ---- `coach run` ----


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    try:
        async with session.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientConnectionError:
        return 0, ""


async def until(check: Any, timeout: float) -> Any:  # noqa: ASYNC109 - a polling deadline
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


def test_coach_run_serves_the_operations_endpoints(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    async def scenario() -> None:
        async with FakeTelegram(token=TOKEN) as fake, aiohttp.ClientSession() as session:
            fake.add_user(ADA, "Ada")
            env = coach_env()
            env.update(
                DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}",
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE=fake.base_url,
                COACH_FROZEN_TIME=FROZEN,
                COACH_OPS_LISTEN=f"127.0.0.1:{port}",
                COACH_LOG_FORMAT="json",
                LOG_LEVEL="INFO",
            )
            process = await coach_process(env, tmp_path)
            try:

                async def alive() -> bool:
                    return (await get(session, f"{base}/healthz"))[0] == 200

                async def ready() -> bool:
                    return (await get(session, f"{base}/readyz"))[0] == 200

                assert await until(alive, 30), "no /healthz"
                assert await until(ready, 30), await get(session, f"{base}/readyz")
                fake.send_text(ADA, "/start")
                await fake.wait_for(lambda t: "Welcome" in t.last(ADA)["text"], timeout=15)

                async def counted() -> float | None:
                    found = samples((await get(session, f"{base}/metrics"))[1])
                    return value(
                        found, "coach_updates_handled_total", platform="telegram", kind="start"
                    )

                assert await until(counted, 10) == 1
                found = samples((await get(session, f"{base}/metrics"))[1])
                assert value(found, "coach_platform_connected", platform="telegram") == 1
            finally:
                process.terminate()
                _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            assert process.returncode == 0, stderr.decode()
            logged = [
                json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")
            ]
            assert any(entry["logger"] == "bot.ops" for entry in logged)
            assert all({"time", "level", "logger", "message"} <= set(entry) for entry in logged)
            assert TOKEN.encode() not in stderr

    asyncio.run(scenario())
