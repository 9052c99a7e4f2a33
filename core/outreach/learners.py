"""What the coach writes first to a learner, decided when it goes rather than when it was
planned: work done in between cancels a streak reminder, and a pause or a block stops
everything."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime, timedelta

from core.buddies.service import buddy_evening_line, pairing_news
from core.kernel.i18n import ENGLISH, speaking
from core.kernel.refs import LearnerRef
from core.kernel.reply import Paragraph
from core.kernel.schedule import is_study_day
from core.learning import replanning
from core.learning import views as learning_views
from core.learning.activity import Streak
from core.learning.context import Context, learner_context
from core.learning.library import TrackLibrary
from core.outreach import views
from core.outreach.model import Decision, Drop, Hold, Kind, OutboxItem, Send
from core.outreach.ports import OutreachUnitOfWork
from core.quizzes.quizmaster import QuizMaster
from core.quizzes.refresh import plan_refresh

LEARNER_KINDS = frozenset({Kind.PLAN, Kind.QUIZ, Kind.EVENING, Kind.BUDDY_PAIRED})
# News that does not wait for a study day.
ANY_DAY_KINDS = frozenset({Kind.BUDDY_PAIRED})


def is_digest_day(today: date, week_ends_on: date, study_days: frozenset[int]) -> bool:
    """The week's last planned study day; for a week running over its plan, the last study
    day of each calendar week, so a learner who fell behind still hears how it goes."""
    if today <= week_ends_on:
        return today == week_ends_on
    return today.weekday() == max(study_days)


class LearnerPosts:
    def __init__(self, library: TrackLibrary, quizzes: QuizMaster) -> None:
        self._library = library
        self._quizzes = quizzes

    async def _reachable(
        self, uow: OutreachUnitOfWork, learner_id: int, platforms: Collection[str]
    ) -> LearnerRef | None:
        """A linked learner hears from the coach in one place: their oldest account the
        sender can reach (where they began), the next one only if that is blocked."""
        for identity in await uow.learners.identities(learner_id):
            if identity.reachable and identity.who.platform in platforms:
                return identity.who
        return None

    async def compose(
        self,
        uow: OutreachUnitOfWork,
        item: OutboxItem,
        platforms: Collection[str],
        now: datetime,
    ) -> Decision:
        snapshot = await uow.learners.load_by_id(item.recipient.id)
        if snapshot is None or snapshot.enrollment is None:
            return Drop("no longer enrolled")
        e = snapshot.enrollment
        if e.paused_since is not None:
            return Drop("paused")
        to = await self._reachable(uow, item.recipient.id, platforms)
        if to is None:
            return Drop("no reachable chat")
        ctx = await learner_context(uow, self._library, to, snapshot, now)
        if ctx is None:
            return Drop("track no longer available")
        if ctx.today != item.local_date:
            return Drop(f"out of date: meant for {item.local_date.isoformat()}")
        if not is_study_day(ctx.today, e.study_days) and item.kind not in ANY_DAY_KINDS:
            return Drop("rest day")
        if e.quiet_hours is not None:
            quiet_ends = e.quiet_hours.ends_after(ctx.now, e.zone)
            if quiet_ends is not None:
                if quiet_ends.astimezone(e.zone).date() != item.local_date:
                    return Drop("quiet hours until the day ends")
                return Hold(quiet_ends, "quiet hours")
        if item.kind not in LEARNER_KINDS:
            return Drop(f"unknown kind {item.kind!r}")  # written by a newer version
        # In the learner's own language: one worker writes to many learners in one tick.
        with speaking(snapshot.language or ENGLISH):
            return await self._compose(Kind(item.kind), ctx, to)

    async def _compose(
        self, kind: Kind, ctx: Context[OutreachUnitOfWork], to: LearnerRef
    ) -> Decision:
        if kind is Kind.BUDDY_PAIRED:
            news = await pairing_news(ctx, self._library)
            return Drop("no longer paired") if news is None else Send(to, news, "buddy")
        plan = ctx.plan()
        if plan.is_complete and ctx.track.week_after(plan.week.id) is None:
            return Drop("track finished")
        record = ctx.streak_record()
        streak_days = record.days
        worked_today = ctx.today in ctx.enrollment.active_days
        if kind is Kind.PLAN:
            reply = views.morning_plan(
                ctx.track,
                plan,
                ctx.today,
                ctx.enrollment.study_days,
                streak_days,
                frozen=_frozen_since_last_study_day(record, ctx.today),
                freezes=record.freezes,
            )
            reply = learning_views.with_replan_offer(reply, replanning.offer(ctx))
            refresh = await plan_refresh(self._quizzes, ctx)
            return Send(to, views.with_refresh(reply, refresh, ctx.today), "plan")
        if kind is Kind.QUIZ:
            reply = await self._quizzes.ask(ctx)
            if reply.quiz is None:
                return Drop("no question due")
            return Send(to, reply, "quiz")
        if is_digest_day(ctx.today, plan.ends_on, ctx.enrollment.study_days):
            figures = await ctx.uow.ticks.progress(
                ctx.enrollment.id, hours_from=plan.opened_on, hours_to=ctx.today
            )
            reply = views.weekly_digest(
                ctx.track,
                plan,
                ctx.today,
                ctx.enrollment.pace,
                figures.hours_in_range,
                streak_days,
                worked_today=worked_today,
            )
            return Send(to, reply, "digest")
        if worked_today:
            return Drop("worked today")
        if not ctx.owes_today():
            return Drop("nothing owed today")  # a streak cannot end on it
        reply = views.streak_at_risk(plan, ctx.today, streak_days, freezes=record.freezes)
        buddy_line = await buddy_evening_line(ctx, self._library)
        if buddy_line is not None:
            reply = replace(reply, blocks=(*reply.blocks, Paragraph(buddy_line)))
        return Send(to, reply, "streak")


def _frozen_since_last_study_day(record: Streak, today: date) -> date | None:
    """The missed day a freeze covered since the last plan was sent, if any: the plan of
    a study day says so, a week back at the most (the days between are rest days)."""
    recent = [day for day in record.frozen if today - timedelta(days=7) <= day < today]
    return recent[-1] if recent else None
