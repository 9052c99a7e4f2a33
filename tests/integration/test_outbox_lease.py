"""No send outlives its row's lease: a send still running near the lease's end is cut off
and its row put back by the sender that holds it, so a second sender claiming the row
afterwards never sends it while the first is still at it. On both databases, with leases
of a fraction of a second on the real clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import SystemClock
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from core.outreach.policy import OutreachPolicy
from core.outreach.service import Outreach
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.limits import RateGate, RateLimits
from scheduler.sender import NOT_STARTED, OVERRAN, Sender, SenderSettings

CHAT = ChatRef("test", "-100")
LEASE = 1.2
# Cut off 0.3 s before the lease ends: time enough to write the row back on any backend,
# and 0.9 s after the claim, time enough for a busy machine to start the first send.
SETTINGS = SenderSettings(lease_margin=0.3, quick_wait=0.001)


@dataclass
class Arrivals:
    """What arrived, from whichever sender; a messenger per sender sends into it."""

    posted: list[str] = field(default_factory=list)


@dataclass
class ChatMessenger:
    arrivals: Arrivals
    hang: bool = False  # until released, or cancelled
    gate: RateGate | None = None
    platform: str = "test"
    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: int = 0

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        raise AssertionError("only replies to a chat are owed here")

    async def post(self, chat: ChatRef, reply: Reply) -> None:
        self.started.set()
        try:
            if self.gate is not None:
                await self.gate.wait(chat.external_id, group=True)
            if self.hang:
                await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        self.arrivals.posted.append(reply.plain_text())


@pytest.fixture
def coach(engine: AsyncEngine) -> Coach:
    # The real clock: the lease runs out in real time, as the sender's deadline does.
    return Coach(SqlUnitOfWorkFactory(make_sessions(engine)), SystemClock(), BuiltinCatalog())


@pytest.fixture
def outreach(engine: AsyncEngine, coach: Coach) -> Outreach:
    policy = OutreachPolicy(lease=timedelta(seconds=LEASE), first_backoff=timedelta(0))
    return Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), coach.clock, policy)


async def owe(coach: Coach, *texts: str) -> None:
    for text in texts:
        await coach.owe_reply(CHAT, Reply.text(text))


async def rows(engine: AsyncEngine) -> list[m.OutboxMessage]:
    async with make_sessions(engine)() as session:
        found = await session.scalars(select(m.OutboxMessage).order_by(m.OutboxMessage.id))
        return list(found.all())


def sender(outreach: Outreach, messenger: ChatMessenger, name: str) -> Sender:
    return Sender(outreach, {"test": messenger}, worker=name, settings=SETTINGS)


async def test_a_send_that_hangs_is_cut_off_and_its_row_put_back_before_the_lease_ends(
    engine: AsyncEngine, coach: Coach, outreach: Outreach
) -> None:
    arrivals = Arrivals()
    await owe(coach, "answer")
    hanging = ChatMessenger(arrivals, hang=True)
    loop = asyncio.get_running_loop()
    claimed = loop.time()
    first = asyncio.create_task(sender(outreach, hanging, "first").drain_once())
    await hanging.started.wait()
    second = sender(outreach, ChatMessenger(arrivals), "second")
    assert await second.drain_once() == 0  # leased to the first, whose send is running

    async with asyncio.timeout(5 * LEASE):
        assert await first == 1
    assert loop.time() - claimed < LEASE  # put back while still the first sender's
    assert hanging.cancelled == 1
    [row] = await rows(engine)
    assert (row.status, row.attempts, row.claimed_by, row.outcome) == ("pending", 1, None, OVERRAN)
    assert row.payload is not None  # still owed, text and all

    assert await second.drain_once() == 1
    hanging.release.set()  # were the first still sending, it would send it again now
    await asyncio.sleep(0)
    assert arrivals.posted == ["answer"]
    [row] = await rows(engine)
    assert (row.status, row.attempts, row.claimed_by, row.payload) == ("sent", 2, None, None)


async def test_rows_whose_turn_comes_after_the_deadline_go_back_unsent_and_keep_their_tries(
    engine: AsyncEngine, coach: Coach, outreach: Outreach
) -> None:
    arrivals = Arrivals()
    await owe(coach, "first", "second", "third")  # one chat: one after another
    stalled = sender(outreach, ChatMessenger(arrivals, hang=True), "stalled")
    async with asyncio.timeout(5 * LEASE):
        assert await stalled.drain_once() == 3
    assert [(r.status, r.attempts, r.outcome) for r in await rows(engine)] == [
        ("pending", 1, OVERRAN),
        ("pending", 0, NOT_STARTED),
        ("pending", 0, NOT_STARTED),
    ]
    assert await sender(outreach, ChatMessenger(arrivals), "next").drain_once() == 3
    assert arrivals.posted == ["first", "second", "third"]  # still in the order owed


async def test_a_wait_for_the_rate_gate_counts_against_the_deadline(
    engine: AsyncEngine, coach: Coach, outreach: Outreach
) -> None:
    arrivals = Arrivals()
    await owe(coach, "answer")
    gate = RateGate(RateLimits(overall_per_second=None, per_group_per_minute=20))
    gate.hold(30, CHAT.external_id)  # flood control for this chat, longer than the lease
    loop = asyncio.get_running_loop()
    claimed = loop.time()
    waiting = ChatMessenger(arrivals, gate=gate)
    async with asyncio.timeout(5 * LEASE):
        assert await sender(outreach, waiting, "first").drain_once() == 1
    assert loop.time() - claimed < LEASE
    assert (waiting.cancelled, arrivals.posted) == (1, [])
    [row] = await rows(engine)
    assert (row.status, row.claimed_by, row.outcome) == ("pending", None, OVERRAN)
