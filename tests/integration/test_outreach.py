"""The coach writing first, on both databases, with the clock in the test's hand.

A recording messenger stands in for the platform here; the Telegram end of the same
path runs against the fake Bot API in tests/e2e.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.errors import PermanentFailure, RetryLater, TemporaryFailure, Unreachable
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.reply import Reply
from core.outreach.model import Decision, OutboxItem
from core.outreach.ports import SendGate
from core.outreach.service import Outreach
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.limits import JITTER_SLACK, RateGate, RateLimits
from scheduler.sender import Sender, SenderSettings
from tests.conftest import Learner

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Delivery:
    at: datetime
    to: LearnerRef
    reply: Reply

    @property
    def text(self) -> str:
        return self.reply.plain_text()

    @property
    def kind(self) -> str:
        if self.reply.quiz is not None:
            return "quiz"
        if "Good morning" in self.text:
            return "plan"
        if "in review" in self.text:
            return "digest"
        return "streak"


@dataclass
class RecordingMessenger:
    """The platform end: records what arrives, or fails the way a platform can."""

    clock: FrozenClock
    platform: str = "test"
    received: list[Delivery] = field(default_factory=list)
    posted: list[tuple[ChatRef, Reply]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    calls: int = 0
    gate: SendGate | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.received.append(Delivery(self.clock.now(), to, reply))

    async def post(self, chat: ChatRef, reply: Reply) -> None:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait(chat.external_id)
        if self.failures:
            raise self.failures.pop(0)
        self.posted.append((chat, reply))
        self.arrived.set()

    def of(self, kind: str) -> list[Delivery]:
        return [d for d in self.received if d.kind == kind]


@pytest.fixture
def outreach(engine: AsyncEngine, coach: Coach, clock: FrozenClock) -> Outreach:
    return Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), clock)


@pytest.fixture
def inbox(clock: FrozenClock) -> RecordingMessenger:
    return RecordingMessenger(clock)


@pytest.fixture
def sender(outreach: Outreach, inbox: RecordingMessenger) -> Sender:
    quick = SenderSettings(quick_wait=0.001, quick_tries=2)
    return Sender(outreach, {"test": inbox}, worker="test-worker", settings=quick)


async def run_until(
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    end: datetime,
    step: timedelta = timedelta(minutes=5),
) -> None:
    """Ticks and drains at every step, as the running scheduler would."""
    while clock.now() <= end:
        await outreach.enqueue_due()
        while await sender.drain_once():
            pass
        clock.advance(step)


async def started(coach: Coach, clock: FrozenClock, at: datetime, *settings: str) -> Learner:
    clock.set(at)
    learner = Learner(coach)
    await learner.say("/start")
    for line in settings:
        reply = await learner.say(f"/settings {line}")
        assert "Nothing was changed" not in reply, reply
    return learner


async def due_at_nine(
    coach: Coach, clock: FrozenClock, outreach: Outreach, *settings: str
) -> Learner:
    """A learner who started on Monday morning, at their 09:00 nudge, the tick just run."""
    learner = await started(coach, clock, datetime(2026, 11, 16, 8, 0, tzinfo=UTC), *settings)
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await outreach.enqueue_due()
    return learner


async def outbox_rows(engine: AsyncEngine) -> list[m.OutboxMessage]:
    async with make_sessions(engine)() as session:
        return list(
            (await session.scalars(select(m.OutboxMessage).order_by(m.OutboxMessage.id))).all()
        )


def local_days(deliveries: list[Delivery], zone: ZoneInfo) -> list[date]:
    return [d.at.astimezone(zone).date() for d in deliveries]


# -- when things arrive ----------------------------------------------------------


# -- daylight saving -----------------------------------------------------------


# -- who hears nothing -----------------------------------------------------------


# -- once, and only once -----------------------------------------------------------


async def test_a_claim_left_by_a_dead_worker_is_taken_over_when_its_lease_ends(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    await due_at_nine(coach, clock, outreach, "quiz off")
    dead = await outreach.claim("dead-worker", 10)
    assert len(dead) == 1
    assert await sender.drain_once() == 0  # leased to the dead worker
    clock.advance(outreach.policy.lease + timedelta(seconds=1))
    assert await sender.drain_once() == 1
    assert len(inbox.of("plan")) == 1
    [row] = await outbox_rows(engine)
    assert (row.status, row.attempts, row.platform, row.external_id) == ("sent", 2, "test", "ada")


async def test_a_stopping_sender_returns_what_it_has_not_started(
    engine: AsyncEngine, coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender
) -> None:
    await due_at_nine(coach, clock, outreach)
    sender.stop()
    assert await sender.drain_once() == 2
    rows = await outbox_rows(engine)
    assert {(r.status, r.attempts, r.available_at) for r in rows} == {("pending", 0, clock.now())}


# -- when the platform says no -----------------------------------------------------


async def test_a_server_error_is_tried_again_with_growing_waits_then_given_up(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    await due_at_nine(coach, clock, outreach, "quiz off")
    inbox.failures = [TemporaryFailure("502 Bad Gateway")] * 100
    waits = []
    for _ in range(outreach.policy.max_attempts):
        assert await sender.drain_once() == 1
        [row] = await outbox_rows(engine)
        waits.append(row.available_at - clock.now())
        clock.set(row.available_at)
    [row] = await outbox_rows(engine)
    assert row.status == "failed"
    assert row.outcome == "temporary: 502 Bad Gateway"
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert inbox.calls == 2 * outreach.policy.max_attempts  # quick tries inside each claim
    assert inbox.received == []


async def test_a_blip_is_absorbed_by_a_quick_retry(
    coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender, inbox: RecordingMessenger
) -> None:
    await due_at_nine(coach, clock, outreach, "quiz off")
    inbox.failures = [TemporaryFailure("timed out")]
    await sender.drain_once()
    assert len(inbox.of("plan")) == 1


async def test_flood_control_postpones_without_spending_a_try(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    await due_at_nine(coach, clock, outreach, "quiz off")
    inbox.failures = [RetryLater(17)]
    await sender.drain_once()
    [row] = await outbox_rows(engine)
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.available_at == clock.now() + timedelta(seconds=17)
    assert await sender.drain_once() == 0  # not before the wait is over
    clock.advance(timedelta(seconds=17))
    assert await sender.drain_once() == 1
    assert len(inbox.of("plan")) == 1


async def test_a_refused_message_fails_at_once_and_a_block_stops_everything(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    await due_at_nine(coach, clock, outreach)
    inbox.failures = [PermanentFailure("message is too long"), Unreachable("bot was blocked")]
    await sender.drain_once()
    outcomes = sorted((r.status, r.outcome or "") for r in await outbox_rows(engine))
    assert outcomes == [
        ("failed", "refused: message is too long"),
        ("failed", "unreachable: bot was blocked"),
    ]
    # Blocked: the next days' moments pass without a row until they write again.
    await run_until(clock, outreach, sender, datetime(2026, 11, 18, 21, 0, tzinfo=UTC))
    assert inbox.received == []
    assert len(await outbox_rows(engine)) == 2


async def test_a_row_that_cannot_be_composed_fails_alone_and_the_others_go(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await due_at_nine(coach, clock, outreach)  # a plan and a quiz question
    compose = outreach.compose

    async def broken_quiz(item: OutboxItem, platforms: Collection[str]) -> Decision:
        if item.kind == "quiz":
            raise RuntimeError("a bug in composing")
        return await compose(item, platforms)

    monkeypatch.setattr(outreach, "compose", broken_quiz)
    assert await sender.drain_once() == 2
    assert len(inbox.of("plan")) == 1
    rows = {r.kind: r for r in await outbox_rows(engine)}
    assert rows["plan"].status == "sent"
    assert (rows["quiz"].status, rows["quiz"].outcome) == ("pending", "error: RuntimeError")
    assert rows["quiz"].available_at == clock.now() + outreach.policy.first_backoff


# -- replies owed to a chat ----------------------------------------------------------


async def test_a_reply_owed_to_a_chat_is_posted_there_and_its_text_not_kept(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    answer = Reply.text("Done: Read the chapter.", "2 left today.")
    await coach.owe_reply(ChatRef("test", "4242", "Ada"), answer)
    inbox.failures = [TemporaryFailure("502 Bad Gateway")]  # a blip, as the adapter met
    assert await sender.drain_once() == 1
    assert inbox.posted == [(ChatRef("test", "4242", ""), answer)]
    [row] = await outbox_rows(engine)
    assert (row.kind, row.status, row.outcome, row.platform, row.external_id) == (
        "reply",
        "sent",
        "reply",
        "test",
        "4242",
    )
    assert (row.chat_platform, row.chat_id, row.payload) == ("test", "4242", None)
    assert row.local_date == clock.now().date()


async def test_a_reply_waits_out_a_long_flood_wait_in_the_outbox(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    await coach.owe_reply(ChatRef("test", "-100"), Reply.text("answer"))
    inbox.failures = [RetryLater(40)]
    await sender.drain_once()
    [row] = await outbox_rows(engine)
    assert (row.status, row.attempts, row.payload is not None) == ("pending", 0, True)
    clock.advance(timedelta(seconds=40))
    assert await sender.drain_once() == 1
    assert [chat.external_id for chat, _ in inbox.posted] == ["-100"]


# -- pacing across a restart ------------------------------------------------------------


class WatchedGate(RateGate):
    """A rate gate that remembers when (on the loop's clock) it was told of a send."""

    noted_at: float | None = None

    def note_sent(self, chat: str, seconds_ago: float) -> None:
        self.noted_at = asyncio.get_running_loop().time()
        super().note_sent(chat, seconds_ago)


async def test_a_chat_written_to_just_before_a_restart_waits_out_its_interval(
    engine: AsyncEngine, coach: Coach, clock: FrozenClock, outreach: Outreach
) -> None:
    chat = ChatRef("test", "4242")
    before = RecordingMessenger(clock)
    await coach.owe_reply(chat, Reply.text("before the restart"))
    await Sender(outreach, {"test": before}, worker="old").drain_once()
    assert len(before.posted) == 1
    # The new worker starts 0.3 s later, with a fresh gate: 2 a second for one chat.
    clock.advance(timedelta(seconds=0.3))
    await coach.owe_reply(chat, Reply.text("after the restart"))
    gate = WatchedGate(RateLimits(overall_per_second=None, per_chat_per_second=2))
    after = RecordingMessenger(clock, gate=gate)
    restarted = Sender(outreach, {"test": after}, worker="new", gates={"test": gate})
    running = asyncio.create_task(restarted.run(asyncio.Event()))
    try:
        async with asyncio.timeout(5):
            await after.arrived.wait()
        arrived = asyncio.get_running_loop().time()
    finally:
        restarted.stop()
        await running
    assert gate.noted_at is not None, "the sender did not tell the gate on starting"
    # The rest of the interval from the send before the restart, not a whole one from now.
    interval = JITTER_SLACK / 2
    assert interval - 0.3 - 0.01 <= arrived - gate.noted_at < interval
    assert [r.plain_text() for _, r in after.posted] == ["after the restart"]
