"""One command's view of a started learner, inside its unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from core.kernel.refs import LearnerRef
from core.kernel.schedule import next_nudge_at
from core.learning.activity import covered_ahead, streak, with_covered_ahead, with_rest_days
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
        week = self.track.week(self.enrollment.current_week_id) or self.track.first_week
        return plan_week(
            week,
            opened_on=self.enrollment.week_opened_on,
            pace=self.enrollment.pace,
            study_days=self.enrollment.study_days,
            done_on=self.snapshot.week_done,
        )

    def streak(self) -> int:
        e = self.enrollment
        plan = self.plan()
        finished = plan.is_complete and self.track.week_after(plan.week.id) is None
        return streak(
            self.today,
            active=e.active_days,
            paused=e.paused_days,
            paused_since=e.paused_since,
            study_days=e.study_days,
            # A finished track owes nothing after its last tick.
            finished_on=max(self.snapshot.week_done.values(), default=None) if finished else None,
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
    today = now.astimezone(enrollment.zone).date()
    return Context(uow, who, snapshot, enrollment, track, now, today)
