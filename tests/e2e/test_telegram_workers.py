"""Three `coach run` workers on one PostgreSQL database and one bot, against the fake Bot
API enforcing Telegram's limits: every due message goes out once, within the bot's budget
and each chat's pace, and when the sending worker is killed another takes over."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_engine, make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import coach_env, coach_process
from tests.e2e.telegram_support import TOKEN, Worker
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.postgres

LEARNERS = range(4001, 4081)
EVERY_DAY = 0b1111111
STARTUP = 45.0  # three interpreters starting at once on a busy machine
SENDER_ELECTED = "outbox-sender: this worker is elected"
LEASE = 8  # seconds: how long the killed sender's claimed rows stay out of reach
# Requests on the wire when the sender is killed may have reached Telegram; nothing else
# may arrive twice. The sender spaces its requests 1/25 s apart, so one or two at most.
ON_THE_WIRE = 2


async def learners_due_now(url: str) -> None:
    """Learners who started yesterday, owed today's plan now: every day a study day, no
    quiz day, so each is owed exactly one message."""
    engine = make_engine(url)
    tables = ", ".join(t.name for t in m.Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    now = datetime.now(UTC)
    coach = Coach(
        SqlUnitOfWorkFactory(make_sessions(engine)),
        FrozenClock(now - timedelta(days=1)),
        BuiltinCatalog(),
    )
    for user in LEARNERS:
        await coach.handle(LearnerRef("telegram", str(user), f"Learner {user}"), "/start")
    async with engine.begin() as connection:
        await connection.execute(
            update(m.Enrollment).values(
                next_nudge_at=now - timedelta(seconds=1),
                next_evening_at=None,
                study_days=EVERY_DAY,
                quiz_days=0,
            )
        )
    await engine.dispose()


def delivered(tg: FakeTelegram) -> Counter[int]:
    return Counter(user for user in LEARNERS for _ in tg.sent(user))


async def test_three_workers_send_each_due_message_once_within_the_limits_and_survive_a_kill(
    migrated_postgres_url: str, tmp_path: Path
) -> None:
    await learners_due_now(migrated_postgres_url)
    async with FakeTelegram(token=TOKEN) as tg:
        for user in LEARNERS:
            tg.add_user(user, f"Learner {user}")
        tg.enforce_rates(overall_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
        env = coach_env(
            DATABASE_URL=migrated_postgres_url,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE=tg.base_url,
            COACH_TICK_SECONDS="1",
            COACH_OUTBOX_LEASE_SECONDS=str(LEASE),
            COACH_OPS_LISTEN="off",
            LOG_LEVEL="INFO",
        )
        workers = [
            Worker(await coach_process(env, tmp_path, stdout=subprocess.DEVNULL)) for _ in range(3)
        ]
        readers = [asyncio.create_task(worker.read()) for worker in workers]
        try:
            await tg.wait_for(
                lambda t: sum(delivered(t).values()) >= len(LEARNERS) // 2, timeout=STARTUP
            )
            [sender] = [w for w in workers if w.said(SENDER_ELECTED)]
            sender.process.send_signal(signal.SIGKILL)
            await sender.process.wait()
            await tg.wait_for(lambda t: set(delivered(t)) == set(LEARNERS), timeout=LEASE + 20)
            survivors = [w for w in workers if w is not sender]
            assert [w.said(SENDER_ELECTED) for w in survivors].count(True) == 1
        finally:
            for worker in workers:
                if worker.process.returncode is None:
                    worker.process.terminate()
            await asyncio.wait_for(asyncio.gather(*(w.process.wait() for w in workers)), timeout=30)
            await asyncio.gather(*readers)
    counts = delivered(tg)
    assert sum(counts.values()) - len(LEARNERS) <= ON_THE_WIRE, counts.most_common(3)
    assert tg.too_many_requests == 0, tg.dump()  # the bot's budget held, and every chat's
    assert tg.max_sends_in_window(1.0) <= 30
    for worker in survivors:
        assert worker.process.returncode == 0, worker.log
        assert "Traceback" not in worker.log, worker.log
