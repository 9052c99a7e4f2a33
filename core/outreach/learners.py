"""The coach writing first: finding due nudges, owing them in an outbox, composing them late.

Two halves meet in the outbox. The tick turns enrollments whose morning or evening
moment has come into outbox rows, once per learner, kind and local day (a unique key),
and moves each enrollment's next moment on. A sender claims rows and asks `compose`
what to send: that is decided when it goes, not when it was planned, so work done in
between cancels a streak reminder and a pause or a block stops everything.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.app.coach import Coach, Context
from core.groups.model import ChatRef
from core.kernel.clock import Clock
from core.kernel.reply import Reply
from core.kernel.schedule import Slot, next_nudge_at
from core.learning import views
from core.learning.activity import is_study_day
from core.outreach.groups import GroupOutreach
from core.ports import (
    DueSlot,
    LearnerRef,
    NewOutboxItem,
    OutboxItem,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)


class Kind(enum.StrEnum):
    PLAN = "plan"  # the day's plan at the nudge time
    QUIZ = "quiz"  # a review question on quiz days, with the plan
    EVENING = "evening"  # the week's digest on its last study day, else a streak reminder


class Status(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DROPPED = "dropped"  # no longer wanted when its turn came
    FAILED = "failed"  # the platform would not take it


@dataclass(frozen=True)
class OutreachPolicy:
    batch_size: int = 500
    # A moment missed by longer than this (the coach was down) is skipped, not sent late.
    max_lateness: timedelta = timedelta(hours=1)
    # How long a claimed row stays with its sender before another may take it over.
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 5
    first_backoff: timedelta = timedelta(seconds=30)
    longest_backoff: timedelta = timedelta(hours=1)
    keep_update_keys: timedelta = timedelta(days=3)
    keep_finished: timedelta = timedelta(days=30)
    # A group quiz stays open this long after the digest it comes with, then is tallied.
    group_quiz_open: timedelta = timedelta(hours=8)


@dataclass(frozen=True)
class TickReport:
    due: int = 0  # enrollments whose moment had come
    enqueued: int = 0  # new outbox rows
    skipped: int = 0  # moments passed over: unreachable learners, or too late


@dataclass(frozen=True)
class Send:
    to: LearnerRef | ChatRef  # a learner's private chat, or a study group's chat
    reply: Reply
    what: str  # what the message turned out to be, for the record: plan, quiz, digest…


@dataclass(frozen=True)
class Hold:
    until: datetime
    why: str


@dataclass(frozen=True)
class Drop:
    why: str


Decision = Send | Hold | Drop


class Outreach:
    def __init__(
        self,
        coach: Coach,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        policy: OutreachPolicy | None = None,
    ) -> None:
        self._coach = coach
        self._uow_factory = uow_factory
        self._clock = clock
        self.policy = policy or OutreachPolicy()
        self.groups = GroupOutreach(coach, uow_factory, self.policy)

    # -- the tick --------------------------------------------------------------

    async def enqueue_due(self) -> TickReport:
        """Everything due up to now, a batch per transaction, until none is left."""
        now = self._clock.now()
        total = TickReport()
        for slot in Slot:
            while True:
                report = await self._enqueue_batch(slot, now)
                total = TickReport(
                    total.due + report.due,
                    total.enqueued + report.enqueued,
                    total.skipped + report.skipped,
                )
                if report.due < self.policy.batch_size:
                    break
        groups = await self.groups.enqueue_due(now)
        return TickReport(
            total.due + groups.due, total.enqueued + groups.enqueued, total.skipped + groups.skipped
        )

    async def _enqueue_batch(self, slot: Slot, now: datetime) -> TickReport:
        async with self._uow_factory() as uow:
            due = await uow.store.due_slots(slot, now, self.policy.batch_size)
            if not due:
                return TickReport()
            items: list[NewOutboxItem] = []
            next_at: dict[int, datetime | None] = {}
            evenings: dict[int, datetime | None] = {}
            skipped = 0
            for row in due:
                zone = row.zone
                at = row.nudge_time if slot is Slot.MORNING else row.evening_time
                next_at[row.enrollment_id] = next_nudge_at(
                    now, zone=zone, at=at, study_days=row.study_days
                )
                if slot is Slot.MORNING and row.next_evening_at is None:
                    # Enrollments from before evening check-ins existed get their first one.
                    evenings[row.enrollment_id] = next_nudge_at(
                        now, zone=zone, at=row.evening_time, study_days=row.study_days
                    )
                if not row.reachable or now - row.due_at > self.policy.max_lateness:
                    skipped += 1
                    continue
                items.extend(_owed(row, slot))
            await uow.store.reschedule(slot, next_at)
            await uow.store.reschedule(Slot.EVENING, evenings)
            enqueued = await uow.store.enqueue(items, available_at=now)
            await uow.commit()
        return TickReport(len(due), enqueued, skipped)

    async def prune(self) -> int:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            removed = await uow.store.prune(
                updates_before=now - self.policy.keep_update_keys,
                outbox_before=now - self.policy.keep_finished,
                limit=10 * self.policy.batch_size,
            )
            await uow.commit()
        return removed

    # -- the sender's side -------------------------------------------------------

    async def claim(self, worker: str, limit: int) -> list[OutboxItem]:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            items = await uow.store.claim_outbox(
                now, lease_until=now + self.policy.lease, worker=worker, limit=limit
            )
            await uow.commit()
        return items

    async def compose(self, item: OutboxItem, platforms: Collection[str]) -> Decision:
        """What to send for an outbox row now, to whom; or why it waits or goes unsent."""
        if item.group_id is not None:
            return await self.groups.compose(item, platforms)
        assert item.learner_id is not None
        async with self._uow_factory() as uow:
            snapshot = await uow.store.learner_snapshot(item.learner_id)
            if snapshot is None or snapshot.enrollment is None:
                return Drop("no longer enrolled")
            e = snapshot.enrollment
            if e.paused_since is not None:
                return Drop("paused")
            # A linked learner hears from the coach in one place: their oldest account the
            # sender can reach (where they began), the next one only if that is blocked.
            to = next(
                (
                    identity.who
                    for identity in await uow.store.identities(item.learner_id)
                    if identity.reachable and identity.who.platform in platforms
                ),
                None,
            )
            if to is None:
                return Drop("no reachable chat")
            context = await self._coach.context(uow, to, snapshot)
            if context is None:
                return Drop("track no longer available")
            if context.today != item.local_date:
                return Drop(f"out of date: meant for {item.local_date.isoformat()}")
            if not is_study_day(context.today, e.study_days):
                return Drop("rest day")
            if e.quiet_hours is not None:
                quiet_ends = e.quiet_hours.ends_after(context.now, e.zone)
                if quiet_ends is not None:
                    if quiet_ends.astimezone(e.zone).date() != item.local_date:
                        return Drop("quiet hours until the day ends")
                    return Hold(quiet_ends, "quiet hours")
            if item.kind not in set(Kind):
                return Drop(f"unknown kind {item.kind!r}")  # written by a newer version
            return await self._compose(Kind(item.kind), context, to)

    async def _compose(self, kind: Kind, ctx: Context, to: LearnerRef) -> Decision:
        plan = ctx.plan()
        if plan.is_complete and ctx.track.week_after(plan.week.id) is None:
            return Drop("track finished")
        streak_days = ctx.streak()
        worked_today = ctx.today in ctx.enrollment.active_days
        if kind is Kind.PLAN:
            reply = views.morning_plan(
                ctx.track, plan, ctx.today, ctx.enrollment.study_days, streak_days
            )
            return Send(to, reply, "plan")
        if kind is Kind.QUIZ:
            reply = await self._coach.ask_quiz(ctx)
            if reply.quiz is None:
                return Drop("no question due")
            return Send(to, reply, "quiz")
        if _is_digest_day(ctx.today, plan.ends_on, ctx.enrollment.study_days):
            figures = await ctx.uow.store.progress(
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
        return Send(to, views.streak_at_risk(plan, ctx.today, streak_days), "streak")

    async def sent(self, item: OutboxItem, decision: Send) -> None:
        await self._finish(item, Status.SENT, decision.what, decision.to)

    async def dropped(self, item: OutboxItem, why: str) -> None:
        await self._finish(item, Status.DROPPED, why, None)

    async def unreachable(self, item: OutboxItem, to: LearnerRef | ChatRef, why: str) -> None:
        """The platform refuses this chat: nothing more is written to a learner until they
        write, and a group chat the bot is out of stops being a group."""
        now = self._clock.now()
        if isinstance(to, ChatRef):
            await self._coach.group_gone(to)
        async with self._uow_factory() as uow:
            if isinstance(to, LearnerRef):
                await uow.store.set_reachable(to.platform, to.external_id, reachable=False)
            await uow.store.finish_outbox(
                item.id, status=Status.FAILED, at=now, outcome=f"unreachable: {why}", to=to
            )
            await uow.commit()

    async def failed(self, item: OutboxItem, why: str, *, retry: bool) -> Status:
        """A try that did not go through: back to the outbox with a growing wait, until
        the tries run out. Returns where the row ended."""
        if not retry or item.attempts >= self.policy.max_attempts:
            await self._finish(item, Status.FAILED, why, None)
            return Status.FAILED
        wait = min(
            self.policy.first_backoff * 2 ** (item.attempts - 1), self.policy.longest_backoff
        )
        await self.postpone(item, self._clock.now() + wait, why, count_attempt=True)
        return Status.PENDING

    async def postpone(
        self, item: OutboxItem, until: datetime, why: str, *, count_attempt: bool = False
    ) -> None:
        """Back to the outbox until `until`: a hold for quiet hours or the platform's flood
        control, or a return on shutdown, costs the row none of its tries."""
        async with self._uow_factory() as uow:
            await uow.store.retry_outbox(
                item.id, at=until, outcome=why, count_attempt=count_attempt
            )
            await uow.commit()

    async def _finish(
        self, item: OutboxItem, status: Status, why: str, to: LearnerRef | ChatRef | None
    ) -> None:
        async with self._uow_factory() as uow:
            await uow.store.finish_outbox(
                item.id, status=status, at=self._clock.now(), outcome=why, to=to
            )
            await uow.commit()

    def now(self) -> datetime:
        return self._clock.now()


def _owed(row: DueSlot, slot: Slot) -> list[NewOutboxItem]:
    day = row.due_at.astimezone(row.zone).date()
    if slot is Slot.EVENING:
        return [NewOutboxItem(row.learner_id, Kind.EVENING, day, row.due_at)]
    owed = [NewOutboxItem(row.learner_id, Kind.PLAN, day, row.due_at)]
    if day.weekday() in row.quiz_days:
        owed.append(NewOutboxItem(row.learner_id, Kind.QUIZ, day, row.due_at))
    return owed


def _is_digest_day(today: date, week_ends_on: date, study_days: frozenset[int]) -> bool:
    """The week's last planned study day; for a week running over its plan, the last study
    day of each calendar week, so a learner who fell behind still hears how it goes."""
    if today <= week_ends_on:
        return today == week_ends_on
    return today.weekday() == max(study_days)
