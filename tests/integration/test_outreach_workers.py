"""Several workers on one PostgreSQL database share the outbox with no message twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.leadership import Election
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from core.outreach.service import Outreach
from core.storage import models as m
from core.storage.engine import make_engine, make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.sender import Sender, SenderSettings
from scheduler.service import CoachScheduler, SchedulerSettings

pytestmark = pytest.mark.postgres

LEARNERS = 150


class SharedInbox:
    platform = "test"

    def __init__(self) -> None:
        self.received: Counter[tuple[str, str]] = Counter()
        self.by_worker: Counter[str] = Counter()
        self.arrived = asyncio.Event()

    async def until(self, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Waits until `count` messages have arrived in all."""
        async with asyncio.timeout(timeout):
            while True:
                self.arrived.clear()
                if sum(self.received.values()) >= count:
                    return
                await self.arrived.wait()

    def messenger(self, worker: str) -> WorkerMessenger:
        return WorkerMessenger(self, worker)


class WorkerMessenger:
    platform = "test"

    def __init__(self, inbox: SharedInbox, worker: str) -> None:
        self.inbox = inbox
        self.worker = worker

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        await asyncio.sleep(0.002)  # a network round trip, so the workers interleave
        kind = "quiz" if reply.quiz is not None else "plan"
        self.inbox.received[(to.external_id, kind)] += 1
        self.inbox.by_worker[self.worker] += 1
        self.inbox.arrived.set()


def worker(engine: AsyncEngine, clock: FrozenClock, inbox: SharedInbox, name: str) -> Sender:
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    outreach = Outreach(Coach(units, clock, BuiltinCatalog()), units, clock)
    settings = SenderSettings(batch_size=20, concurrency=8)
    return Sender(outreach, {"test": inbox.messenger(name)}, worker=name, settings=settings)


async def work(sender: Sender, rounds: int = 40) -> None:
    for _ in range(rounds):
        await sender._outreach.enqueue_due()
        while await sender.drain_once():
            pass
        await asyncio.sleep(0)


async def test_two_workers_deliver_every_due_message_exactly_once(
    two_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    clock = FrozenClock(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    first_engine, second_engine = two_engines
    units = SqlUnitOfWorkFactory(make_sessions(first_engine))
    coach = Coach(units, clock, BuiltinCatalog())
    for n in range(LEARNERS):
        await coach.handle(LearnerRef("test", f"learner-{n}"), "/start")
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))  # Monday: a plan and a quiz each

    inbox = SharedInbox()
    a = worker(first_engine, clock, inbox, "worker-a")
    b = worker(second_engine, clock, inbox, "worker-b")
    await asyncio.gather(work(a), work(b))

    expected = {(f"learner-{n}", kind) for n in range(LEARNERS) for kind in ("plan", "quiz")}
    assert set(inbox.received) == expected
    assert max(inbox.received.values()) == 1, "a message went out twice"
    assert inbox.by_worker["worker-a"] > 0
    assert inbox.by_worker["worker-b"] > 0, "the second worker never got a share"
    async with make_sessions(first_engine)() as session:
        statuses = dict(
            (
                await session.execute(
                    select(m.OutboxMessage.status, func.count()).group_by(m.OutboxMessage.status)
                )
            ).all()
        )
    assert statuses == {"sent": 2 * LEARNERS}


async def test_one_worker_sends_for_all_and_another_takes_over_when_it_stops(
    two_engines: tuple[AsyncEngine, AsyncEngine], migrated_postgres_url: str
) -> None:
    """The platform's send budget is the bot's: of three workers sharing the outbox, the
    elected one sends everything; when it stops, another is elected and sends."""
    clock = FrozenClock(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    third = make_engine(migrated_postgres_url)
    engines = [*two_engines, third]
    coach = Coach(SqlUnitOfWorkFactory(make_sessions(engines[0])), clock, BuiltinCatalog())
    for n in range(30):
        await coach.handle(LearnerRef("test", f"learner-{n}"), "/start")
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    inbox = SharedInbox()
    schedulers = []
    for n, engine in enumerate(engines):
        units = SqlUnitOfWorkFactory(make_sessions(engine))
        outreach = Outreach(Coach(units, clock, BuiltinCatalog()), units, clock)
        schedulers.append(
            CoachScheduler(
                outreach,
                {"test": inbox.messenger(f"worker-{n}")},
                SchedulerSettings(tick_seconds=3600),
                worker=f"worker-{n}",
                sending=Election(engine, "outbox-sender", check_every=0.05),
            )
        )
    try:
        for scheduler in schedulers:
            await scheduler.start()
        await inbox.until(60)
        [sender] = list(inbox.by_worker)
        assert max(inbox.received.values()) == 1
        # The sender stops; the next day's messages go out through another worker.
        await schedulers[int(sender.rsplit("-", 1)[1])].stop()
        clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
        running = [s for s in schedulers if s.sender.worker != sender]
        for scheduler in running:
            await scheduler.tick()
        await inbox.until(90)
        assert set(inbox.by_worker) - {sender}, "no other worker took over"
        assert len(inbox.by_worker) == 2
    finally:
        for scheduler in schedulers:
            await scheduler.stop()
        await third.dispose()
