"""A learner's settings, switching tracks, choosing a language, and pausing."""

from __future__ import annotations

from datetime import time, timedelta

from core.kernel import i18n
from core.kernel.commands import Pause, Settings
from core.kernel.i18n import messages, speaking
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

_, n_ = messages("learning")

LearningContext = Context[LearningUnitOfWork]


def _quiet_note(quiet: QuietHours | None, what: Setting, at: time) -> str:
    """What quiet hours do to one of the day's messages they cover (the daily plan, `TIME`,
    or the evening check-in); empty if they miss it."""
    if quiet is None or not quiet.covers(at):
        return ""
    plan = what is Setting.TIME
    if quiet.start < quiet.end or at < quiet.end:
        said = (
            _("Quiet hours cover your daily plan at {time}, so it will wait until {end}.")
            if plan
            else _(
                "Quiet hours cover your evening check-in at {time}, so it will wait until {end}."
            )
        )
    else:  # held past midnight it would arrive on another day, so the outbox drops it
        said = (
            _(
                "Quiet hours cover your daily plan at {time} and last into the next day, "
                "so it will not come at all."
            )
            if plan
            else _(
                "Quiet hours cover your evening check-in at {time} and last into the next day, "
                "so it will not come at all."
            )
        )
    return " " + said.format(time=views.clock_text(at), end=views.clock_text(quiet.end))


def _change_day(e: Enrollment, setting: Setting, value: str) -> str:
    """The day's two messages and quiet hours: the evening check-in asks how the day went,
    so it must come after the plan; quiet hours over either are accepted, and said."""
    match setting:
        case Setting.TIME:
            at = parse_time(value)
            if e.evening_time <= at:
                raise SettingsInputError(
                    _(
                        "Your daily plan has to come before your evening check-in at {time}. "
                        "Set a later check-in first with /settings evening, then the plan."
                    ).format(time=views.clock_text(e.evening_time))
                )
            e.nudge_time = at
            return _("Daily nudge set to {time} ({zone}).").format(
                time=views.clock_text(at), zone=e.timezone
            ) + _quiet_note(e.quiet_hours, Setting.TIME, at)
        case Setting.EVENING:
            at = parse_time(value)
            if at <= e.nudge_time:
                raise SettingsInputError(
                    _(
                        "Your evening check-in asks how the day went, so it has to come after "
                        "your daily plan at {time}."
                    ).format(time=views.clock_text(e.nudge_time))
                )
            e.evening_time = at
            return _("Evening check-in set to {time} ({zone}).").format(
                time=views.clock_text(at), zone=e.timezone
            ) + _quiet_note(e.quiet_hours, Setting.EVENING, at)
    e.quiet_hours = quiet = parse_quiet_hours(value)
    if quiet is None:
        return _("Quiet hours are off.")
    return (
        _("Quiet hours set to {hours} ({zone}): nothing arrives then.").format(
            hours=i18n.digits(str(quiet)), zone=e.timezone
        )
        + _quiet_note(quiet, Setting.TIME, e.nudge_time)
        + _quiet_note(quiet, Setting.EVENING, e.evening_time)
    )


def _change(e: Enrollment, setting: Setting, value: str) -> str:
    """Applies one setting; returns what changed, in words. Raises SettingsInputError."""
    match setting:
        case Setting.TIMEZONE:
            e.timezone = parse_timezone(value)
            return _("Time zone set to {zone}.").format(zone=e.timezone)
        case Setting.TIME | Setting.EVENING | Setting.QUIET:
            return _change_day(e, setting, value)
        case Setting.DAYS:
            e.study_days = parse_study_days(value)
            return _("Study days set to {days}.").format(days=views.days_text(e.study_days))
        case Setting.QUIZ:
            e.quiz_days = parse_quiz_days(value)
            if not e.quiz_days:
                return _("Scheduled quiz questions are off; /quiz still asks one.")
            return _("Quiz questions on {days}, at your daily plan time.").format(
                days=views.days_text(e.quiz_days)
            )
        case Setting.PACE:
            pace = Pace.parse(value)
            if pace is None:
                raise SettingsInputError(
                    _("“{typed}” is not a pace. Choose part-time, standard or accelerated.").format(
                        typed=value[:30]
                    )
                    if value
                    else _("Choose part-time, standard or accelerated.")
                )
            e.pace = pace
            return _("Pace set to {pace}.").format(pace=views.pace_text(pace))
    raise AssertionError(f"{setting} is not a learner's setting")


# What `/settings language` is called, and what names a language, as people write them.
LANGUAGE_SETTING = frozenset({"language", "lang", "languages", "زبان", "язык"})
_LANGUAGE_NAMES = {
    **dict.fromkeys(("english", "انگلیسی", "английский"), "en"),
    **dict.fromkeys(("persian", "farsi", "فارسی", "персидский", "фарси"), "fa"),
    **dict.fromkeys(("russian", "русский", "روسی"), "ru"),
}
# Arabic keyboards write Persian's yeh and kaf with the Arabic letters.
_PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ك": "ک"})


def language_named(text: str) -> str | None:
    """The language of ours a code, tag or name means: "fa", "fa-IR", "Persian", "فارسی"."""
    word = text.strip().casefold().translate(_PERSIAN_LETTERS)
    return i18n.supported(word) or _LANGUAGE_NAMES.get(word)


async def change_language(ctx: LearningContext, value: str) -> Reply:
    """`/settings language fa`: said from now on in the language chosen, this answer too."""
    code = language_named(value)
    if code is None:
        return views.language_choices(value.strip())
    await ctx.uow.learners.set_language(ctx.learner_id, code)
    ctx.snapshot.language = code
    with speaking(code):
        return views.now_speaking(code)


# What `_change` changes; a setting of groups' alone is answered with the usage.
LEARNER_SETTINGS = frozenset(
    {
        Setting.TIMEZONE,
        Setting.TIME,
        Setting.EVENING,
        Setting.QUIET,
        Setting.DAYS,
        Setting.QUIZ,
        Setting.PACE,
    }
)


class LearnerSettings:
    def __init__(self, library: TrackLibrary) -> None:
        self._library = library

    async def settings(self, ctx: LearningContext, command: Settings) -> Reply:
        if not command.key:
            choices = await self._library.choosable(ctx.uow.tracks, ctx.learner_id)
            return views.settings(ctx.enrollment, ctx.track, choices, ctx.snapshot.language)
        setting = setting_named(command.key)
        if command.key.strip().casefold() in LANGUAGE_SETTING or (
            setting is not None and setting.value == "language"
        ):
            return await change_language(ctx, command.value)
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
            return Reply.text(str(problem), _("Nothing was changed."), buttons=take)
        ctx.replanned(study_days)
        reschedule(e, ctx.now)
        await ctx.uow.enrollments.save(e)
        return Reply.text(summary, _("See all settings with /settings."))

    async def _switch_track(self, ctx: LearningContext, value: str) -> Reply:
        # "TRACK PACE": an imported roadmap's preview switches at the pace pressed.
        track_id, pace_text = value.strip().partition(" ")[::2]
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
            return Reply.text(_("You are already on {track}.").format(track=track.title))
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
        switched = (
            _("Switched to {track} at a {pace} pace: week {number}, {week}.")
            if pace
            else _("Switched to {track}: week {number}, {week}.")
        )
        return Reply.text(
            switched.format(
                track=track.title,
                pace=target.pace.profile.label.lower(),
                number=views.number(week.number),
                week=week.title,
            ),
            _("Your progress on {track} is kept; switch back any time.").format(
                track=ctx.track.title
            ),
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
        _("Paused. No nudges, and your streak is safe while you are away."),
        _("Send /resume when you are ready; your week picks up where you left it."),
    )


async def resume(ctx: LearningContext) -> Reply:
    e = ctx.enrollment
    if e.paused_since is None:
        return Reply.text(_("You are not paused. /today shows what is next."))
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
