"""/progress: streak, weeks and items done, hours against the pace, quiz figures, and a
picture when charts are drawn: items planned and done by week, and a calendar of the items
done and the hours logged each day."""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from datetime import date, timedelta

from core.kernel import i18n
from core.kernel.i18n import messages
from core.kernel.reply import Image, Reply
from core.learning.context import Context
from core.progress import views
from core.progress.charts import ChartRenderer, ProgressPicture, WeekBar, calendar_weeks
from core.quizzes.ports import QuizUnitOfWork
from core.quizzes.quizmaster import QuizMaster

log = logging.getLogger(__name__)
_, n_ = messages("progress")


class ProgressReport:
    def __init__(self, quizzes: QuizMaster, charts: ChartRenderer | None) -> None:
        self._quizzes = quizzes
        self._charts = charts  # None: /progress answers in text only

    async def progress(self, ctx: Context[QuizUnitOfWork]) -> Reply:
        e = ctx.enrollment
        monday = ctx.today - timedelta(days=ctx.today.weekday())
        figures = await ctx.uow.ticks.progress(e.id, hours_from=monday, hours_to=ctx.today)
        quiz = await ctx.uow.quizzes.figures(ctx.learner_id, now=ctx.now)
        plan = ctx.plan()
        weakest = self._quizzes.weakest(ctx.track, quiz)
        cards = await ctx.uow.reviews.cards(ctx.learner_id)
        recall = self._quizzes.recall_by_week(ctx.track, cards, ctx.now)
        finished = {
            n: share
            for n, share in recall.items()
            if ctx.track.weeks[n - 1].id in figures.weeks_completed
        }
        record = ctx.streak_record()
        reply = views.progress(
            ctx.track,
            plan,
            e,
            figures,
            record.days,
            quiz,
            weakest,
            freezes=record.freezes,
            remembered=finished,
        )
        if self._charts is None:
            return reply
        try:
            picture = await self._picture(ctx, plan.week.number)
            png = await self._charts.progress(picture)
        except Exception:
            log.exception("the progress chart could not be drawn; answering in text")
            return reply
        return dataclasses.replace(reply, image=Image(png, views.progress_chart_caption()))

    async def _picture(self, ctx: Context[QuizUnitOfWork], current_week: int) -> ProgressPicture:
        done_by_week: Counter[str] = Counter()
        done_by_day: Counter[date] = Counter()
        skipped: Counter[str] = Counter()  # settled, not studied: neither planned nor done
        for record in await ctx.uow.ticks.of_enrollment(ctx.enrollment.id):
            if record.skipped:
                skipped[record.week_id] += 1
            else:
                done_by_week[record.week_id] += 1
                done_by_day[record.done_on] += 1
        first_monday, _weeks = calendar_weeks(ctx.today, ctx.enrollment.started_on)
        hours = await ctx.uow.journal.hours_by_day(ctx.enrollment.id, since=first_monday)
        return ProgressPicture(
            title=_("{track}: week {number} of {total}").format(
                track=ctx.track.title,
                number=i18n.number(current_week),
                total=i18n.number(len(ctx.track.weeks)),
            ),
            weeks=tuple(
                WeekBar(week.number, len(week.items) - skipped[week.id], done_by_week[week.id])
                for week in ctx.track.weeks
            ),
            done_by_day=dict(done_by_day),
            today=ctx.today,
            current_week=current_week,
            started_on=ctx.enrollment.started_on,
            hours_by_day=hours,
        )
