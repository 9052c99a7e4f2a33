"""Starting on a track: the first enrollment, with the defaults or a group's schedule."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.kernel.commands import Start
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.kernel.schedule import DEFAULT_EVENING_TIME, next_nudge_at
from core.learning import views
from core.learning.library import Defaults, TrackLibrary
from core.learning.model import NewEnrollment, Snapshot
from core.learning.pace import Pace
from core.learning.plan import plan_week
from core.learning.ports import LearningUnitOfWork
from core.learning.tracks import Track


def new_enrollment(
    track: Track,
    now: datetime,
    *,
    timezone: str,
    study_days: frozenset[int],
    nudge_time: time,
    pace: Pace,
) -> NewEnrollment:
    """Week 1 of `track` from today, with the first nudges scheduled."""
    zone = ZoneInfo(timezone)
    return NewEnrollment(
        track_id=track.id,
        started_on=now.astimezone(zone).date(),
        pace=pace,
        timezone=timezone,
        study_days=study_days,
        nudge_time=nudge_time,
        current_week_id=track.first_week.id,
        next_nudge_at=next_nudge_at(now, zone=zone, at=nudge_time, study_days=study_days),
        next_evening_at=next_nudge_at(
            now, zone=zone, at=DEFAULT_EVENING_TIME, study_days=study_days
        ),
    )


class Onboarding:
    def __init__(self, library: TrackLibrary, defaults: Defaults) -> None:
        self._library = library
        self._defaults = defaults

    async def start(
        self,
        uow: LearningUnitOfWork,
        who: LearnerRef,
        snapshot: Snapshot | None,
        command: Start,
        now: datetime,
    ) -> Reply:
        if snapshot is not None and snapshot.enrollment is not None:
            track = await self._library.load(uow.tracks, snapshot.enrollment.track_id)
            week = track.week(snapshot.enrollment.current_week_id) if track else None
            return views.welcome_back(week)
        learner_id = snapshot.learner_id if snapshot else None
        choices = await self._library.choosable(uow.tracks, learner_id)
        wanted = command.track.strip().lower() or self._defaults.track_id
        if wanted not in {t.id for t in choices}:
            return views.unknown_track(wanted, choices)
        track = await self._library.load(uow.tracks, wanted)
        if track is None:
            raise LookupError(f"track {wanted!r} is listed but cannot be loaded")
        d = self._defaults
        enrollment = new_enrollment(
            track,
            now,
            timezone=d.timezone,
            study_days=d.study_days,
            nudge_time=d.nudge_time,
            pace=d.pace,
        )
        if snapshot is None:
            snapshot = await uow.learners.create(who, enrollment, at=now)
        else:
            snapshot.enrollment = await uow.enrollments.create(
                snapshot.learner_id, enrollment, at=now
            )
        started = snapshot.enrollment
        assert started is not None
        plan = plan_week(
            track.first_week,
            opened_on=started.week_opened_on,
            pace=started.pace,
            study_days=started.study_days,
            done_on={},
        )
        return views.welcome(track, plan, started, choices)
