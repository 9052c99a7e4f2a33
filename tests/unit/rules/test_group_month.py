"""A study group's monthly report: owed on the month's last day at the group's report time in
its own zone, composed when it goes from the month's standings and what members share."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from core.app.coach import Coach
from core.groups import views
from core.groups.calendar import month_end
from core.groups.model import GroupWeekFigures
from core.groups.standings import MonthSummary, weeks_opening
from core.kernel.clock import FrozenClock
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Reply, Visibility
from core.learning.tracks import BuiltinCatalog
from core.outreach.model import Audience
from core.outreach.service import Outreach
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions, Sent, finished, owed

CHAT = ChatRef("test", "-100", "Backend cohort")
# Monday 26 October 2026, 08:00 UTC: a group set up the week before November.
OCTOBER_SETUP = datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
NOVEMBER_REPORT = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # the default 18:00, on UTC
QUIET_MONTH = MonthSummary(
    first_day=date(2026, 11, 1),
    members=1,
    new_members=(),
    first_month=False,
    active=0,
    done=0,
    hours=0.0,
    weeks_completed=0,
    top=(),
    best_streak=0,
    best_streak_names=(),
)


class Member:
    def __init__(self, coach: Coach, external_id: str, name: str, *, admin: bool = False) -> None:
        self.coach = coach
        self.who = LearnerRef("test", external_id, name)
        self.admin = admin

    async def group(self, text: str) -> str:
        async def is_admin() -> bool:
            return self.admin

        outcome = await self.coach.handle(self.who, text, chat=ChatContext(CHAT, is_admin))
        assert isinstance(outcome, Reply), outcome
        return outcome.plain_text()

    async def private(self, text: str) -> str:
        outcome = await self.coach.handle(self.who, text)
        assert isinstance(outcome, Reply), outcome
        return outcome.plain_text()

    async def done(self, times: int = 1) -> None:
        for _ in range(times):
            said = await self.private("/done")
            assert ": done." in said or "complete!" in said, said


@dataclass
class Scheduler:
    """The tick and the sender, run hour by hour; each group quiz posted gets a poll id
    (poll-1, poll-2…) as a platform gives it."""

    coach: Coach
    decisions: Decisions

    @property
    def clock(self) -> FrozenClock:
        return self.decisions.clock

    async def run_until(self, end: datetime) -> None:
        while self.clock.now() <= end:
            before = len(self.decisions.sent)
            await self.decisions.tick()
            for sent in self.decisions.sent[before:]:
                quiz = sent.reply.quiz
                if sent.to == CHAT and quiz is not None and quiz.ref is not None:
                    n = len(self.decisions.of("quiz", CHAT))
                    await self.coach.quiz_posted(quiz.ref, "test", f"poll-{n}", f"msg-{n}")
            self.clock.advance(timedelta(hours=1))

    async def answer_last_quiz(self, member: Member, *, right: bool) -> None:
        quiz = self.decisions.of("quiz", CHAT)[-1].reply.quiz
        assert quiz is not None
        n = len(self.decisions.of("quiz", CHAT))
        chosen = quiz.correct_option if right else (quiz.correct_option + 1) % len(quiz.options)
        await self.coach.answer_quiz(member.who, "test", f"poll-{n}", [chosen])

    def months(self) -> list[Sent]:
        return self.decisions.of("month", CHAT)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(OCTOBER_SETUP)


@pytest.fixture
def scheduler(coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Scheduler:
    return Scheduler(coach, Decisions(clock, Outreach(coach, uow, clock)))


@pytest.fixture
async def bob(coach: Coach) -> Member:
    """The admin, who made the chat a study group (and is its first member)."""
    admin = Member(coach, "2", "Bob", admin=True)
    assert "now a study group" in await admin.group("/group setup")
    return admin


def number_in(text: str, pattern: str) -> float:
    found = re.search(pattern, text)
    assert found is not None, (pattern, text)
    return float(found.group(1))


def line_with(text: str, words: str) -> str:
    return next(line for line in text.splitlines() if words in line)


def ranked(board: str) -> list[str]:
    """The names on a leaderboard, in order."""
    return [line.split(": ")[0] for line in board.splitlines() if line[:1].isdigit()]


async def test_the_month_in_review_counts_what_members_share_and_ranks_as_the_month_board(
    coach: Coach, bob: Member, scheduler: Scheduler, database: MemoryDatabase
) -> None:
    ada, cy, di = Member(coach, "1", "Ada"), Member(coach, "3", "Cy"), Member(coach, "4", "Di")
    assert "Welcome, Ada" in await ada.group("/join")
    scheduler.clock.set(datetime(2026, 10, 27, 10, 0, tzinfo=UTC))
    await ada.done(2)  # October's: not November's
    await ada.private("/log 5")

    await scheduler.run_until(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))  # Monday, a quiz day
    await cy.group("/join")
    await scheduler.answer_last_quiz(ada, right=True)
    await scheduler.answer_last_quiz(cy, right=False)
    await di.group("/join")
    await di.group("/share done off")  # Di's items and hours stay Di's
    await ada.group("/share streak off")
    await ada.done(3)
    await ada.private("/log 2.5")
    await di.done(2)
    await di.private("/log 4")
    await cy.done(7)  # all of week 1: a track week completed
    await cy.private("/log 1")

    # Cy studies the month's last days on end.
    for day in (25, 26, 27, 28, 30):
        await scheduler.run_until(datetime(2026, 11, day, 10, 0, tzinfo=UTC))
        await cy.done()
    await scheduler.run_until(NOVEMBER_REPORT - timedelta(minutes=1))
    # Set up in October's last week, the group had October's report on Saturday the 31st.
    [october] = scheduler.months()
    assert october.at == datetime(2026, 10, 31, 18, 0, tzinfo=UTC)
    assert "October 2026 in review" in october.text and "first month" in october.text
    assert number_in(october.text, r"(\d+) items? done") == 2
    assert number_in(october.text, r"([\d.]+) hours? logged") == 5
    # Saturday 31 October ended a week and a month: both reports came that evening.
    assert october.at in [s.at for s in scheduler.decisions.of("report", CHAT)]
    board = await di.group("/leaderboard month")
    await scheduler.run_until(NOVEMBER_REPORT)

    october, report = scheduler.months()
    text = report.text
    assert report.at == NOVEMBER_REPORT and report.reply.visibility is Visibility.CHAT
    assert "November 2026 in review" in text
    # The leaders in the order of /leaderboard month; Di keeps items private, Bob did none.
    assert ranked(board)[:2] == ["1. Cy", "2. Ada"]
    top = line_with(text, "Top of the month")
    assert re.findall(r"(\d)\. (\w+) \((\d+)\)", top) == [("1", "Cy", "12"), ("2", "Ada", "3")]
    # Together: Cy's 12 and Ada's 3 of November; 2.5 and 1 hours; Cy's week 1.
    together = line_with(text, "Together")
    assert number_in(together, r"(\d+) items? done") == 15
    assert number_in(together, r"([\d.]+) hours? logged") == 3.5
    assert number_in(together, r"(\d+) track weeks? completed") == 1
    assert number_in(text, r"(\d+) members? ticked something off") == 2
    assert "Di" not in top and "Di" not in together
    # New in November: Cy and Di, of four members.
    assert number_in(text, r"(\d+) members?;") == 4
    assert re.search(r"new this month: Cy and Di\b", text)
    # The longest streak shared: Cy's, as the board shows it; Ada keeps hers private.
    streak = line_with(text, "Longest streak")
    cy_on_board = line_with(board, "Cy:")
    assert "Cy" in streak and "Ada" not in streak
    assert number_in(streak, r"(\d+) days?") == number_in(cy_on_board, r"(\d+) day streak")
    # The group quizzes of November (Mon, Wed, Fri): the two answers of 2 November.
    quizzes_in_november = [s for s in scheduler.decisions.of("quiz", CHAT) if s.at.month == 11]
    quiz_line = line_with(text, "Group quizzes")
    assert number_in(quiz_line, r"Group quizzes: (\d+)") == len(quizzes_in_november) == 13
    assert number_in(quiz_line, r"(\d+) answers?") == 2
    assert number_in(quiz_line, r"(\d+) right") == 1
    # Set up in the week of 26 October, the group opens weeks 7 to 10 on December's Mondays.
    assert re.search(r"In December the group opens weeks 7–10\b", text)
    assert re.search(r"In November the group opens weeks 2–6\b", october.text)

    # Ticked again at the same moment, nothing more is owed; the next day, no other.
    await scheduler.decisions.outreach.enqueue_due()
    await scheduler.run_until(datetime(2026, 12, 2, 0, 0, tzinfo=UTC))
    assert len(scheduler.months()) == 2
    assert [row for row in finished(database) if row[0] == "group_month"] == [
        ("group_month", date(2026, 10, 31), "sent", "month"),
        ("group_month", date(2026, 11, 30), "sent", "month"),
    ]


@pytest.mark.parametrize(
    ("zone", "report_time", "due"),
    [
        # 18:00 on Monday 30 November in Los Angeles is already 1 December in UTC.
        ("America/Los_Angeles", "18:00", datetime(2026, 12, 1, 2, 0, tzinfo=UTC)),
        # 18:00 in Auckland (UTC+13 in summer) is the morning of the 30th in UTC…
        ("Pacific/Auckland", "18:00", datetime(2026, 11, 30, 5, 0, tzinfo=UTC)),
        # …and 09:00 there still the 29th.
        ("Pacific/Auckland", "09:00", datetime(2026, 11, 29, 20, 0, tzinfo=UTC)),
    ],
)
async def test_a_quiet_month_gets_a_short_kind_report_on_its_last_day_in_the_groups_zone(
    coach: Coach, scheduler: Scheduler, zone: str, report_time: str, due: datetime
) -> None:
    scheduler.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # set up on the 23rd
    bob = Member(coach, "2", "Bob", admin=True)
    await bob.group("/group setup")
    await bob.group(f"/group tz {zone}")
    await bob.group(f"/group report {report_time}")
    await Member(coach, "1", "Ada").group("/join")
    await scheduler.run_until(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))

    [month] = scheduler.months()
    assert month.at == due
    assert "November 2026 in review" in month.text
    assert "first month: 2 members" in month.text
    assert "fresh start" in month.text
    assert "Top of the month" not in month.text and "Together" not in month.text
    assert "In December the group opens weeks 3–6" in month.text


async def test_a_month_ending_on_a_rest_day_still_gets_its_report_and_no_weekly_one(
    coach: Coach, scheduler: Scheduler
) -> None:
    scheduler.clock.set(datetime(2027, 1, 25, 8, 0, tzinfo=UTC))  # Monday 25 January 2027
    bob = Member(coach, "2", "Bob", admin=True)
    await bob.group("/group setup")
    await bob.group("/group days mon-fri")
    await bob.done(2)
    await scheduler.run_until(datetime(2027, 2, 1, 12, 0, tzinfo=UTC))

    [month] = scheduler.months()
    assert month.at == datetime(2027, 1, 31, 18, 0, tzinfo=UTC)  # a Sunday
    assert "January 2027 in review" in month.text
    assert number_in(month.text, r"(\d+) items? done") == 2
    weekly = [s.at for s in scheduler.decisions.of("report", CHAT)]
    assert weekly == [datetime(2027, 1, 29, 18, 0, tzinfo=UTC)]  # Friday's


async def test_a_report_meant_for_the_last_day_is_dropped_the_next(
    bob: Member, scheduler: Scheduler, database: MemoryDatabase
) -> None:
    await scheduler.run_until(NOVEMBER_REPORT - timedelta(hours=1))
    scheduler.clock.set(NOVEMBER_REPORT)
    await scheduler.decisions.outreach.enqueue_due()
    assert ("group_month", date(2026, 11, 30)) in owed(database, Audience.GROUP)
    scheduler.clock.set(datetime(2026, 12, 1, 0, 5, tzinfo=UTC))  # the sender was away
    await scheduler.decisions.drain()
    assert [s for s in scheduler.months() if "November 2026 in review" in s.text] == []
    assert ("group_month", date(2026, 11, 30), "dropped", "out of date: meant for 2026-11-30") in (
        finished(database)
    )


async def test_a_group_switched_off_gets_no_report(
    bob: Member, scheduler: Scheduler, database: MemoryDatabase
) -> None:
    await scheduler.run_until(NOVEMBER_REPORT - timedelta(hours=1))
    scheduler.clock.set(NOVEMBER_REPORT)
    await scheduler.decisions.outreach.enqueue_due()
    assert "The study group is off" in await bob.group("/group off")
    await scheduler.run_until(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert [s for s in scheduler.months() if "November 2026 in review" in s.text] == []
    assert owed(database, Audience.GROUP) == []


def test_the_coming_month_names_the_weeks_it_opens_until_the_track_is_through() -> None:
    track = BuiltinCatalog().get("python-backend")
    assert track is not None and len(track.weeks) == 24
    started = date(2026, 11, 2)  # week 1 that Monday, one more each Monday after
    numbers = [
        [w.number for w in weeks_opening(track, started, first, month_end(first))]
        for first in (date(2026, 12, 1), date(2027, 3, 1), date(2027, 4, 1), date(2027, 5, 1))
    ]
    # December's Mondays open weeks 6–9; the last week opens on 12 April; then none.
    assert numbers == [[6, 7, 8, 9], [18, 19, 20, 21, 22], [23, 24], []]
    through = views.monthly_report(
        replace(QUIET_MONTH, first_day=date(2027, 4, 1)),
        GroupWeekFigures(0, 0, 0, 0, 0),
        track,
        [],
        date(2027, 5, 1),
    ).plain_text()
    assert "April 2027 in review" in through and "track is through" in through
