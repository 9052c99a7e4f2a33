"""Starting on a track: the first enrollment, with the defaults or a group's schedule; /start
TRACK from a learner already on one asks before they switch."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.kernel.commands import Start
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.kernel.schedule import DEFAULT_EVENING_TIME, next_nudge_at
from core.learning import views
from core.learning.library import Defaults, TrackLibrary
from core.learning.model import Enrollment, NewEnrollment, Snapshot, TrackRef
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
        pace = Pace.parse(command.pace) if command.pace else self._defaults.pace
        if pace is None:
            return views.unknown_pace(command.pace, started=False)
        if snapshot is not None and snapshot.enrollment is not None:
            return await self._enrolled(uow, snapshot.learner_id, snapshot.enrollment, command)
        learner_id = snapshot.learner_id if snapshot else None
        choices = await self._library.choosable(uow.tracks, learner_id)
        wanted = command.track.strip().lower() or self._defaults.track_id
        if wanted not in {t.id for t in choices}:
            return views.unknown_start_track(wanted, choices, on=None)
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
            pace=pace,
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

    async def _enrolled(
        self, uow: LearningUnitOfWork, learner_id: int, enrollment: Enrollment, command: Start
    ) -> Reply:
        """/start from a learner on a track: where they are, or the track they name once
        they confirm. The switch itself is /settings track's, behind the button."""
        current = await self._library.load(uow.tracks, enrollment.track_id)
        week = current.week(enrollment.current_week_id) if current else None
        if not command.track.strip():
            return views.welcome_back(week)
        target = await self._library.choose(uow.tracks, learner_id, command.track)
        if target is None:
            choices = await self._library.choosable(uow.tracks, learner_id)
            return views.unknown_start_track(
                command.track.strip().lower(), choices, on=enrollment.track_id
            )
        if current is not None and target.id == current.id:
            return views.already_on(current, week)
        been_there = await uow.enrollments.find(learner_id, target.id)
        resume_at = target.week(been_there.current_week_id) if been_there else None
        # Their track may be gone from the library; its id then stands in for its title.
        on = TrackRef(enrollment.track_id, current.title if current else enrollment.track_id)
        return views.confirm_switch(on, target, resume_at, Pace.parse(command.pace))
