"""The day loop: what is planned today, ticking items off, taking a tick back, the week."""

from __future__ import annotations

from datetime import date, timedelta

from core.kernel.commands import Done, Undo, Week
from core.kernel.errors import AlreadyDone
from core.kernel.i18n import messages
from core.kernel.reply import Reply
from core.learning import replanning, views
from core.learning.context import Context
from core.learning.model import CompletionRecord
from core.learning.plan import PlannedItem, WeekPlan
from core.learning.ports import LearningUnitOfWork

_, n_ = messages("learning")

LearningContext = Context[LearningUnitOfWork]


async def today(ctx: LearningContext) -> Reply:
    if ctx.enrollment.paused_since is not None:
        return views.paused(ctx.enrollment.paused_since)
    plan = ctx.plan()
    if plan.is_complete and ctx.track.week_after(plan.week.id) is None:
        return views.track_finished(ctx.track)
    reply = views.today(ctx.track, plan, ctx.today, ctx.enrollment.study_days, ctx.streak())
    behind = replanning.offer(ctx)
    return reply if behind is None else views.with_replan_pointer(reply, behind)


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
    # "-1" is a number out of range, not an item id; "³" is a digit int() cannot read.
    if words[0].removeprefix("-").isdecimal():
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
        return Reply.text(_("You started today, so there is no yesterday to credit yet."))
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
    history = (e.active_days, e.paused_days)
    e.active_days = e.active_days.with_day(done_on)
    next_week = ctx.track.week_after(plan.week.id) if completes_week else None
    if next_week is not None:
        e.current_week_id = next_week.id
        e.week_opened_on = ctx.today
        e.moved = {}
    # A finished track keeps its last week's ticks: the streak owes nothing after them.
    week_done = {**ctx.snapshot.week_done, target.item.id: done_on}
    ctx.snapshot.week_done = {} if next_week is not None else week_done
    ctx.mark_covered_ahead()
    if next_week is not None or (e.active_days, e.paused_days) != history:
        await ctx.uow.enrollments.save(e)
    if completes_week:
        new_plan = ctx.plan() if next_week is not None else None
        return views.week_completed(ctx.track, plan.week, done_on, new_plan, ctx.streak())
    return views.ticked(
        target, ctx.plan(), ctx.today, ctx.streak(), credited_yesterday=command.yesterday
    )


def _title(ctx: LearningContext, tick: CompletionRecord) -> str:
    week = ctx.track.week(tick.week_id)
    item = week.item(tick.item_id) if week else None
    return item.title if item else tick.item_id


async def _take_back(ctx: LearningContext, tick: CompletionRecord) -> Reply:
    """Deletes a tick with all it recorded: its week's completion, its day's activity."""
    e = ctx.enrollment
    ticks = ctx.uow.ticks
    week = ctx.track.week(tick.week_id)
    await ticks.delete(tick.id)
    if tick.completes_week and week is not None:
        previous = ctx.track.week_before(week.id)
        opened = await ticks.week_completed_on(e.id, previous.id) if previous else None
        e.current_week_id = week.id
        e.week_opened_on = opened or e.started_on
        e.moved = {}
        ctx.snapshot.week_done = await ticks.week_done(e.id, week.id)
    else:
        ctx.snapshot.week_done = dict(ctx.snapshot.week_done)
        ctx.snapshot.week_done.pop(tick.item_id, None)
    if not await ticks.any_on(e.id, tick.done_on):
        e.active_days = e.active_days.without_day(tick.done_on)
    ctx.mark_covered_ahead()
    await ctx.uow.enrollments.save(e)
    return views.undone(_title(ctx, tick), reopened=tick.completes_week)


async def _undo_item(ctx: LearningContext, number: int, typed: str) -> Reply:
    """`/undo 3`: item 3 of this week, whenever it was ticked."""
    e = ctx.enrollment
    plan = ctx.plan()
    planned = plan.by_number(number)
    if planned is None:
        return views.no_such_item(typed, plan)
    tick = await ctx.uow.ticks.of_item(e.id, planned.item.id)
    if tick is None:
        return views.not_ticked(planned)
    last = await ctx.uow.ticks.last(e.id)
    # A finished track's completion is recorded on its last tick: that one goes back first.
    if plan.is_complete and last is not None and last.id != tick.id:
        return views.finish_undone_first(_title(ctx, last))
    return await _take_back(ctx, tick)


async def undo(ctx: LearningContext, command: Undo | None = None) -> Reply:
    if command is not None and command.number is not None:
        return await _undo_item(ctx, command.number, command.args_text())
    last = await ctx.uow.ticks.last(ctx.enrollment.id)
    if last is None:
        return Reply.text(_("There is nothing to undo yet."))
    if command is not None and command.unread:
        return views.undo_usage(command.args_text(), _title(ctx, last))
    return await _take_back(ctx, last)


async def _other_week(ctx: LearningContext, plan: WeekPlan, command: Week) -> Reply:
    """`/week 5`: a week ahead as the track has it, or one behind with what was done in it."""
    weeks = ctx.track.weeks
    if command.number is None or not 1 <= command.number <= len(weeks):
        return views.week_usage(command.args_text(), plan.week.number, len(weeks))
    other = weeks[command.number - 1]  # tracks number their weeks 1..N
    done: dict[str, date] = {}
    if other.number < plan.week.number:
        done = await ctx.uow.ticks.week_done(ctx.enrollment.id, other.id)
    return views.other_week(ctx.track, other, done, plan.week.number)


async def week(ctx: LearningContext, command: Week | None = None) -> Reply:
    plan = ctx.plan()
    if command is not None and (command.unread or command.number not in (None, plan.week.number)):
        return await _other_week(ctx, plan, command)
    journal = ctx.uow.journal
    notes = await journal.week_notes(ctx.enrollment.id, plan.week.id)
    on_items = await journal.item_notes(ctx.enrollment.id, plan.week.id)
    return views.week(ctx.track, plan, len(notes), on_items)
