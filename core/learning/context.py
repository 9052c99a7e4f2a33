"""One command's view of a started learner, inside its unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from core.kernel.refs import LearnerRef
from core.kernel.schedule import next_nudge_at
from core.learning.activity import (
    Streak,
    covered_ahead,
    owes,
    streak_record,
    with_covered_ahead,
    with_rest_days,
)
from core.learning.library import TrackLibrary
from core.learning.model import Enrollment, Snapshot
from core.learning.plan import WeekPlan, plan_week
from core.learning.ports import LearningUnitOfWork
from core.learning.tracks import Track

U_co = TypeVar("U_co", bound=LearningUnitOfWork, covariant=True)
U = TypeVar("U", bound=LearningUnitOfWork)


@dataclass(frozen=True)
class Context(Generic[U_co]):
    uow: U_co
    who: LearnerRef
    snapshot: Snapshot
    enrollment: Enrollment
    track: Track
    now: datetime
    today: date  # the learner's local date

    @property
    def learner_id(self) -> int:
        return self.snapshot.learner_id

    def plan(self) -> WeekPlan:
        return current_plan(self.track, self.enrollment, self.snapshot.week_done)

    def plans_ahead(self) -> Iterator[WeekPlan]:
        """The weeks after the current one as the plan would spread them: each opens the
        day after the one before it ends (after today, if the current week is overdue)."""
        e, plan = self.enrollment, self.plan()
        week, ends_on = plan.week, max(plan.ends_on, self.today)
        while (following := self.track.week_after(week.id)) is not None:
            coming = plan_week(
                following,
                opened_on=ends_on + timedelta(days=1),
                pace=e.pace,
                study_days=e.study_days,
                done_on={},
            )
            yield coming
            week, ends_on = following, coming.ends_on

    def planned_finish(self) -> date:
        """The day the track ends as the plan now stands: the current week's end (today,
        if it is overdue), then each week after it in turn."""
        finish = max(self.plan().ends_on, self.today)
        for coming in self.plans_ahead():
            finish = coming.ends_on
        return finish

    def streak(self) -> int:
        return self.streak_record().days

    def streak_record(self) -> Streak:
        """The streak with its freezes: held, and the missed days they covered."""
        return learner_streak_record(
            self.track, self.enrollment, self.snapshot.week_done, self.today
        )

    def owes_today(self) -> bool:
        """Whether today owes work: if not, the streak passes it over, ticked or not."""
        e = self.enrollment
        return owes(
            self.today,
            paused=e.paused_days,
            paused_since=e.paused_since,
            study_days=e.study_days,
            finished_on=finished_on(self.track, self.plan()),
        )

    def mark_covered_ahead(self) -> None:
        """Records which days from today on owe nothing under the plan as it now stands;
        whatever changes the plan or the ticks calls it. A break moves the plan when it
        ends, so `/resume` marks them then."""
        e = self.enrollment
        today = self.now.astimezone(e.zone).date()  # a new time zone's, after /settings tz
        paused = e.paused_since is not None
        covered = [] if paused else covered_ahead(self.plan(), today, e.study_days)
        e.paused_days = with_covered_ahead(e.paused_days, today, covered)

    def replanned(self, study_days_before: frozenset[int]) -> None:
        """After a change of settings: the rest days that are over stay rest days, and the
        days from today on follow the new plan."""
        e = self.enrollment
        today = self.now.astimezone(e.zone).date()
        if e.study_days != study_days_before:
            e.paused_days = with_rest_days(e.paused_days, until=today, study_days=study_days_before)
        if e.paused_since is not None and today < e.paused_since:
            e.paused_since = today  # a move west during a break: the new today is on it too
        self.mark_covered_ahead()


def current_plan(track: Track, e: Enrollment, week_done: dict[str, date]) -> WeekPlan:
    """The learner's week as it stands; `week_done`: its items ticked, by id."""
    week = track.week(e.current_week_id) or track.first_week
    return plan_week(
        week,
        opened_on=e.week_opened_on,
        pace=e.pace,
        study_days=e.study_days,
        done_on=week_done,
        moved=e.moved,
    )


def finished_on(track: Track, plan: WeekPlan) -> date | None:
    """The day of a finished track's last tick, after which nothing is owed; None while
    the track runs."""
    if not plan.is_complete or track.week_after(plan.week.id) is not None:
        return None
    return max((p.done_on for p in plan.items if p.done_on is not None), default=None)


def learner_streak(track: Track, e: Enrollment, week_done: dict[str, date], today: date) -> int:
    """The learner's streak on `today`, their local date: the one figure every view of it
    (/today, /progress, the posts, a group's standings) shows."""
    return learner_streak_record(track, e, week_done, today).days


def learner_streak_record(
    track: Track, e: Enrollment, week_done: dict[str, date], today: date
) -> Streak:
    return streak_record(
        today,
        active=e.active_days,
        paused=e.paused_days,
        paused_since=e.paused_since,
        study_days=e.study_days,
        finished_on=finished_on(track, current_plan(track, e, week_done)),
    )


def reschedule(e: Enrollment, now: datetime) -> None:
    """Sets when the coach next writes first; a paused learner hears nothing."""
    if e.paused_since is not None:
        e.next_nudge_at = e.next_evening_at = None
        return
    e.next_nudge_at = next_nudge_at(now, zone=e.zone, at=e.nudge_time, study_days=e.study_days)
    e.next_evening_at = next_nudge_at(now, zone=e.zone, at=e.evening_time, study_days=e.study_days)


async def learner_context(
    uow: U, library: TrackLibrary, who: LearnerRef, snapshot: Snapshot, now: datetime
) -> Context[U] | None:
    """A started learner's view for a use case; None when they have no track, or their
    track is gone."""
    enrollment = snapshot.enrollment
    if enrollment is None:
        return None
    track = await library.load(uow.tracks, enrollment.track_id)
    if track is None:
        return None
    track = track.following(enrollment.picks)
    today = now.astimezone(enrollment.zone).date()
    return Context(uow, who, snapshot, enrollment, track, now, today)
