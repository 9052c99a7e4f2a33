"""/plan: when the track ends as planned, and when it ends at the pace the learner keeps.

The planned finish chains the weeks left as the plan spreads them over the learner's
study days at their pace. The kept pace is the items ticked over the last four weeks
(or since the start, if sooner); with none ticked there is no pace to project from.
Hours count beside items: the hours planned for what is left against the hours logged
lately, as a roadmap's table of hours per phase reads."""

from __future__ import annotations

import math
from datetime import timedelta

from core.kernel.reply import Reply
from core.learning import replanning, views
from core.learning.context import Context
from core.learning.model import Forecast
from core.learning.ports import LearningUnitOfWork

LearningContext = Context[LearningUnitOfWork]

RECENT = timedelta(weeks=4)


async def forecast(ctx: LearningContext) -> Forecast:
    plan = ctx.plan()
    left = [p.item for p in plan.open_items()]
    for coming in ctx.plans_ahead():
        left += coming.week.items
    since = max(ctx.today - RECENT, ctx.enrollment.started_on)
    recent_days = max(1, (ctx.today - since).days + 1)
    ticks = await ctx.uow.ticks.of_enrollment(ctx.enrollment.id)
    recent_items = sum(1 for t in ticks if t.done_on >= since and not t.skipped)
    figures = await ctx.uow.ticks.progress(ctx.enrollment.id, hours_from=since, hours_to=ctx.today)
    projected = None
    if recent_items and left:
        days_needed = math.ceil(len(left) * recent_days / recent_items)
        projected = ctx.today + timedelta(days=days_needed)
    elif not left:
        projected = ctx.today
    return Forecast(
        items_left=len(left),
        hours_left=sum(item.hours for item in left),
        planned_finish=ctx.planned_finish(),
        recent_days=recent_days,
        recent_items=recent_items,
        recent_hours=figures.hours_in_range,
        projected_finish=projected,
    )


async def show_plan(ctx: LearningContext) -> Reply:
    if ctx.enrollment.paused_since is not None:
        return views.paused(ctx.enrollment.paused_since)
    reply = views.plan_forecast(await forecast(ctx), ctx.enrollment.pace)
    return views.with_replan_offer(reply, replanning.offer(ctx))
