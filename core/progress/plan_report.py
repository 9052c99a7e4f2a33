"""/plan: the finish as planned and at the pace kept, and a burn-up picture of the whole
track when charts are drawn."""

from __future__ import annotations

import dataclasses
import itertools
import logging

from core.kernel.i18n import messages
from core.kernel.reply import Image, Reply
from core.learning.context import Context
from core.learning.forecast import forecast, show_plan
from core.learning.model import Forecast
from core.learning.ports import LearningUnitOfWork
from core.progress.burnup import BurnUpPicture, burn_up
from core.progress.charts import ChartRenderer

log = logging.getLogger(__name__)
_, n_ = messages("progress")


def plan_chart_caption() -> str:
    return _("Items planned and done since you started, and when you finish at your pace.")


class PlanReport:
    def __init__(self, charts: ChartRenderer | None) -> None:
        self._charts = charts  # None: /plan answers in text only

    async def plan(self, ctx: Context[LearningUnitOfWork]) -> Reply:
        reply = await show_plan(ctx)
        if self._charts is None or ctx.enrollment.paused_since is not None:
            return reply  # a break holds the plan still: nothing to draw until /resume
        try:
            ahead = await forecast(ctx)
            if ahead.items_left == 0:
                return reply  # the track is finished
            png = await self._charts.burn_up(await _picture(ctx, ahead))
        except Exception:
            log.exception("the plan chart could not be drawn; answering in text")
            return reply
        return dataclasses.replace(reply, image=Image(png, plan_chart_caption()))


async def _picture(ctx: Context[LearningUnitOfWork], ahead: Forecast) -> BurnUpPicture:
    return burn_up(
        _("{track}: planned and done").format(track=ctx.track.title),
        track=ctx.track,
        plans=itertools.chain([ctx.plan()], ctx.plans_ahead()),
        ticks=await ctx.uow.ticks.of_enrollment(ctx.enrollment.id),
        started_on=ctx.enrollment.started_on,
        today=ctx.today,
        planned_finish=ahead.planned_finish,
        projected_finish=ahead.projected_finish,
    )
