"""The shared streak: days on which both buddies studied, in a row.

Each learner's days are their own local dates, as their own streak counts them: a date
is the same calendar date for both, whatever the hour is where each of them lives, so
Tokyo's Tuesday and New York's Tuesday are one day of the shared streak although they
are 13 or 14 hours apart (a DST change makes one of them 23 or 25 hours long, and it is
still one date). A date is settled once it is over for both (before the earlier of the
two todays); until then it counts if both studied on it and is passed over otherwise,
so neither sees the streak end because the other's day has not ended, or begun. Both
therefore see the same number at any instant.

A settled date counts when both studied on it, passes over when neither missed it (a
rest day, a break, a day covered by work done ahead: it owed nothing to whoever did not
study), and ends the streak when either owed work and did none. Freezes keep a learner's
own streak, not the pair's.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.learning.activity import owes
from core.learning.context import Context, finished_on
from core.learning.ports import LearningUnitOfWork


@dataclass(frozen=True)
class StudyDays:
    """One learner's side of the shared streak."""

    today: date  # their local date now
    studied: Container[date]  # local dates with work done
    owed: Callable[[date], bool]  # whether a local date owed work


def shared_streak(a: StudyDays, b: StudyDays, *, first: date) -> int:
    """Dates on which both studied, back from the later of the two todays to `first`
    (the pair's first day), skipping dates neither missed and stopping at one that
    either missed."""
    settled_before = min(a.today, b.today)
    streak = 0
    day = max(a.today, b.today)
    while day >= first:
        if day in a.studied and day in b.studied:
            streak += 1
        elif day < settled_before and (_missed(a, day) or _missed(b, day)):
            break
        day -= timedelta(days=1)
    return streak


def _missed(side: StudyDays, day: date) -> bool:
    return day not in side.studied and side.owed(day)


def study_days_of(ctx: Context[LearningUnitOfWork]) -> StudyDays:
    e = ctx.enrollment
    finished = finished_on(ctx.track, ctx.plan())

    def owed(day: date) -> bool:
        return owes(
            day,
            paused=e.paused_days,
            paused_since=e.paused_since,
            study_days=e.study_days,
            finished_on=finished,
        )

    return StudyDays(ctx.today, e.active_days, owed)


def first_shared_day(
    since: datetime, a: Context[LearningUnitOfWork], b: Context[LearningUnitOfWork]
) -> date:
    """The pair's first day: the date they were paired on, the earlier of the two local
    dates of that instant, so a day already begun for one of them counts."""
    return min(
        since.astimezone(a.enrollment.zone).date(), since.astimezone(b.enrollment.zone).date()
    )
