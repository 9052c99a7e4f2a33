"""The day loop: what is planned today, ticking items off, taking a tick back, the week."""

from __future__ import annotations

from datetime import timedelta

from core.kernel.commands import Done
from core.kernel.errors import AlreadyDone
from core.kernel.reply import Reply
from core.learning import views
from core.learning.context import Context
from core.learning.plan import PlannedItem, WeekPlan
from core.learning.ports import LearningUnitOfWork

LearningContext = Context[LearningUnitOfWork]


async def today(ctx: LearningContext) -> Reply:
    if ctx.enrollment.paused_since is not None:
        return views.paused(ctx.enrollment.paused_since)
    plan = ctx.plan()
    if plan.is_complete and ctx.track.week_after(plan.week.id) is None:
        return views.track_finished(ctx.track)
    return views.today(ctx.track, plan, ctx.today, ctx.enrollment.study_days, ctx.streak())


def _target(ctx: LearningContext, plan: WeekPlan, which: str) -> PlannedItem | Reply:
    """The item `/done` means, or the reply saying why there is none."""
    words = which.lower().split()
    if len(words) > 1:
        return views.done_usage(plan)
    if not words:
        target = plan.next_open()
        if target is None:
            return (
                views.track_finished(ctx.track)
                if ctx.track.week_after(plan.week.id) is None
                else views.done_usage(plan)
            )
        return target
    if words[0].isdigit():
        return plan.by_number(int(words[0])) or views.no_such_item(words[0], plan)
    # An item id comes from a button; one from an earlier week, or a typo, finds nothing.
    found = plan.by_item_id(words[0])
    if found is None:
        return views.stale_button() if "-" in words[0] else views.done_usage(plan)
    return found


async def done(ctx: LearningContext, command: Done) -> Reply:
    e = ctx.enrollment
    if e.paused_since is not None:
        return views.paused(e.paused_since)
    plan = ctx.plan()
    done_on = ctx.today - timedelta(days=1) if command.yesterday else ctx.today
    if done_on < e.active_days.origin:
        return Reply.text("You started today, so there is no yesterday to credit yet.")
    target = _target(ctx, plan, command.which)
    if isinstance(target, Reply):
        return target
    if target.done_on is not None:
        return views.already_done(target)
    completes_week = plan.done_count + 1 == len(plan.items)
    try:
        await ctx.uow.ticks.add(
            e.id,
            week_id=plan.week.id,
            item_id=target.item.id,
            done_on=done_on,
            done_at=ctx.now,
            completes_week=completes_week,
        )
    except AlreadyDone:
        return views.already_done(target)
    changed = done_on not in e.active_days
    e.active_days = e.active_days.with_day(done_on)
    next_week = ctx.track.week_after(plan.week.id) if completes_week else None
    if next_week is not None:
        e.current_week_id = next_week.id
        e.week_opened_on = ctx.today
        changed = True
    if changed:
        await ctx.uow.enrollments.save(e)
    ctx.snapshot.week_done = {**ctx.snapshot.week_done, target.item.id: done_on}
    if completes_week:
        ctx.snapshot.week_done = {}
        new_plan = ctx.plan() if next_week is not None else None
        return views.week_completed(ctx.track, plan.week, done_on, new_plan, ctx.streak())
    return views.ticked(
        target, ctx.plan(), ctx.today, ctx.streak(), credited_yesterday=command.yesterday
    )


async def undo(ctx: LearningContext) -> Reply:
    e = ctx.enrollment
    ticks = ctx.uow.ticks
    last = await ticks.last(e.id)
    if last is None:
        return Reply.text("There is nothing to undo yet.")
    week = ctx.track.week(last.week_id)
    await ticks.delete(last.id)
    if last.completes_week and week is not None:
        previous = ctx.track.week_before(week.id)
        opened = await ticks.week_completed_on(e.id, previous.id) if previous else None
        e.current_week_id = week.id
        e.week_opened_on = opened or e.started_on
    if not await ticks.any_on(e.id, last.done_on):
        e.active_days = e.active_days.without_day(last.done_on)
    await ctx.uow.enrollments.save(e)
    item = week.item(last.item_id) if week else None
    return views.undone(item.title if item else last.item_id, reopened=last.completes_week)


async def week(ctx: LearningContext) -> Reply:
    plan = ctx.plan()
    notes = await ctx.uow.journal.week_notes(ctx.enrollment.id, plan.week.id)
    return views.week(ctx.track, plan, len(notes))
