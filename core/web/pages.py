"""What the web view shows, gathered in the page's unit of work: the roadmap as a path of
weeks, each item done, open or ahead, with its resources and the learner's notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.kernel import i18n
from core.learning.context import Context
from core.learning.ports import LearningUnitOfWork
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


@dataclass(frozen=True)
class WeekCard:
    number: int
    title: str
    goal: str
    state: str  # "done", "current" or "ahead"
    items: tuple[ItemLine, ...]


@dataclass(frozen=True)
class LearnerPage:
    language: str
    track_title: str
    weeks: tuple[WeekCard, ...]
    undoable: str | None  # the title of the tick `/undo` would take back, if any
    words: dict[str, str]

    @property
    def right_to_left(self) -> bool:
        return i18n.is_right_to_left(self.language)

    @property
    def current(self) -> WeekCard:
        return next(week for week in self.weeks if week.state == "current")


async def learner_page(ctx: Context[LearningUnitOfWork]) -> LearnerPage:
    """The learner's whole roadmap, in the language spoken."""
    plan = ctx.plan()
    notes = await ctx.uow.journal.item_notes(ctx.enrollment.id, plan.week.id)
    last = await ctx.uow.ticks.last(ctx.enrollment.id)
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
                    resources=tuple((r.title, r.url) for r in item.resources),
                )
                for item in week.items
            )
        cards.append(WeekCard(week.number, week.title, week.goal, state, items))
    undoable = None
    if last is not None and (ticked_week := ctx.track.week(last.week_id)) is not None:
        item = ticked_week.item(last.item_id)
        undoable = item.title if item else None
    return LearnerPage(
        language=i18n.language(),
        track_title=ctx.track.title,
        weeks=tuple(cards),
        undoable=undoable,
        words=views.page_words(),
    )
