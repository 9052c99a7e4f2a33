"""A finished week that is fading gets a short refresh planned into the coming days: its
most faded cards fall due on a quiz day, or the lightest study day, and the morning plans
say so. On an injected clock, in the learner's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.reply import Reply
from core.learning.context import learner_context
from core.outreach.service import Outreach
from core.quizzes.refresh import REFRESH_TOPICS, Refresh, plan_refresh
from core.quizzes.review import Recall, review
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions
from tests.unit.rules.support import enrollment

MONDAY = datetime(2026, 11, 16, 8, tzinfo=UTC)


async def learned_week_one(coach: Coach, uow: MemoryUnitOfWorkFactory, ada: Learner) -> list[str]:
    """Ada finishes week 1 on Monday and answers each of its questions right that day."""
    await ada.say("/start")
    for _ in range(7):
        await ada.say("/done")
    subjects = [q.id for q in coach.quizzes.questions.for_weeks(["w01"])]
    assert len(subjects) > REFRESH_TOPICS
    e = await enrollment(uow, ada.ref)
    async with uow() as work:
        for subject in subjects:
            card, due = review(None, Recall.GOOD, MONDAY, study_days=e.study_days)
            await work.reviews.save(e.learner_id, subject, card=card, due=due, lapsed=False)
        await work.commit()
    return subjects


async def refreshed(coach: Coach, uow: MemoryUnitOfWorkFactory, ada: Learner) -> Refresh | None:
    async with uow() as work:
        snapshot = await work.learners.load(ada.ref)
        assert snapshot is not None
        ctx = await learner_context(work, coach.library, ada.ref, snapshot, coach.clock.now())
        assert ctx is not None
        found = await plan_refresh(coach.quizzes, ctx)
        await work.commit()
    return found


async def due_dates(uow: MemoryUnitOfWorkFactory, ada: Learner) -> dict[str, datetime]:
    e = await enrollment(uow, ada.ref)
    async with uow() as work:
        return await work.reviews.due(e.learner_id)


async def test_a_fresh_week_needs_no_refresh_and_a_faded_one_is_planned_on_a_quiz_day(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    clock.set(MONDAY)
    subjects = await learned_week_one(coach, uow, ada)
    clock.set(MONDAY + timedelta(days=1))
    assert await refreshed(coach, uow, ada) is None
    before = await due_dates(uow, ada)

    clock.set(datetime(2027, 1, 25, 8, tzinfo=UTC))  # ten weeks on, a Monday
    found = await refreshed(coach, uow, ada)
    assert found is not None and found.week.number == 1 and found.recall < 0.7
    assert len(found.topics) == REFRESH_TOPICS
    # Tue, Wed, Thu are the next study days; Wednesday is the quiz day among them.
    assert found.on == date(2027, 1, 27)
    after = await due_dates(uow, ada)
    moved = [s for s in subjects if after[s] != before[s]]
    assert len(moved) == REFRESH_TOPICS
    assert {after[s] for s in moved} == {datetime(2027, 1, 27, 9, tzinfo=UTC)}  # nudge time
    # Asked again before then, the refresh stands as planned.
    clock.advance(timedelta(days=1))
    again = await refreshed(coach, uow, ada)
    assert again is not None and again.on == found.on
    assert await due_dates(uow, ada) == after
    # On the day, the quiz asks the fading week before the current one's new questions.
    clock.set(datetime(2027, 1, 27, 9, 30, tzinfo=UTC))
    await ada.say("/quiz")
    assert isinstance(ada.last, Reply) and ada.last.quiz is not None
    week_one = {coach.quizzes.questions.get(s).question for s in subjects}  # type: ignore[union-attr]
    assert ada.last.quiz.question in week_one


async def test_the_morning_plans_announce_the_refresh_then_offer_it_on_the_day(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    clock.set(MONDAY)
    await learned_week_one(coach, uow, ada)
    await ada.say("/settings tz America/New_York")  # 09:00 there is 14:00 UTC in winter
    decisions = Decisions(clock, Outreach(coach, uow, clock))
    clock.set(datetime(2027, 1, 25, 13, 0, tzinfo=UTC))
    await decisions.run_until(datetime(2027, 1, 27, 15, 0, tzinfo=UTC), step_minutes=30)
    plans = decisions.of("plan")
    assert len(plans) == 3
    assert "is fading" in plans[0].text and "Wed 27 Jan" in plans[0].text
    assert "Refresh today" in plans[2].text
    assert any(b.action == "quiz" for b in plans[2].reply.all_buttons)


async def test_a_refresh_falls_due_at_the_nudge_time_across_the_spring_clock_change(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    clock.set(MONDAY)
    subjects = await learned_week_one(coach, uow, ada)
    await ada.say("/settings tz America/New_York")
    # Friday 12 March 2027, 10:00 in New York (EST); the clocks go forward on Sunday 14th.
    clock.set(datetime(2027, 3, 12, 15, tzinfo=UTC))
    found = await refreshed(coach, uow, ada)
    assert found is not None
    # Sat 13, Mon 15, Tue 16 are the next study days; Monday is the quiz day among them.
    assert found.on == date(2027, 3, 15)
    due = await due_dates(uow, ada)
    refreshed_at = {due[s] for s in subjects if due[s].date() == date(2027, 3, 15)}
    assert refreshed_at == {datetime(2027, 3, 15, 13, tzinfo=UTC)}  # 09:00 EDT
