"""A learner's settings, switching tracks, and pausing."""

from __future__ import annotations

from datetime import time, timedelta

from core.kernel.commands import Pause, Settings
from core.kernel.reply import Button, Reply
from core.kernel.schedule import QuietHours
from core.kernel.settings_input import (
    Setting,
    SettingsInputError,
    parse_quiet_hours,
    parse_quiz_days,
    parse_study_days,
    parse_time,
    parse_timezone,
    setting_named,
)
from core.learning import views
from core.learning.context import Context, reschedule
from core.learning.library import TrackLibrary
from core.learning.model import Enrollment, NewEnrollment
from core.learning.pace import Pace
from core.learning.ports import LearningUnitOfWork

LearningContext = Context[LearningUnitOfWork]


def _quiet_note(quiet: QuietHours | None, what: str, at: time) -> str:
    """What quiet hours do to one of the day's messages they cover; empty if they miss it."""
    if quiet is None or not quiet.covers(at):
        return ""
    if quiet.start < quiet.end or at < quiet.end:
        return f" Quiet hours cover your {what} at {at:%H:%M}, so it will wait until {quiet.end:%H:%M}."
    # Held past midnight it would arrive on another day, so the outbox drops it.
    return (
        f" Quiet hours cover your {what} at {at:%H:%M} and last into the next day, "
        "so it will not come at all."
    )


def _change_day(e: Enrollment, setting: Setting, value: str) -> str:
    """The day's two messages and quiet hours: the evening check-in asks how the day went,
    so it must come after the plan; quiet hours over either are accepted, and said."""
    match setting:
        case Setting.TIME:
            at = parse_time(value)
            if e.evening_time <= at:
                raise SettingsInputError(
                    f"Your daily plan has to come before your evening check-in at "
                    f"{e.evening_time:%H:%M}. Set a later check-in first with /settings evening, "
                    "then the plan."
                )
            e.nudge_time = at
            return f"Daily nudge set to {at:%H:%M} ({e.timezone})." + _quiet_note(
                e.quiet_hours, "daily plan", at
            )
        case Setting.EVENING:
            at = parse_time(value)
            if at <= e.nudge_time:
                raise SettingsInputError(
                    f"Your evening check-in asks how the day went, so it has to come after your "
                    f"daily plan at {e.nudge_time:%H:%M}."
                )
            e.evening_time = at
            return f"Evening check-in set to {at:%H:%M} ({e.timezone})." + _quiet_note(
                e.quiet_hours, "evening check-in", at
            )
    e.quiet_hours = quiet = parse_quiet_hours(value)
    if quiet is None:
        return "Quiet hours are off."
    return (
        f"Quiet hours set to {quiet} ({e.timezone}): nothing arrives then."
        + _quiet_note(quiet, "daily plan", e.nudge_time)
        + _quiet_note(quiet, "evening check-in", e.evening_time)
    )


def _change(e: Enrollment, setting: Setting, value: str) -> str:
    """Applies one setting; returns what changed, in words. Raises SettingsInputError."""
    match setting:
        case Setting.TIMEZONE:
            e.timezone = parse_timezone(value)
            return f"Time zone set to {e.timezone}."
        case Setting.TIME | Setting.EVENING | Setting.QUIET:
            return _change_day(e, setting, value)
        case Setting.DAYS:
            e.study_days = parse_study_days(value)
            return f"Study days set to {views.days_text(e.study_days)}."
        case Setting.QUIZ:
            e.quiz_days = parse_quiz_days(value)
            if not e.quiz_days:
                return "Scheduled quiz questions are off; /quiz still asks one."
            return f"Quiz questions on {views.days_text(e.quiz_days)}, at your daily plan time."
        case Setting.PACE:
            pace = Pace.parse(value)
            if pace is None:
                unknown = f"“{value[:30]}” is not a pace. " if value else ""
                raise SettingsInputError(f"{unknown}Choose part-time, standard or accelerated.")
            e.pace = pace
            return f"Pace set to {pace.profile.label.lower()} ({pace.profile.hours_text})."
    raise AssertionError(f"{setting} is not a learner's setting")


LEARNER_SETTINGS = frozenset(Setting) - {Setting.REPORT, Setting.TRACK}


class LearnerSettings:
    def __init__(self, library: TrackLibrary) -> None:
        self._library = library

    async def settings(self, ctx: LearningContext, command: Settings) -> Reply:
        if not command.key:
            choices = await self._library.choosable(ctx.uow.tracks, ctx.learner_id)
            return views.settings(ctx.enrollment, ctx.track, choices)
        setting = setting_named(command.key)
        if setting is Setting.TRACK:
            return await self._switch_track(ctx, command.value)
        if setting not in LEARNER_SETTINGS:
            return views.settings_usage(command.key.lower())
        e = ctx.enrollment
        study_days = e.study_days
        try:
            summary = _change(e, setting, command.value.strip())
        except SettingsInputError as problem:
            take = tuple(
                (Button(value, Settings(setting.value, value).as_action()),)
                for value in problem.suggestions
            )
            return Reply.text(str(problem), "Nothing was changed.", buttons=take)
        ctx.replanned(study_days)
        reschedule(e, ctx.now)
        await ctx.uow.enrollments.save(e)
        return Reply.text(summary, "See all settings with /settings.")

    async def _switch_track(self, ctx: LearningContext, value: str) -> Reply:
        # "TRACK PACE": an imported roadmap's preview switches at the pace pressed.
        track_id, _, pace_text = value.strip().partition(" ")
        pace = Pace.parse(pace_text) if pace_text.strip() else None
        if pace_text.strip() and pace is None:
            return views.unknown_pace(pace_text, started=True)
        track = await self._library.choose(ctx.uow.tracks, ctx.learner_id, track_id)
        if track is None:
            choices = await self._library.choosable(ctx.uow.tracks, ctx.learner_id)
            if not track_id.strip():
                return views.track_choices(ctx.track, choices)
            return views.unknown_track(track_id, choices)
        if track.id == ctx.track.id and (pace is None or pace is ctx.enrollment.pace):
            return Reply.text(f"You are already on {track.title}.")
        if track.id == ctx.track.id:
            return await self.settings(ctx, Settings("pace", pace.value if pace else ""))
        enrollments = ctx.uow.enrollments
        current = ctx.enrollment
        target = await enrollments.find(ctx.learner_id, track.id)
        if target is None:
            target = await enrollments.create(
                ctx.learner_id,
                NewEnrollment(
                    track_id=track.id,
                    started_on=ctx.today,
                    pace=pace or current.pace,
                    timezone=current.timezone,
                    study_days=current.study_days,
                    nudge_time=current.nudge_time,
                    current_week_id=track.first_week.id,
                    next_nudge_at=None,
                    evening_time=current.evening_time,
                    quiz_days=current.quiz_days,
                    quiet_hours=current.quiet_hours,
                ),
                at=ctx.now,
            )
        elif pace is not None:
            target.pace = pace
        await enrollments.activate(ctx.learner_id, target.id)
        # The nudges follow the learner to the track they picked.
        reschedule(target, ctx.now)
        await enrollments.save(target)
        week = track.week(target.current_week_id) or track.first_week
        at_pace = f" at a {target.pace.profile.label.lower()} pace" if pace else ""
        return Reply.text(
            f"Switched to {track.title}{at_pace}: week {week.number}, {week.title}.",
            f"Your progress on {ctx.track.title} is kept; switch back any time.",
        )


async def pause(ctx: LearningContext, command: Pause | None = None) -> Reply:
    e = ctx.enrollment
    if e.paused_since is not None:
        return views.paused(e.paused_since)
    if command is not None and command.unread:
        return views.pause_has_no_length(command.unread)
    e.paused_since = ctx.today
    reschedule(e, ctx.now)
    await ctx.uow.enrollments.save(e)
    return Reply.text(
        "Paused. No nudges, and your streak is safe while you are away.",
        "Send /resume when you are ready; your week picks up where you left it.",
    )


async def resume(ctx: LearningContext) -> Reply:
    e = ctx.enrollment
    if e.paused_since is None:
        return Reply.text("You are not paused. /today shows what is next.")
    away = (ctx.today - e.paused_since).days
    days_away = (e.paused_since + timedelta(days=n) for n in range(away))
    # A break begun before the history (a move west on the first day) is kept from its start.
    e.paused_days = e.paused_days.with_days(d for d in days_away if d >= e.paused_days.origin)
    # The plan shifts by the days away, so the break leaves nothing overdue.
    e.week_opened_on += timedelta(days=away)
    e.paused_since = None
    ctx.mark_covered_ahead()
    reschedule(e, ctx.now)
    await ctx.uow.enrollments.save(e)
    return views.resumed(away)
