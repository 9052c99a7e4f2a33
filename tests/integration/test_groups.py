"""Study groups through the core, on both databases: setup, membership, sharing,
standings, submissions, and the digest, quiz and report the outbox carries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.groups.model import ChatContext, ChatRef
from core.kernel.clock import FrozenClock
from core.kernel.reply import Mentions, Reply
from core.outreach.learners import Drop, Outreach, Send
from core.ports import LearnerRef
from core.storage import models as m
from core.storage.engine import make_sessions

CHAT = ChatRef("test", "-100", "Backend cohort")


def in_group(*, admin: bool) -> ChatContext:
    async def is_admin() -> bool:
        return admin

    return ChatContext(CHAT, is_admin)


class Member:
    def __init__(self, coach: Coach, external_id: str, name: str, *, admin: bool = False) -> None:
        self.coach = coach
        self.who = LearnerRef("test", external_id, name)
        self.chat = in_group(admin=admin)

    async def group(self, text: str) -> Reply:
        return await self.coach.handle(self.who, text, chat=self.chat)

    async def private(self, text: str) -> Reply:
        return await self.coach.handle(self.who, text)


@pytest.fixture
def outreach(coach: Coach, engine: AsyncEngine, clock: FrozenClock) -> Outreach:
    from core.storage.store import SqlUnitOfWorkFactory

    return Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), clock)


async def pending(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(m.OutboxMessage.kind, m.OutboxMessage.local_date).where(
                m.OutboxMessage.group_id.is_not(None), m.OutboxMessage.status == "pending"
            )
        )
        return sorted((kind, day.isoformat()) for kind, day in rows)


async def compose_all(outreach: Outreach) -> list[Send | Drop]:
    """Composes every due row as a sender would; returns what was decided for the group."""
    decisions = []
    for item in await outreach.claim("test", 100):
        decision = await outreach.compose(item, {"test"})
        assert isinstance(decision, Send | Drop)
        if isinstance(decision, Send):
            await outreach.sent(item, decision)
        else:
            await outreach.dropped(item, decision.why)
        if item.group_id is not None:
            decisions.append(decision)
    return decisions


async def test_setup_needs_an_admin_and_a_group_chat(coach: Coach) -> None:
    member = Member(coach, "1", "Ada")
    refused = await member.group("/group setup")
    assert "Only the group's admins" in refused.plain_text()
    private = await member.private("/group setup")
    assert "works in a group chat" in private.plain_text()
    assert "not a study group" in (await member.group("/join")).plain_text()

    admin = Member(coach, "2", "Bob", admin=True)
    done = await admin.group("/group setup")
    assert done.public and "now a study group" in done.plain_text()
    assert "already a study group" in (await admin.group("/group setup")).plain_text()
    status = await member.group("/group")
    assert "1 member" in status.plain_text() and "not a member yet" in status.plain_text()


async def test_join_starts_a_newcomer_on_the_track_and_leave_keeps_progress(
    coach: Coach,
) -> None:
    await Member(coach, "2", "Bob", admin=True).group("/group setup")
    ada = Member(coach, "1", "Ada")
    joined = await ada.group("/join")
    assert "Welcome, Ada" in joined.plain_text()
    assert "already in" in (await ada.group("/join")).plain_text()
    today = await ada.private("/today")
    assert "Week 1" in today.plain_text()
    assert "left the group" in (await ada.group("/leave")).plain_text()
    assert "not in this group" in (await ada.group("/leave")).plain_text()
    assert "Week 1" in (await ada.private("/week")).plain_text()


async def test_leaderboard_ranks_done_then_quiz_then_streak_with_stable_ties(
    coach: Coach, clock: FrozenClock
) -> None:
    bob = Member(coach, "2", "Bob", admin=True)
    await bob.group("/group setup")
    ada, cy, di = Member(coach, "1", "Ada"), Member(coach, "3", "Cy"), Member(coach, "4", "Di")
    for member in (ada, cy, di):
        await member.group("/join")
    await ada.private("/done")
    await ada.private("/done")
    await cy.private("/done")
    await di.private("/done")
    board = (await di.group("/leaderboard")).plain_text()
    lines = [line for line in board.splitlines() if line[:1].isdigit()]
    assert lines[0].startswith("1. Ada: 2 done")
    # Cy and Di tie on every figure: one position, Cy first because Cy joined first.
    assert lines[1].startswith("2. Cy: 1 done") and lines[2].startswith("2. Di: 1 done")
    assert lines[3].startswith("4. Bob: 0 done")

    await ada.group("/share done off")
    board = (await di.group("/leaderboard")).plain_text()
    ada_line = next(line for line in board.splitlines() if "Ada" in line)
    assert "– " not in ada_line[:3] and ada_line.endswith("day streak") and ": –," in ada_line


async def test_submit_and_review(coach: Coach) -> None:
    bob = Member(coach, "2", "Bob", admin=True)
    await bob.group("/group setup")
    ada = Member(coach, "1", "Ada")
    assert "Join the group first" in (await ada.group("/submit https://x.test")).plain_text()
    await ada.group("/join")
    posted = await ada.group("/submit https://github.com/ada/inventory")
    assert posted.public and "#1: Ada shared" in posted.plain_text()
    assert "yours" in (await ada.group("/review 1 nice")).plain_text()
    assert "no project #9" in (await bob.group("/review 9 nice")).plain_text()
    review = await bob.group("/review 1 Clear README, add tests")
    assert "Bob reviewed #1 by Ada" in review.plain_text()
    again = await bob.group("/review #1 Even better now")
    assert "updated their review" in again.plain_text()


async def test_digest_quiz_close_and_report_go_through_the_outbox(
    coach: Coach, clock: FrozenClock, outreach: Outreach, engine: AsyncEngine
) -> None:
    bob = Member(coach, "2", "Bob", admin=True)
    await bob.group("/group setup")  # Monday 08:00 UTC; digest 09:00, quiz Mon/Wed/Fri
    ada = Member(coach, "1", "Ada")
    await ada.group("/join")
    await ada.group("/share mentions on")
    await ada.private("/done")

    clock.advance(timedelta(hours=1))
    await outreach.enqueue_due()
    assert await pending(engine) == [
        ("group_close", "2026-11-16"),
        ("group_digest", "2026-11-16"),
        ("group_quiz", "2026-11-16"),
    ]
    sent = await compose_all(outreach)
    kinds = sorted(d.what for d in sent if isinstance(d, Send))
    assert kinds == ["digest", "quiz"]
    quiz = next(d for d in sent if isinstance(d, Send) and d.what == "quiz").reply.quiz
    assert quiz is not None and quiz.for_group and quiz.quiz_id is not None
    await coach.group_quiz_posted(quiz.quiz_id, "test", "poll-1", "msg-1")
    right = await coach.quiz_answered(ada.who, "test", "poll-1", [quiz.correct_option])
    assert right.acknowledgement and "Right" in right.plain_text()
    again = await coach.quiz_answered(ada.who, "test", "poll-1", [0])
    assert "already" in again.plain_text()
    stranger = LearnerRef("test", "99", "Eve")
    await coach.quiz_answered(stranger, "test", "poll-1", [(quiz.correct_option + 1) % 3])

    clock.advance(timedelta(hours=8))
    sent = await compose_all(outreach)
    (summary,) = sent
    assert isinstance(summary, Send) and summary.reply.closes_poll == "msg-1"
    assert "2 answered, 1 got it right" in summary.reply.plain_text()
    late = await coach.quiz_answered(bob.who, "test", "poll-1", [0])
    assert "closed" in late.plain_text()

    # Tuesday's digest names what Ada did on Monday; Ada is not behind, so no mention.
    clock.advance(timedelta(days=1) - timedelta(hours=8))
    await outreach.enqueue_due()
    (digest,) = [d for d in await compose_all(outreach) if isinstance(d, Send)]
    assert "Ada:" in digest.reply.plain_text()
    assert not any(isinstance(b, Mentions) for b in digest.reply.blocks)

    # Saturday is the last study day: the report comes at 18:00.
    clock.set(clock.now().replace(day=21, hour=18, minute=0))
    await outreach.enqueue_due()
    decisions = await compose_all(outreach)
    report = next(d for d in decisions if isinstance(d, Send) and d.what == "report")
    assert "in review" in report.reply.plain_text()


async def test_removal_deactivates_and_drops_pending_posts(
    coach: Coach, clock: FrozenClock, outreach: Outreach, engine: AsyncEngine
) -> None:
    await Member(coach, "2", "Bob", admin=True).group("/group setup")
    clock.advance(timedelta(hours=1))
    await outreach.enqueue_due()
    assert await pending(engine)
    await coach.group_gone(CHAT)
    assert await pending(engine) == []
    assert "not a study group" in (await Member(coach, "1", "Ada").group("/join")).plain_text()
    restarted = await Member(coach, "2", "Bob", admin=True).group("/group setup")
    assert "active again" in restarted.plain_text()
