"""What the outreach needs: the schedules of learners and groups, the outbox, and the
platforms' messengers."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from core.buddies.ports import BuddyUnitOfWork
from core.groups.ports import GroupUnitOfWork
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.reply import Reply
from core.kernel.schedule import Slot
from core.outreach.model import DueGroup, DueSlot, NewOutboxItem, OutboxItem, RecentSend

Due = TypeVar("Due")


class Schedule(Protocol[Due]):
    """When the coach next writes first to each learner (or group), slot by slot."""

    async def due(self, slot: Slot, now: datetime, limit: int) -> list[Due]:
        """Those whose `slot` instant is at or before `now`, oldest first.

        Where several workers share the database, rows another worker holds are skipped.
        """
        ...

    async def reschedule(self, slot: Slot, next_at: dict[int, datetime | None]) -> None:
        """Sets the next `slot` instant of each id given."""
        ...


class Outbox(Protocol):
    async def enqueue(self, items: list[NewOutboxItem]) -> int:
        """Adds rows; one already there for a recipient, kind and day is kept. Returns how
        many were new."""
        ...

    async def enqueue_reply(self, chat: ChatRef, payload: str, *, at: datetime) -> int:
        """Owes a reply (`payload`, encoded) to a chat, to go from `at`; returns its row's id.

        Any number of replies may be owed to one chat; they go in the order owed.
        """
        ...

    async def claim(
        self, now: datetime, *, lease_until: datetime, worker: str, limit: int
    ) -> list[OutboxItem]: ...

    async def finish(
        self,
        item_id: int,
        *,
        status: str,
        at: datetime,
        outcome: str,
        to: LearnerRef | ChatRef | None,
    ) -> None:
        """Records a row's outcome and whom it went to; an owed reply's text goes."""
        ...

    async def retry(
        self, item_id: int, *, at: datetime, outcome: str, count_attempt: bool
    ) -> None: ...

    async def prune(self, *, before: datetime, limit: int) -> int:
        """Deletes rows finished before `before`; returns how many went."""
        ...

    async def sent_since(self, since: datetime) -> list[RecentSend]:
        """Each chat a row was sent to at or after `since`, with the last such time."""
        ...


class OutreachUnitOfWork(GroupUnitOfWork, BuddyUnitOfWork, Protocol):
    @property
    def learner_schedule(self) -> Schedule[DueSlot]: ...

    @property
    def group_schedule(self) -> Schedule[DueGroup]: ...

    @property
    def outbox(self) -> Outbox: ...


class Messenger(Protocol):
    """How the coach writes first on one platform: nudges, digests, scheduled quizzes."""

    platform: str

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        """Raises Unreachable, RetryLater, TemporaryFailure or PermanentFailure."""
        ...

    async def post(self, chat: ChatRef, reply: Reply) -> None:
        """Writes to a study group's chat; Unreachable means the chat is gone for the bot."""
        ...


class SendGate(Protocol):
    """Paces a platform's outgoing requests within its flood limits."""

    async def wait(self, chat: str, *, group: bool = False) -> None:
        """Returns when one more request to `chat` stays within every limit."""
        ...

    def hold(self, seconds: float, chat: str | None = None) -> None:
        """The platform asked for a pause: for one chat, or for every chat when None."""
        ...

    def note_sent(self, chat: str, seconds_ago: float) -> None:
        """A request to `chat` left `seconds_ago` (before a restart, from another worker):
        the next one keeps the chat's interval from it."""
        ...
