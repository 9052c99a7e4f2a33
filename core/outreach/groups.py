"""The coach writing first to study groups: daily digests, group quizzes and their close,
weekly reports. Planned by the same tick and sent by the same outbox as learners' nudges;
what a post says is decided when it goes."""

from __future__ import annotations

import enum
import logging
import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from core.groups import views as group_views
from core.groups.model import DueGroup, NewGroupOutboxItem, StudyGroup
from core.groups.standings import (
    behind,
    finished_yesterday,
    group_plan,
    member_done,
    standings,
    week_members,
)
from core.groups.use_cases import next_report_at, week_start_instant
from core.kernel.reply import Image, Mention, QuizQuestion, Reply
from core.kernel.schedule import next_nudge_at
from core.learning.activity import is_study_day
from core.learning.tracks import BUILTIN_TRACK_ID, Track
from core.ports import OutboxItem, UnitOfWork, UnitOfWorkFactory
from core.progress.charts import GroupWeekPicture
from core.quizzes.bank import shuffled

if TYPE_CHECKING:
    from core.app.coach import Coach
    from core.outreach.learners import Decision, OutreachPolicy

log = logging.getLogger(__name__)


class GroupKind(enum.StrEnum):
    DIGEST = "group_digest"
    QUIZ = "group_quiz"
    CLOSE = "group_close"  # the day's group quiz closes and its tally is posted
    REPORT = "group_report"


@dataclass(frozen=True)
class GroupTickReport:
    due: int = 0
    enqueued: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class _Today:
    group: StudyGroup
    track: Track
    today: date
    now: datetime


class GroupOutreach:
    def __init__(
        self, coach: Coach, uow_factory: UnitOfWorkFactory, policy: OutreachPolicy
    ) -> None:
        self._coach = coach
        self._uow_factory = uow_factory
        self.policy = policy

    # -- the tick ------------------------------------------------------------------

    async def enqueue_due(self, now: datetime) -> GroupTickReport:
        total = GroupTickReport()
        for slot in ("digest", "report"):
            while True:
                report = await self._enqueue_batch(slot, now)
                total = GroupTickReport(
                    total.due + report.due,
                    total.enqueued + report.enqueued,
                    total.skipped + report.skipped,
                )
                if report.due < self.policy.batch_size:
                    break
        return total

    async def _enqueue_batch(self, slot: str, now: datetime) -> GroupTickReport:
        async with self._uow_factory() as uow:
            due = await uow.groups.due_groups(slot, now, self.policy.batch_size)
            if not due:
                return GroupTickReport()
            items: list[NewGroupOutboxItem] = []
            next_at: dict[int, datetime | None] = {}
            skipped = 0
            for row in due:
                group = row.group
                if slot == "digest":
                    next_at[group.id] = next_nudge_at(
                        now, zone=group.zone, at=group.digest_time, study_days=group.study_days
                    )
                else:
                    next_at[group.id] = next_report_at(group, now)
                if now - row.due_at > self.policy.max_lateness:
                    skipped += 1
                    continue
                items.extend(self._owed(row, slot, now))
            await uow.groups.reschedule_groups(slot, next_at)
            enqueued = await uow.groups.enqueue_for_groups(items)
            await uow.commit()
        return GroupTickReport(len(due), enqueued, skipped)

    def _owed(self, row: DueGroup, slot: str, now: datetime) -> list[NewGroupOutboxItem]:
        group = row.group
        day = row.due_at.astimezone(group.zone).date()

        def owe(kind: GroupKind, available_at: datetime) -> NewGroupOutboxItem:
            return NewGroupOutboxItem(group.id, kind, day, row.due_at, available_at)

        if slot == "report":
            return [owe(GroupKind.REPORT, now)]
        owed = [owe(GroupKind.DIGEST, now)]
        if day.weekday() in group.quiz_days:
            # The quiz goes after the digest; its close is owed now, to come when it ends.
            owed.append(owe(GroupKind.QUIZ, now))
            owed.append(owe(GroupKind.CLOSE, row.due_at + self.policy.group_quiz_open))
        return owed

    # -- composing -----------------------------------------------------------------

    async def compose(self, item: OutboxItem, platforms: Collection[str]) -> Decision:
        from core.outreach.learners import Drop, Send

        assert item.group_id is not None
        async with self._uow_factory() as uow:
            group = await uow.groups.group(item.group_id)
            if group is None or not group.active:
                return Drop("the group is gone")
            if group.chat.platform not in platforms:
                return Drop(f"{group.chat.platform} is not running")
            track = await self._coach.load_track(uow, group.track_id)
            if track is None:
                return Drop("track no longer available")
            now = self._coach.clock.now()
            day = _Today(group, track, now.astimezone(group.zone).date(), now)
            if item.kind not in set(GroupKind):
                return Drop(f"unknown kind {item.kind!r}")
            kind = GroupKind(item.kind)
            if kind is not GroupKind.CLOSE:
                if day.today != item.local_date:
                    return Drop(f"out of date: meant for {item.local_date.isoformat()}")
                if not is_study_day(day.today, group.study_days):
                    return Drop("rest day")
            reply = await {
                GroupKind.DIGEST: self._digest,
                GroupKind.QUIZ: self._quiz,
                GroupKind.CLOSE: self._close,
                GroupKind.REPORT: self._report,
            }[kind](uow, day, item)
            if isinstance(reply, str):
                return Drop(reply)
            return Send(group.chat, reply, kind.value.removeprefix("group_"))

    async def _digest(self, uow: UnitOfWork, day: _Today, item: OutboxItem) -> Reply | str:
        group, track = day.group, day.track
        yesterday = day.today - timedelta(days=1)
        monday, since_at = week_start_instant(group, day.today)
        activity = await uow.groups.member_activity(
            group, since=min(yesterday, monday), since_at=since_at
        )
        if not activity:
            return "no members"
        plan = group_plan(track, group, day.today)
        catching_up = [
            Mention(m.membership.who.external_id, m.membership.who.display_name or "member")
            for m in behind(activity, track, plan.week)
        ]
        return group_views.digest(
            plan,
            track,
            day.today,
            group.study_days,
            finished_yesterday(activity, track, yesterday),
            catching_up,
        )

    async def _quiz(self, uow: UnitOfWork, day: _Today, item: OutboxItem) -> Reply | str:
        group, track = day.group, day.track
        if track.id != BUILTIN_TRACK_ID:
            return "this track has no question bank"
        plan = group_plan(track, group, day.today)
        bank = self._coach.questions
        existing = await uow.groups.group_quiz_on(group.id, day.today)
        if existing is not None:
            if existing.message_ref is not None:
                return "today's group quiz was posted already"
            # Composed before but never posted (a failed send): ask the same question.
            question = bank.get(existing.question_id)
            if question is None:
                return "the question is no longer in the bank"
            order = [int(i) for i in existing.option_order.split(",")]
            options = tuple(question.options[i] for i in order)
            quiz_id, correct = existing.id, existing.correct_option
        else:
            studied = [w.id for w in track.weeks if w.number <= plan.week.number]
            asked = await uow.groups.asked_in_group(group.id)
            fresh = [q for q in bank.for_weeks(studied) if q.id not in asked]
            if not fresh:
                return "every question was asked in this group"
            this_week = [q for q in fresh if q.week == plan.week.id]
            question = random.choice(this_week or fresh)
            options, correct, order_text = shuffled(question, random.Random())
            added = await uow.groups.add_group_quiz(
                group.id,
                question_id=question.id,
                option_order=order_text,
                correct_option=correct,
                local_date=day.today,
                at=day.now,
            )
            if added is None:
                return "today's group quiz was posted already"
            quiz_id = added
            await uow.commit()
        return Reply(
            blocks=(group_views.group_quiz_intro(plan.week),),
            quiz=QuizQuestion(
                question.question,
                options,
                correct,
                question.explanation,
                quiz_id=quiz_id,
                for_group=True,
            ),
            public=True,
        )

    async def _close(self, uow: UnitOfWork, day: _Today, item: OutboxItem) -> Reply | str:
        quiz = await uow.groups.group_quiz_on(day.group.id, item.local_date)
        if quiz is None or quiz.message_ref is None:
            return "the day's group quiz was not posted"
        # Closing twice (a retried send) changes nothing and tallies the same answers.
        tally = await uow.groups.close_group_quiz(quiz.id, at=day.now)
        await uow.commit()
        question = self._coach.questions.get(quiz.question_id)
        if question is None:
            return "the question is no longer in the bank"
        return group_views.group_quiz_summary(
            question.question,
            question.options[question.answer],
            question.explanation,
            tally,
            quiz.message_ref,
        )

    async def _report(self, uow: UnitOfWork, day: _Today, item: OutboxItem) -> Reply | str:
        group, track = day.group, day.track
        monday, since_at = week_start_instant(group, day.today)
        activity = await uow.groups.member_activity(group, since=monday, since_at=since_at)
        if not activity:
            return "no members"
        plan = group_plan(track, group, day.today)
        rows = standings(activity, week_start=monday, today=day.today)
        figures = await uow.groups.group_week_figures(group.id, since_at=since_at)
        done = [member_done(m, monday, day.today) for m in activity]
        reply = group_views.weekly_report(
            plan, track, rows, len(activity), sum(1 for d in done if d), sum(done), figures
        )
        charts = self._coach.charts
        if charts is None:
            return reply
        picture = GroupWeekPicture(
            title=f"{track.title}: week {plan.week.number}",
            planned=len(plan.items),
            members=tuple(week_members(activity, monday, day.today)),
        )
        try:
            png = await charts.group_week(picture)
        except Exception:
            log.exception("the group chart could not be drawn; reporting in text")
            return reply
        caption = "Items done this week by member; the bars show the leaders, the histogram all."
        return Reply(
            blocks=reply.blocks,
            image=Image(png, caption),
            public=True,
        )
