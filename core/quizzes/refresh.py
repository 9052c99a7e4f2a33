"""A short refresh for a finished week that is fading, planned into the coming days.

A finished week whose mean recall (from its review cards) falls below REFRESH_BELOW gets
its most faded topics brought forward to one of the next few study days: a quiz day if
there is one, the one with the fewest items planned otherwise. The cards fall due there,
so that day's quiz asks them first (a topic already due waits for that day too), and the
morning plans say so. Once reviewed, those
topics are fresh again; a week still fading takes its next weakest topics next time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.kernel.schedule import is_study_day
from core.learning.calendar import coming_days
from core.learning.context import Context
from core.learning.model import Enrollment
from core.learning.tracks import Week
from core.quizzes.ports import QuizUnitOfWork
from core.quizzes.quizmaster import QuizMaster, self_check_item
from core.quizzes.review import recall_at

REFRESH_BELOW = 0.7  # a finished week's mean recall under which it is refreshed
REFRESH_TOPICS = 3  # topics in one refresh: a few minutes, not a second lesson
REFRESH_WITHIN = 3  # study days ahead a refresh is planned into


@dataclass(frozen=True)
class Refresh:
    week: Week
    recall: float  # the week's mean recall when the refresh was planned
    topics: tuple[str, ...]
    on: date  # the learner's local day it is due


def _fading_week(
    quizzes: QuizMaster, ctx: Context[QuizUnitOfWork], cards: dict[str, str]
) -> tuple[Week, float] | None:
    current = ctx.plan().week.number
    by_week = quizzes.recall_by_week(ctx.track, cards, ctx.now)
    fading = [
        (recall, n) for n, recall in by_week.items() if n < current and recall < REFRESH_BELOW
    ]
    if not fading:
        return None
    recall, number = min(fading)
    return ctx.track.weeks[number - 1], recall


def _topic(quizzes: QuizMaster, ctx: Context[QuizUnitOfWork], subject: str) -> str:
    question = quizzes.questions.get(subject)
    if question is not None:
        return question.topic
    item = self_check_item(ctx.track, subject)
    return item.title if item else subject


def _local(at: datetime, e: Enrollment) -> date:
    return at.astimezone(e.zone).date()


def _refresh_day(ctx: Context[QuizUnitOfWork]) -> date:
    """The next few study days after today: a quiz day first, then the lightest."""
    e = ctx.enrollment
    load = {day: len(items) for day, items in coming_days(ctx).items()}
    days: list[date] = []
    day = ctx.today
    while len(days) < REFRESH_WITHIN:
        day += timedelta(days=1)
        if is_study_day(day, e.study_days):
            days.append(day)
    return min(days, key=lambda d: (d.weekday() not in e.quiz_days, load.get(d, 0), d))


async def plan_refresh(quizzes: QuizMaster, ctx: Context[QuizUnitOfWork]) -> Refresh | None:
    """The refresh of the most faded finished week, planned now if it is not yet; None
    when every finished week is remembered well enough."""
    cards = await ctx.uow.reviews.cards(ctx.learner_id)
    found = _fading_week(quizzes, ctx, cards)
    if found is None:
        return None
    week, recall = found
    e = ctx.enrollment
    due = await ctx.uow.reviews.due(ctx.learner_id)
    of_week = [s for s in cards if quizzes.week_of(ctx.track, s) == week.number]
    last = ctx.today + timedelta(days=7)
    coming = sorted((day, s) for s in of_week if ctx.today <= (day := _local(due[s], e)) <= last)
    if coming:  # planned already: the topics due on the first such day
        on = coming[0][0]
        subjects = [s for day, s in coming if day == on][:REFRESH_TOPICS]
    else:
        subjects = sorted(of_week, key=lambda s: recall_at(cards[s], ctx.now))[:REFRESH_TOPICS]
        on = _refresh_day(ctx)
        at = datetime.combine(on, e.nudge_time, tzinfo=e.zone)
        await ctx.uow.reviews.reschedule(ctx.learner_id, subjects, at)
    topics = tuple(_topic(quizzes, ctx, s) for s in subjects)
    return Refresh(week, recall, topics, on)
