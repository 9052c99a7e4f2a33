"""A `coach run` worker killed mid-drain loses nothing: its claims run out and the next
worker sends what was left, with at most the killed worker's in-flight batch twice."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_engine, make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.sender import SenderSettings
from tests.conftest import coach_env, coach_process
from tests.e2e.telegram_support import TOKEN
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.postgres

LEARNERS = 120
FIRST_USER = 7000
SEND_RATE = 20  # messages a second: the drain takes about six seconds
TUESDAY = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # not a quiz day: one plan each


@pytest.fixture
async def engine(migrated_postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(migrated_postgres_url)
    tables = ", ".join(t.name for t in m.Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


def plans_received(fake: FakeTelegram) -> Counter[int]:
    return Counter(
        call["chat_id"]
        for call in fake.calls_of("sendMessage")
        if str(call.get("text", "")).startswith("Good morning")
    )


async def start_worker(
    fake: FakeTelegram, database_url: str, frozen: str, cwd: Path
) -> asyncio.subprocess.Process:
    env = coach_env()
    env.update(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=fake.base_url,
        COACH_FROZEN_TIME=frozen,
        COACH_TICK_SECONDS="1",
        COACH_TELEGRAM_SEND_RATE=str(SEND_RATE),
    )
    return await coach_process(env, cwd)


async def test_a_killed_worker_loses_nothing_and_doubles_at_most_its_batch(
    engine: AsyncEngine, migrated_postgres_url: str, tmp_path: Path
) -> None:
    clock = FrozenClock(TUESDAY)
    coach = Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())
    users = range(FIRST_USER, FIRST_USER + LEARNERS)
    async with FakeTelegram(token=TOKEN) as fake:
        for user in users:
            fake.add_user(user, f"Learner {user}")
            await coach.handle(LearnerRef("telegram", str(user)), "/start")
        fake.enforce_rates(overall_per_second=SEND_RATE, per_chat_per_second=1)

        first = await start_worker(
            fake, migrated_postgres_url, "2026-11-17T09:00:30+00:00", tmp_path
        )
        try:
            await fake.wait_for(lambda t: sum(plans_received(t).values()) >= 30, timeout=60)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.communicate()
        assert first.returncode == -signal.SIGKILL
        delivered_before = sum(plans_received(fake).values())
        assert delivered_before < LEARNERS, "the first worker finished before it was killed"

        # Restarted after the killed worker's claims ran out (a lease is two minutes).
        second = await start_worker(
            fake, migrated_postgres_url, "2026-11-17T09:10:00+00:00", tmp_path
        )
        try:
            await fake.wait_for(lambda t: set(plans_received(t)) >= set(users), timeout=60)
        finally:
            second.terminate()
            _, stderr = await asyncio.wait_for(second.communicate(), timeout=30)
        assert second.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr

        received = plans_received(fake)
        twice = [user for user, count in received.items() if count > 1]
        assert set(received) == set(users), "a learner never got their plan"
        assert max(received.values()) <= 2
        assert len(twice) <= SenderSettings().batch_size, "more doubled than one batch in flight"
        assert fake.too_many_requests == 0
    async with make_sessions(engine)() as session:
        statuses = dict(
            (
                await session.execute(
                    select(m.OutboxMessage.status, func.count()).group_by(m.OutboxMessage.status)
                )
            ).all()
        )
    assert statuses == {"sent": LEARNERS}
