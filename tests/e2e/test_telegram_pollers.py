"""Workers long-polling one Telegram bot from one PostgreSQL database: one of them is elected
to poll and the others stand by, so Telegram never sees two consumers and no update is
answered twice; when the poller dies, or loses the connection holding its lead, another
worker takes over within seconds."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram.bot import TelegramAdapter, make_bot
from bot.leadership import Election, lock_key
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_engine, make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import MONDAY_MORNING, coach_env, coach_process
from tests.e2e.telegram_support import TOKEN, Worker
from tests.fakes.telegram import CallRecord, FakeTelegram

USERS = range(3001, 3013)
# /help is read-only, so no claim keeps it from being answered twice: a second consumer
# fetching the same updates would show at once.
HELP = "What I understand"
HELPS_EACH = 3  # within a private chat's budget of four quick answers, so none waits
STARTUP = 30.0  # two interpreters starting at once on a busy machine
TAKEOVER = 6.0  # a standby tries the lock every second, then getMe, the menus, getUpdates
# The polling lease's words: the outbox sender's lease is won or lost in the same log.
POLLING_LEASE = f"telegram-polling:{TOKEN.partition(':')[0]}:"
ELECTED = f"{POLLING_LEASE} this worker is elected"
STANDING_BY = f"{POLLING_LEASE} another worker is elected; this one stands by"
ELECTION = "telegram-polling:test"


@pytest.fixture
async def postgres_url(migrated_postgres_url: str) -> str:
    """The shared migrated database, emptied."""
    engine = make_engine(migrated_postgres_url)
    tables = ", ".join(t.name for t in m.Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    return migrated_postgres_url


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        for user in USERS:
            fake.add_user(user, f"Learner {user}")
        yield fake


def helps(tg: FakeTelegram, user: int) -> int:
    return sum(HELP in (message.get("text") or "") for message in tg.sent(user))


def ask_everyone(tg: FakeTelegram, times: int = 1) -> None:
    for _ in range(times):
        for user in USERS:
            tg.send_text(user, "/help")


def all_answered(tg: FakeTelegram, each: int) -> bool:
    """Every user has their answers and Telegram was told so (the offset moved past them)."""
    return all(helps(tg, user) >= each for user in USERS) and not tg.pending_updates()


def conflicts(tg: FakeTelegram) -> list[CallRecord]:
    return [r for r in tg.log if r.method.lower() == "getupdates" and r.status == 409]


# ---- `coach run` processes ----


@asynccontextmanager
async def workers(tg: FakeTelegram, postgres_url: str, cwd: Path) -> AsyncIterator[list[Worker]]:
    """Two `coach run` workers on one bot and one database; stopped by SIGTERM at the end."""
    env = coach_env()
    env.update(
        DATABASE_URL=postgres_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=tg.base_url,
        COACH_FROZEN_TIME="2026-11-16T09:00:00+00:00",
        LOG_LEVEL="INFO",
        COACH_OPS_LISTEN="off",  # two workers on one host would want one port
    )
    pair = [Worker(await coach_process(env, cwd, stdout=subprocess.DEVNULL)) for _ in range(2)]
    readers = [asyncio.create_task(worker.read()) for worker in pair]

    def started(_: FakeTelegram) -> bool:
        if any(w.process.returncode is not None for w in pair):
            raise RuntimeError("a worker ended at start")
        elected = [w.said(ELECTED) for w in pair]
        return elected.count(True) == 1 and [w.said(STANDING_BY) for w in pair] == [
            not e for e in elected
        ]

    try:
        try:
            await tg.wait_for(started, timeout=STARTUP)
        except (AssertionError, RuntimeError) as failed:
            await asyncio.wait(readers, timeout=5)
            logs = "\n".join(f"worker {n}:\n{w.log}" for n, w in enumerate(pair, 1))
            raise AssertionError(f"{failed}\n{logs}") from None
        yield pair
    finally:
        for worker in pair:
            if worker.process.returncode is None:
                worker.process.terminate()
        await asyncio.wait_for(asyncio.gather(*(w.process.wait() for w in pair)), timeout=30)
        await asyncio.gather(*readers)


def assert_stopped_cleanly(worker: Worker) -> None:
    assert worker.process.returncode == 0, worker.log
    assert "Traceback" not in worker.log, worker.log
    assert TOKEN.split(":", 1)[1] not in worker.log  # the bot's id names the lock, never its token


@pytest.mark.postgres
async def test_two_workers_on_one_bot_poll_through_one_and_answer_each_update_once(
    tg: FakeTelegram, postgres_url: str, tmp_path: Path
) -> None:
    async with workers(tg, postgres_url, tmp_path) as pair:
        ask_everyone(tg, HELPS_EACH)
        await tg.wait_for(lambda t: all_answered(t, HELPS_EACH), timeout=10)
    assert {user: helps(tg, user) for user in USERS} == dict.fromkeys(USERS, HELPS_EACH)
    assert conflicts(tg) == [], tg.dump()
    for worker in pair:
        assert_stopped_cleanly(worker)


@pytest.mark.postgres
async def test_when_the_poller_is_killed_the_standby_takes_over_within_seconds(
    tg: FakeTelegram, postgres_url: str, tmp_path: Path
) -> None:
    async with workers(tg, postgres_url, tmp_path) as pair:
        [leader] = [w for w in pair if w.said(ELECTED)]
        [standby] = [w for w in pair if w is not leader]
        ask_everyone(tg)
        await tg.wait_for(lambda t: all_answered(t, 1), timeout=10)

        leader.process.send_signal(signal.SIGKILL)
        await leader.process.wait()
        killed_at = time.monotonic()
        ask_everyone(tg)
        await tg.wait_for(lambda t: all_answered(t, 2), timeout=TAKEOVER)
        assert standby.said(ELECTED)
    assert leader.process.returncode == -signal.SIGKILL
    assert {user: helps(tg, user) for user in USERS} == dict.fromkeys(USERS, 2)
    # Only the dead poller's own long poll was cut off, when the new poller asked.
    assert all(record.at < killed_at for record in conflicts(tg)), tg.dump()
    assert_stopped_cleanly(standby)


# ---- pollers in this process, each with its own engine ----


@dataclass
class Poller:
    adapter: TelegramAdapter
    election: Election
    polling: bool = False
    runs: int = 0

    async def poll(self) -> None:
        self.polling, self.runs = True, self.runs + 1
        try:
            await self.adapter.run_polling()
        finally:
            self.polling = False


@asynccontextmanager
async def pollers(tg: FakeTelegram, engines: list[AsyncEngine]) -> AsyncIterator[list[Poller]]:
    clock = FrozenClock(MONDAY_MORNING)
    made = []
    for engine in engines:
        coach = Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())
        adapter = TelegramAdapter(coach, make_bot(TOKEN, tg.base_url))
        made.append(Poller(adapter, Election(engine, ELECTION, check_every=0.1)))
    running = [
        asyncio.create_task(p.election.run(p.poll, stop=p.adapter.stop_polling)) for p in made
    ]
    try:
        yield made
        assert not any(task.done() for task in running)  # standing by is no failure
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        for poller in made:
            await poller.adapter.stop()
            await poller.adapter.bot.session.close()


@pytest.mark.postgres
async def test_a_poller_that_loses_its_lock_connection_stops_and_another_takes_over(
    tg: FakeTelegram, postgres_url: str
) -> None:
    engines = [make_engine(postgres_url) for _ in range(3)]
    try:
        async with pollers(tg, engines[:2]) as pair:
            await tg.wait_for(
                lambda t: any(p.polling for p in pair) and bool(t.calls_of("getUpdates"))
            )
            [leader] = [p for p in pair if p.polling]
            [standby] = [p for p in pair if not p.polling]
            # PostgreSQL shows a 64-bit advisory key as two 32-bit halves.
            key = lock_key(ELECTION) & 0xFFFF_FFFF_FFFF_FFFF
            async with engines[2].connect() as admin:
                ended = await admin.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                        "WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                        "AND classid = :high AND objid = :low AND database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database())"
                    ),
                    {"high": key >> 32, "low": key & 0xFFFF_FFFF},
                )
            assert ended == 1
            # The lost lead's polling ends, and one poller (the standby, as a rule) takes up.
            await tg.wait_for(
                lambda _: (
                    leader.runs + standby.runs == 2 and [p.polling for p in pair].count(True) == 1
                )
            )
            ask_everyone(tg)
            await tg.wait_for(lambda t: all_answered(t, 1))
            assert {user: helps(tg, user) for user in USERS} == dict.fromkeys(USERS, 1)
    finally:
        for engine in engines:
            await engine.dispose()


async def test_on_sqlite_the_one_worker_polls_without_an_election(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}")
    polled: list[bool] = []

    async def poll() -> None:
        polled.append(True)

    async def stop() -> None:
        raise AssertionError("nothing to stop")

    try:
        await asyncio.wait_for(Election(engine, ELECTION).run(poll, stop=stop), 5)
    finally:
        await engine.dispose()
    assert polled == [True]
