"""The coach writing first: the tick owes messages in an outbox, a sender claims them, asks
what to send now, and reports what became of each.

Two halves meet in the outbox. The tick turns the learners and groups whose moment has
come into rows, once per recipient, kind and local day (a unique key), and moves their
next moment on. The sender claims rows and asks `compose` what to send: that is decided
when it goes, not when it was planned.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Protocol

from core.groups.admin import group_gone
from core.kernel.clock import Clock
from core.kernel.ports import UnitOfWorkFactory
from core.kernel.refs import ChatRef, LearnerRef
from core.learning.library import TrackLibrary
from core.outreach.focus import focus_check_in
from core.outreach.groups import GroupPosts
from core.outreach.learners import LearnerPosts
from core.outreach.model import (
    Audience,
    Decision,
    OutboxItem,
    RecentSend,
    Send,
    Status,
    TickReport,
)
from core.outreach.planner import GroupPlanner, LearnerPlanner, Tick
from core.outreach.policy import OutreachPolicy
from core.outreach.ports import OutreachUnitOfWork
from core.outreach.replies import owed_reply
from core.progress.charts import ChartRenderer
from core.quizzes.quizmaster import QuizMaster


class CoachParts(Protocol):
    """What the outreach shares with the coach that answers learners."""

    @property
    def library(self) -> TrackLibrary: ...

    @property
    def quizzes(self) -> QuizMaster: ...

    @property
    def charts(self) -> ChartRenderer | None: ...


class Outreach:
    def __init__(
        self,
        coach: CoachParts,
        uow_factory: UnitOfWorkFactory[OutreachUnitOfWork],
        clock: Clock,
        policy: OutreachPolicy | None = None,
    ) -> None:
        self._units = uow_factory
        self._clock = clock
        self._library = coach.library
        self.policy = policy or OutreachPolicy()
        self._learners = LearnerPosts(coach.library, coach.quizzes)
        self._groups = GroupPosts(coach.library, coach.quizzes, coach.charts)

    def now(self) -> datetime:
        return self._clock.now()

    # -- the tick --------------------------------------------------------------

    async def enqueue_due(self) -> TickReport:
        """Everything due up to now, for learners and then for groups."""
        now = self._clock.now()
        learners = await Tick(self._units, self.policy, LearnerPlanner(self.policy)).run(now)
        groups = await Tick(self._units, self.policy, GroupPlanner(self.policy)).run(now)
        return learners + groups

    async def prune(self) -> int:
        now = self._clock.now()
        limit = 10 * self.policy.batch_size
        async with self._units() as uow:
            keys = await uow.updates.prune(before=now - self.policy.keep_update_keys, limit=limit)
            rows = await uow.outbox.prune(before=now - self.policy.keep_finished, limit=limit)
            await uow.commit()
        return keys + rows

    # -- the sender's side -------------------------------------------------------

    async def claim(self, worker: str, limit: int) -> list[OutboxItem]:
        now = self._clock.now()
        async with self._units() as uow:
            items = await uow.outbox.claim(
                now, lease_until=now + self.policy.lease, worker=worker, limit=limit
            )
            await uow.commit()
        return items

    async def compose(self, item: OutboxItem, platforms: Collection[str]) -> Decision:
        """What to send for an outbox row now, to whom; or why it waits or goes unsent."""
        if item.recipient.audience is Audience.CHAT:
            return owed_reply(item, platforms)  # all it needs is in the row
        if item.recipient.audience is Audience.FOCUS:
            async with self._units() as uow:
                decision = await focus_check_in(
                    uow, item, platforms, self._clock.now(), self._library
                )
                await uow.commit()  # the session's minutes are logged as it ends
            return decision
        posts = self._groups if item.recipient.audience is Audience.GROUP else self._learners
        async with self._units() as uow:
            decision = await posts.compose(uow, item, platforms, self._clock.now())
            # Composing may record what it asked (a quiz), so its answer finds it.
            await uow.commit()
        return decision

    async def sent_recently(self, within: timedelta) -> list[RecentSend]:
        """The chats written to in the last `within`, each with the last time."""
        async with self._units() as uow:
            return await uow.outbox.sent_since(self._clock.now() - within)

    async def sent(self, item: OutboxItem, decision: Send) -> None:
        await self._finish(item, Status.SENT, decision.what, decision.to)

    async def dropped(self, item: OutboxItem, why: str) -> None:
        await self._finish(item, Status.DROPPED, why, None)

    async def unreachable(self, item: OutboxItem, to: LearnerRef | ChatRef, why: str) -> None:
        """The platform refuses this chat: nothing more is written to a learner until they
        write, and a group chat the bot is out of stops being a group."""
        async with self._units() as uow:
            if isinstance(to, ChatRef):
                await group_gone(uow, to)
            else:
                await uow.learners.set_reachable(to, reachable=False)
            await uow.outbox.finish(
                item.id,
                status=Status.FAILED,
                at=self._clock.now(),
                outcome=f"unreachable: {why}",
                to=to,
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
        async with self._units() as uow:
            await uow.outbox.retry(item.id, at=until, outcome=why, count_attempt=count_attempt)
            await uow.commit()

    async def _finish(
        self, item: OutboxItem, status: Status, why: str, to: LearnerRef | ChatRef | None
    ) -> None:
        async with self._units() as uow:
            await uow.outbox.finish(
                item.id, status=status, at=self._clock.now(), outcome=why, to=to
            )
            await uow.commit()
