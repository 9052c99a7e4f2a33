"""What the web view shows, gathered in the page's unit of work: the roadmap as a path of
weeks, each item done, open or ahead, with its resources and the learner's notes."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from core.kernel import i18n
from core.kernel.settings_input import typed_days
from core.learning.context import Context
from core.learning.forecast import forecast
from core.learning.model import CompletionRecord, Enrollment
from core.learning.pace import Pace
from core.learning.ports import LearningUnitOfWork
from core.progress.burnup import BurnUpPicture, burn_up
from core.web import views


@dataclass(frozen=True)
class ItemLine:
    title: str
    done: bool
    number: int | None = None  # in the current week: as `/done 3` names it
    due_on: date | None = None
    optional: bool = False
    note: str = ""
    resources: tuple[tuple[str, str], ...] = ()  # (title, link)
    # Ticked in the current week and `/undo N` takes it back: any of them, except in a
    # finished track's last week, whose closing tick goes back first.
    untickable: bool = False


@dataclass(frozen=True)
class WeekCard:
    number: int
    title: str
    goal: str
    state: str  # "done", "current" or "ahead"
    items: tuple[ItemLine, ...]


# The settings the page changes, each as /settings names it; the page sends what the
# learner wrote, and the core checks it as it checks a chat's /settings.
SETTINGS = ("tz", "time", "evening", "days", "quiz", "quiet", "pace", "language")


def current_settings(e: Enrollment, language: str) -> dict[str, str]:
    """Each setting's value as the learner would type it."""
    quiet = e.quiet_hours
    return {
        "tz": e.timezone,
        "time": f"{e.nudge_time:%H:%M}",
        "evening": f"{e.evening_time:%H:%M}",
        "days": typed_days(e.study_days),
        "quiz": typed_days(e.quiz_days),
        "quiet": f"{quiet.start:%H:%M}-{quiet.end:%H:%M}" if quiet else "off",
        "pace": e.pace.value,
        "language": language,
    }


@dataclass(frozen=True)
class GroupLink:
    """A study group the learner is in, for a link to its page."""

    id: int
    title: str


@dataclass(frozen=True)
class NoTrackPage:
    """The page of someone with no track of their own: a mentor who runs groups without
    studying in them, or a member who has not started yet."""

    language: str
    groups: tuple[GroupLink, ...]
    words: dict[str, str]

    @property
    def right_to_left(self) -> bool:
        return i18n.is_right_to_left(self.language)


# The calendar shows the last twelve weeks, Monday to Sunday, up to today.
CALENDAR_WEEKS = 12


@dataclass(frozen=True)
class StudyDay:
    day: date
    items: int  # ticked that day (skipped ones are not study)
    hours: float  # logged, focus sessions included
    future: bool = False


@dataclass(frozen=True)
class LearnerPage:
    language: str
    track_title: str
    weeks: tuple[WeekCard, ...]
    # The title of the last tick when it is not this week's (it closed the week before):
    # `/undo` takes it back, reopening that week. This week's ticks each have their own.
    undoable: str | None
    words: dict[str, str]
    settings: dict[str, str]  # each setting as the learner would type it
    paces: dict[str, str]  # each pace as typed, and as the language names it
    languages: dict[str, str]  # each language's code and its own name
    calendar: tuple[StudyDay, ...] = ()  # whole weeks, Monday first
    burn_up: BurnUpPicture | None = None  # planned against done, drawn by the browser
    groups: tuple[GroupLink, ...] = ()  # the study groups they are in

    @property
    def right_to_left(self) -> bool:
        return i18n.is_right_to_left(self.language)

    @property
    def current(self) -> WeekCard:
        return next(week for week in self.weeks if week.state == "current")


async def learner_page(ctx: Context[LearningUnitOfWork]) -> LearnerPage:
    """The learner's whole roadmap, in the language spoken."""
    plan = ctx.plan()
    notes = await ctx.uow.journal.all_item_notes(ctx.enrollment.id)
    last = await ctx.uow.ticks.last(ctx.enrollment.id)
    last_item = last.item_id if last else None
    cards = []
    for week in ctx.track.weeks:
        if week.number == plan.week.number:
            items = tuple(
                ItemLine(
                    title=p.item.title,
                    done=p.done,
                    number=p.number,
                    due_on=p.due_on,
                    optional=p.item.optional,
                    note=notes.get(p.item.id, ""),
                    resources=tuple((r.title, r.url) for r in p.item.resources),
                    untickable=p.done and (not plan.is_complete or p.item.id == last_item),
                )
                for p in plan.items
            )
            state = "current"
        else:
            state = "done" if week.number < plan.week.number else "ahead"
            items = tuple(
                ItemLine(
                    title=item.title,
                    done=state == "done",
                    optional=item.optional,
                    note=notes.get(item.id, ""),
                    resources=tuple((r.title, r.url) for r in item.resources),
                )
                for item in week.items
            )
        cards.append(WeekCard(week.number, week.title, week.goal, state, items))
    undoable = None
    if (
        last is not None
        and last.week_id != plan.week.id
        and (ticked_week := ctx.track.week(last.week_id)) is not None
    ):
        item = ticked_week.item(last.item_id)
        undoable = item.title if item else None
    ticks = await ctx.uow.ticks.of_enrollment(ctx.enrollment.id)
    return LearnerPage(
        calendar=await _calendar(ctx, ticks),
        burn_up=await _burn_up(ctx, ticks),
        language=i18n.language(),
        track_title=ctx.track.title,
        weeks=tuple(cards),
        undoable=undoable,
        words=views.page_words(),
        settings=current_settings(ctx.enrollment, ctx.snapshot.language or i18n.language()),
        paces={pace.value: f"{pace.profile.label} ({pace.profile.hours_text})" for pace in Pace},
        languages={code: i18n.as_typed(i18n.NAMES[code]) for code in i18n.LANGUAGES},
    )


async def _calendar(
    ctx: Context[LearningUnitOfWork], ticks: list[CompletionRecord]
) -> tuple[StudyDay, ...]:
    last = ctx.today + timedelta(days=6 - ctx.today.weekday())  # the Sunday of this week
    first = last - timedelta(weeks=CALENDAR_WEEKS) + timedelta(days=1)
    hours = await ctx.uow.journal.hours_by_day(ctx.enrollment.id, since=first)
    items = Counter(t.done_on for t in ticks if not t.skipped and t.done_on >= first)
    return tuple(
        StudyDay(day, items[day], hours.get(day, 0.0), future=day > ctx.today)
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
    )


async def _burn_up(
    ctx: Context[LearningUnitOfWork], ticks: list[CompletionRecord]
) -> BurnUpPicture | None:
    ahead = await forecast(ctx)
    if ahead.items_left == 0:
        return None  # the track is finished: nothing left to plan
    return burn_up(
        views.burn_up_title(),
        track=ctx.track,
        plans=itertools.chain([ctx.plan()], ctx.plans_ahead()),
        ticks=ticks,
        started_on=ctx.enrollment.started_on,
        today=ctx.today,
        planned_finish=ahead.planned_finish,
        projected_finish=ahead.projected_finish,
    )
