"""The sender's side of the outbox, reduced to its decisions: what the coach would send,
hold or drop, recorded in order, with no platform in between."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from core.kernel.clock import FrozenClock
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.reply import Reply
from core.outreach.model import Audience, Decision, Drop, Hold, OutboxItem, Send
from core.outreach.service import Outreach
from tests.fakes.memory import MemoryDatabase


@dataclass(frozen=True)
class Sent:
    at: datetime
    to: LearnerRef | ChatRef
    what: str  # plan, quiz, streak, digest, report, close…
    reply: Reply

    @property
    def text(self) -> str:
        return self.reply.plain_text()


@dataclass
class Decisions:
    """Everything composed, by kind of decision."""

    clock: FrozenClock
    outreach: Outreach
    platforms: frozenset[str] = frozenset({"test"})
    sent: list[Sent] = field(default_factory=list)
    dropped: list[tuple[OutboxItem, str]] = field(default_factory=list)
    held: list[tuple[OutboxItem, datetime]] = field(default_factory=list)

    async def drain(self) -> list[Decision]:
        """Claims what is due and sees each row to its decision, as a sender whose
        deliveries all go through would; returns the decisions in order."""
        decisions: list[Decision] = []
        for item in await self.outreach.claim("test-worker", 100):
            decision = await self.outreach.compose(item, self.platforms)
            decisions.append(decision)
            if isinstance(decision, Send):
                self.sent.append(Sent(self.clock.now(), decision.to, decision.what, decision.reply))
                await self.outreach.sent(item, decision)
            elif isinstance(decision, Hold):
                self.held.append((item, decision.until))
                await self.outreach.postpone(item, decision.until, decision.why)
            else:
                assert isinstance(decision, Drop)
                self.dropped.append((item, decision.why))
                await self.outreach.dropped(item, decision.why)
        return decisions

    async def tick(self) -> list[Decision]:
        await self.outreach.enqueue_due()
        return await self.drain()

    async def run_until(self, end: datetime, step_minutes: int = 5) -> None:
        """Ticks and drains at every step, as the running scheduler would."""
        while self.clock.now() <= end:
            await self.tick()
            self.clock.advance(timedelta(minutes=step_minutes))

    def of(self, what: str, to: LearnerRef | ChatRef | None = None) -> list[Sent]:
        return [s for s in self.sent if s.what == what and to in (None, s.to)]

    def to(self, chat: LearnerRef | ChatRef) -> list[Sent]:
        return [s for s in self.sent if s.to == chat]


def owed(database: MemoryDatabase, audience: Audience) -> list[tuple[str, date]]:
    """The rows still pending for learners or for groups: kind and local day."""
    return sorted(
        (row.kind, row.local_date)
        for row in database.outbox.rows.values()
        if row.status == "pending" and row.recipient.audience is audience
    )


def finished(database: MemoryDatabase) -> list[tuple[str, date, str, str | None]]:
    """Rows that are done with: kind, day, status and why."""
    return sorted(
        (row.kind, row.local_date, row.status, row.outcome)
        for row in database.outbox.rows.values()
        if row.status != "pending"
    )
