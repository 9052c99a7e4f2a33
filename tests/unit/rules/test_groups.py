"""Study groups: setup, membership, sharing, standings, submissions, and the digest, quiz,
tally and report the outbox carries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Mentions, PollToClose, Reply, Visibility
from core.learning.library import Defaults
from core.outreach.model import Audience
from core.outreach.service import Outreach
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.short_track import ShortTrack
from tests.unit.rules.outbox import Decisions, owed
from tests.unit.rules.support import snapshot

CHAT = ChatRef("test", "-100", "Backend cohort")
MONDAY = date(2026, 11, 16)


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
        outcome = await self.coach.handle(self.who, text, chat=self.chat)
        assert isinstance(outcome, Reply), outcome
        return outcome

    async def private(self, text: str) -> Reply:
        outcome = await self.coach.handle(self.who, text)
        assert isinstance(outcome, Reply), outcome
        return outcome


@pytest.fixture
def outreach(coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Outreach:
    return Outreach(coach, uow, clock)


@pytest.fixture
def decisions(clock: FrozenClock, outreach: Outreach) -> Decisions:
    return Decisions(clock, outreach)


@pytest.fixture
async def bob(coach: Coach) -> Member:
    """The admin, who made the chat a study group."""
    admin = Member(coach, "2", "Bob", admin=True)
    await admin.group("/group setup")
    return admin


async def group_of(uow: MemoryUnitOfWorkFactory) -> tuple[int, int, bool]:
    """The chat's group: its id, member count and whether it is active."""
    async with uow() as work:
        group = await work.groups.find(CHAT)
        assert group is not None
        return group.id, await work.groups.member_count(group.id), group.active


async def test_setup_needs_an_admin_and_a_group_chat(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    member = Member(coach, "1", "Ada")
    assert "admins" in (await member.group("/group setup")).plain_text()
    assert "group chat" in (await member.private("/group setup")).plain_text()
    assert "not a study group" in (await member.group("/join")).plain_text()
    async with uow() as work:
        assert await work.groups.find(CHAT) is None

    admin = Member(coach, "2", "Bob", admin=True)
    done = await admin.group("/group setup")
    assert done.visibility is Visibility.CHAT
    _, members, active = await group_of(uow)
    assert (members, active) == (1, True)  # the admin who set it up
    assert "already" in (await admin.group("/group setup")).plain_text()
    assert (await group_of(uow))[1] == 1
    status = (await member.group("/group")).plain_text()
    assert "1 member" in status and "not a member yet" in status


async def test_join_starts_a_newcomer_on_the_track_and_leave_keeps_progress(
    coach: Coach, bob: Member, uow: MemoryUnitOfWorkFactory
) -> None:
    ada = Member(coach, "1", "Ada")
    assert "Ada" in (await ada.group("/join")).plain_text()
    assert (await group_of(uow))[1] == 2
    assert "already" in (await ada.group("/join")).plain_text()
    assert (await group_of(uow))[1] == 2
    started = await snapshot(uow, ada.who)
    assert started is not None and started.enrollment is not None
    assert started.enrollment.track_id == "python-backend"
    await ada.private("/done")
    await ada.group("/leave")
    assert (await group_of(uow))[1] == 1
    assert "not in this group" in (await ada.group("/leave")).plain_text()
    kept = await snapshot(uow, ada.who)
    assert kept is not None and len(kept.week_done) == 1


async def test_leaderboard_ranks_done_then_quiz_then_streak_with_stable_ties(
    coach: Coach, bob: Member
) -> None:
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
    assert ": –," in ada_line and ada_line.endswith("day streak")


async def test_submit_and_review(coach: Coach, bob: Member, uow: MemoryUnitOfWorkFactory) -> None:
    ada = Member(coach, "1", "Ada")
    assert "Join" in (await ada.group("/submit https://x.test")).plain_text()
    await ada.group("/join")
    posted = await ada.group("/submit https://github.com/ada/inventory")
    assert posted.visibility is Visibility.CHAT and "#1" in posted.plain_text()
    group_id, _, _ = await group_of(uow)
    async with uow() as work:
        submission = await work.projects.find(group_id, 1)
        assert await work.projects.find(group_id, 2) is None
    assert submission is not None
    assert (submission.author, submission.text) == ("Ada", "https://github.com/ada/inventory")
    assert "yours" in (await ada.group("/review 1 nice")).plain_text()
    assert "#9" in (await bob.group("/review 9 nice")).plain_text()
    review = await bob.group("/review 1 Clear README, add tests")
    assert "Bob" in review.plain_text() and "#1" in review.plain_text()
    again = await bob.group("/review #1 Even better now")
    assert "updated" in again.plain_text()
    async with uow() as work:
        week_ago = coach.clock.now() - timedelta(days=7)
        figures = await work.groups.week_figures(group_id, since_at=week_ago)
    assert (figures.submissions, figures.reviews) == (1, 1)


async def test_digest_quiz_close_and_report_go_through_the_outbox(
    coach: Coach,
    bob: Member,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
    database: MemoryDatabase,
) -> None:
    # Set up on Monday 08:00 UTC: the digest at 09:00, a quiz on Mon, Wed and Fri.
    ada = Member(coach, "1", "Ada")
    await ada.group("/join")
    await ada.group("/share mentions on")
    await ada.private("/done")

    clock.advance(timedelta(hours=1))
    await outreach.enqueue_due()
    assert owed(database, Audience.GROUP) == [
        ("group_close", MONDAY),
        ("group_digest", MONDAY),
        ("group_quiz", MONDAY),
    ]
    await decisions.drain()
    assert sorted(s.what for s in decisions.to(CHAT)) == ["digest", "quiz"]
    [posted_quiz] = decisions.of("quiz", CHAT)
    quiz = posted_quiz.reply.quiz
    assert quiz is not None and quiz.for_group and quiz.ref is not None
    await coach.quiz_posted(quiz.ref, "test", "poll-1", "msg-1")
    right = await coach.answer_quiz(ada.who, "test", "poll-1", [quiz.correct_option])
    assert isinstance(right, Reply) and right.visibility is Visibility.PASSING
    again = await coach.answer_quiz(ada.who, "test", "poll-1", [0])
    assert isinstance(again, Reply) and "already" in again.plain_text()
    stranger = LearnerRef("test", "99", "Eve")  # not a member: counted in the tally all the same
    await coach.answer_quiz(stranger, "test", "poll-1", [(quiz.correct_option + 1) % 3])

    # The quiz closes eight hours later, with its tally.
    clock.advance(timedelta(hours=8))
    await decisions.drain()
    [summary] = decisions.of("close", CHAT)
    assert summary.reply.closes == PollToClose("msg-1")
    assert "2 answered, 1 got it right" in summary.text
    late = await coach.answer_quiz(bob.who, "test", "poll-1", [0])
    assert isinstance(late, Reply) and "closed" in late.plain_text()

    # Tuesday's digest names what Ada did on Monday; Ada is not behind, so no mention.
    clock.advance(timedelta(days=1) - timedelta(hours=8))
    await decisions.tick()
    digest = decisions.of("digest", CHAT)[-1]
    assert digest.at == clock.now() and "Ada:" in digest.text
    assert not any(isinstance(b, Mentions) for b in digest.reply.blocks)

    # Saturday is the last study day: the report comes at 18:00.
    clock.set(clock.now().replace(day=21, hour=18, minute=0))
    await decisions.tick()
    [report] = decisions.of("report", CHAT)
    assert report.at == clock.now() and "in review" in report.text


async def test_removal_deactivates_and_drops_pending_posts(
    coach: Coach,
    bob: Member,
    clock: FrozenClock,
    outreach: Outreach,
    database: MemoryDatabase,
    uow: MemoryUnitOfWorkFactory,
) -> None:
    clock.advance(timedelta(hours=1))
    await outreach.enqueue_due()
    assert owed(database, Audience.GROUP)
    await coach.group_gone(CHAT)
    assert owed(database, Audience.GROUP) == []
    assert (await group_of(uow))[2] is False
    assert "not a study group" in (await Member(coach, "1", "Ada").group("/join")).plain_text()
    await Member(coach, "2", "Bob", admin=True).group("/group setup")
    assert (await group_of(uow))[2] is True


# -- a member's streak in the group is the one their /progress shows --------------


def progress_streak(progress: Reply) -> int:
    found = re.search(r"Streak: (\d+) days?\.", progress.plain_text())
    return int(found.group(1)) if found else 0


def board_streak(board: Reply, name: str) -> int:
    found = re.search(rf"{name}: .*?(\d+) day streak", board.plain_text())
    assert found is not None, board.plain_text()
    return int(found.group(1))


async def test_a_member_who_finished_the_track_keeps_their_streak_in_the_standings(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    coach = Coach(uow, clock, ShortTrack(), Defaults(track_id="short"))
    await Member(coach, "2", "Bob", admin=True).group("/group setup")
    ada = Member(coach, "1", "Ada")
    await ada.group("/join")
    for _ in range(3):  # the whole track, on Monday
        await ada.private("/done")
    clock.advance(timedelta(days=3))  # Thursday: a finished track owes nothing since
    assert progress_streak(await ada.private("/progress")) == 1
    assert board_streak(await ada.group("/leaderboard"), "Ada") == 1


async def test_a_member_west_of_the_group_has_the_streak_of_their_own_date(
    coach: Coach, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 16, 20, 0, tzinfo=UTC))  # Monday 10:00 in Honolulu
    await Member(coach, "2", "Bob", admin=True).group("/group setup")  # a group on UTC
    ada = Member(coach, "1", "Ada")
    await ada.group("/join")
    await ada.private("/settings tz Pacific/Honolulu")
    await ada.private("/done")
    await ada.private("/done")  # Monday's items; Tuesday's stays open
    # Tuesday 19:00 for Ada, whose Tuesday is not over; Wednesday already for the group.
    clock.set(datetime(2026, 11, 18, 5, 0, tzinfo=UTC))
    assert progress_streak(await ada.private("/progress")) == 1
    assert board_streak(await ada.group("/leaderboard"), "Ada") == 1


async def test_the_leaderboard_counts_this_week_this_month_or_everything(
    coach: Coach, bob: Member, clock: FrozenClock
) -> None:
    ada, cy = Member(coach, "1", "Ada"), Member(coach, "3", "Cy")
    for member in (ada, cy):
        await member.group("/join")
    # Monday 16 November: Ada ticks three items; a week later Cy ticks one.
    for _ in range(3):
        await ada.private("/done")
    clock.set(clock.now() + timedelta(weeks=1))
    await cy.private("/done")

    def done(board: Reply, name: str) -> int:
        line = next(line for line in board.plain_text().splitlines() if f"{name}:" in line)
        found = re.search(r"(\d+) done", line)
        return int(found.group(1)) if found else 0

    week = await cy.group("/leaderboard")
    assert (done(week, "Ada"), done(week, "Cy")) == (0, 1)
    month = await cy.group("/leaderboard month")
    assert (done(month, "Ada"), done(month, "Cy")) == (3, 1)
    assert {b.action for b in month.all_buttons} == {"leaderboard:week", "leaderboard:all"}
    clock.set(clock.now() + timedelta(weeks=2))  # into December: a new month
    month = await cy.group("/leaderboard month")
    assert (done(month, "Ada"), done(month, "Cy")) == (0, 0)
    ever = await cy.group("/leaderboard all")
    assert (done(ever, "Ada"), done(ever, "Cy")) == (3, 1)
    usage = await cy.group("/leaderboard yearly")
    assert "/leaderboard month" in usage.plain_text()


async def test_the_digest_shows_a_frozen_day_as_frozen_not_missed(
    coach: Coach, bob: Member, clock: FrozenClock, decisions: Decisions
) -> None:
    ada = Member(coach, "1", "Ada")
    await ada.group("/join")
    await ada.group("/share streak on")
    start = clock.now()  # Monday 08:00 UTC; the digest is posted at 09:00
    for day in range(10):
        clock.set(start + timedelta(days=day, hours=1))
        await decisions.tick()
        if day < 6:  # Monday to Saturday, a tick each study day: a freeze earned
            await ada.private("/done")
    digests = {s.at.date(): s.text for s in decisions.of("digest", CHAT)}
    tuesday, wednesday = ((start + timedelta(days=n)).date() for n in (8, 9))
    assert "freeze yesterday: Ada" in digests[tuesday]  # Monday went by untouched
    assert "freeze" not in digests[wednesday]  # Tuesday too, with no freeze left
