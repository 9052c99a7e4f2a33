"""`/replan`: when a learner falls behind, what they can do about it, each with its date.

Three ways on, offered once items run a few study days late: stretch the plan (the week
opens again so its first open item is due today, and every week after moves with it),
catch up (the late items spread over the next few study days, on top of what is due,
so the finish holds), or skip the week's optional items (settled, not studied). Each is
worked out on the plan as it stands, so the offer's dates are the ones the choice gives.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from core.kernel.commands import Replan
from core.kernel.errors import AlreadyDone
from core.kernel.reply import Reply
from core.kernel.schedule import is_study_day
from core.learning import views
from core.learning.context import Context
from core.learning.model import Replanning
from core.learning.plan import PlannedItem, WeekPlan
from core.learning.ports import LearningUnitOfWork

LearningContext = Context[LearningUnitOfWork]

BEHIND_AFTER = 3  # study days the earliest open item may run late before the offer comes
CATCH_UP_OVER = 5  # study days at most that late items are spread over
CHOICES = {
    "stretch": "stretch",
    "catchup": "catchup",
    "catch-up": "catchup",
    "catch": "catchup",
    "skip": "skip",
}


def study_days_between(first: date, end: date, study_days: frozenset[int]) -> int:
    """Study days from `first` up to, not including, `end`."""
    return sum(
        1
        for n in range(max(0, (end - first).days))
        if is_study_day(first + timedelta(days=n), study_days)
    )


def next_study_days(start: date, study_days: frozenset[int], count: int) -> list[date]:
    days: list[date] = []
    day = start
    while len(days) < count:
        if is_study_day(day, study_days):
            days.append(day)
        day += timedelta(days=1)
    return days


def offer(ctx: LearningContext) -> Replanning | None:
    """The three ways on with their dates, when the learner is far enough behind; None
    when they are not (or are on a break, or done)."""
    e, plan = ctx.enrollment, ctx.plan()
    if e.paused_since is not None or plan.is_complete:
        return None
    overdue = plan.day(ctx.today, e.study_days).overdue
    if not overdue:
        return None
    behind = study_days_between(overdue[0].due_on, ctx.today, e.study_days)
    if behind < BEHIND_AFTER:
        return None
    opened = _stretched_opening(ctx, plan)
    catch_up = _catch_up(ctx, plan, overdue)
    return Replanning(
        overdue=overdue,
        study_days_behind=behind,
        planned_finish=ctx.planned_finish(),
        stretched_by=(opened - e.week_opened_on).days,
        stretched_finish=_finish_with(ctx, week_opened_on=opened, moved={}),
        catch_up=_by_day(catch_up, overdue),
        catch_up_finish=_finish_with(ctx, moved={**e.moved, **catch_up}),
        optional=_open_optional(plan),
    )


def _finish_with(ctx: LearningContext, **changes: object) -> date:
    """The planned finish were the enrollment changed so."""
    changed = dataclasses.replace(ctx.enrollment, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(ctx, enrollment=changed).planned_finish()


def _stretched_opening(ctx: LearningContext, plan: WeekPlan) -> date:
    """The week's new opening day: the earliest on which its first open item falls due
    today or later, with no item moved."""
    first = plan.next_open()
    assert first is not None  # only asked while items are open
    opened = ctx.enrollment.week_opened_on
    while True:
        opened += timedelta(days=1)
        again = dataclasses.replace(ctx.enrollment, week_opened_on=opened, moved={})
        planned = dataclasses.replace(ctx, enrollment=again).plan().by_item_id(first.item.id)
        if planned is not None and planned.due_on >= ctx.today:
            return opened


def _catch_up(
    ctx: LearningContext, plan: WeekPlan, overdue: tuple[PlannedItem, ...]
) -> dict[str, date]:
    """The late items spread evenly, in order, over the next study days: those left in
    the week's plan, so its end holds, or, once it is over, the days from today."""
    most = min(CATCH_UP_OVER, len(overdue))
    left = [day for day in plan.study_dates if day >= ctx.today][:most]
    days = left or next_study_days(ctx.today, ctx.enrollment.study_days, most)
    count = len(overdue)
    return {
        planned.item.id: days[index * len(days) // count] for index, planned in enumerate(overdue)
    }


def _by_day(
    moved: dict[str, date], overdue: tuple[PlannedItem, ...]
) -> tuple[tuple[date, tuple[PlannedItem, ...]], ...]:
    days = sorted(set(moved.values()))
    return tuple((day, tuple(p for p in overdue if moved[p.item.id] == day)) for day in days)


def _open_optional(plan: WeekPlan) -> tuple[PlannedItem, ...]:
    return tuple(p for p in plan.open_items() if p.item.optional)


async def replan(ctx: LearningContext, command: Replan) -> Reply:
    e = ctx.enrollment
    if e.paused_since is not None:
        return views.paused(e.paused_since)
    choice = CHOICES.get(command.text.strip().lower()) if command.text.strip() else ""
    if choice is None:
        return views.replan_usage(command.text)
    if choice == "skip":
        return await _skip_optional(ctx)
    found = offer(ctx)
    if found is None:
        return views.on_plan(ctx.plan(), ctx.today, e.study_days, ctx.planned_finish())
    if not choice:
        return views.replan_offer(found)
    if choice == "stretch":
        e.week_opened_on += timedelta(days=found.stretched_by)
        e.moved = {}
    else:
        e.moved = {**e.moved, **{p.item.id: day for day, items in found.catch_up for p in items}}
    ctx.mark_covered_ahead()
    await ctx.uow.enrollments.save(e)
    if choice == "stretch":
        return views.stretched(found, ctx.plan())
    return views.caught_up(found)


async def _skip_optional(ctx: LearningContext) -> Reply:
    """Settles the week's open optional items without study: the week may close on it."""
    e, plan = ctx.enrollment, ctx.plan()
    skipping = _open_optional(plan)
    if not skipping:
        return views.nothing_optional(plan)
    completes_week = plan.done_count + len(skipping) == len(plan.items)
    try:
        for index, planned in enumerate(skipping):
            await ctx.uow.ticks.add(
                e.id,
                week_id=plan.week.id,
                item_id=planned.item.id,
                done_on=ctx.today,
                done_at=ctx.now,
                completes_week=completes_week and index == len(skipping) - 1,
                skipped=True,
            )
    except AlreadyDone:
        return views.nothing_optional(plan)  # a second tap raced this one and won
    next_week = ctx.track.week_after(plan.week.id) if completes_week else None
    if next_week is not None:
        e.current_week_id, e.week_opened_on, e.moved = next_week.id, ctx.today, {}
        ctx.snapshot.week_done = {}
    else:
        settled = {p.item.id: ctx.today for p in skipping}
        ctx.snapshot.week_done = {**ctx.snapshot.week_done, **settled}
    ctx.mark_covered_ahead()
    await ctx.uow.enrollments.save(e)
    return views.skipped(skipping, ctx.plan(), ctx.planned_finish(), week_closed=completes_week)
