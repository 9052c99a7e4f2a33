"""What pairing buddies needs from storage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from core.buddies.model import BuddySharing, Seat, Waiting
from core.learning.ports import LearningUnitOfWork


class Buddies(Protocol):
    """Who asked for a study buddy, and whom they are paired with.

    Pairing is safe against every other worker: the learner asking holds their own
    learner's lock (the command's) and their seat's, and takes a partner only by
    `claim`, which locks the partner's learner and seat without waiting for them. So a
    learner in the middle of a command of their own, or held by another pairing, is
    passed over rather than paired twice, and no two pairings wait for each other.
    """

    async def find(self, learner_id: int) -> Seat | None: ...

    async def join(self, learner_id: int, *, at: datetime) -> tuple[Seat, bool]:
        """The learner's seat, locked until the unit of work ends; a new one waits in
        the pool from `at`. Also whether it is new."""
        ...

    async def waiting(self, *, besides: int) -> list[Waiting]:
        """The pool, the longest waiting first: learners without a buddy, on an active
        enrollment and not on a break, `besides` left out."""
        ...

    async def claim(self, learner_id: int) -> bool:
        """Locks a learner in the pool for pairing until the unit of work ends; False,
        without waiting, when another unit of work holds them or they no longer wait."""
        ...

    async def pair(self, learner_id: int, buddy_id: int, *, at: datetime) -> None:
        """Both seats name each other from `at`; both must be held (`join`, `claim`)."""
        ...

    async def wait_again(self, learner_id: int, *, at: datetime) -> None:
        """Back to the pool from `at`, naming nobody."""
        ...

    async def leave(self, learner_id: int) -> Seat | None:
        """Gives up the seat; the one it had, if any. A buddy's seat still names the
        learner, which tells them next time they look."""
        ...

    async def share(self, learner_id: int, sharing: BuddySharing) -> None: ...

    async def announce(self, learner_id: int, *, on: date, at: datetime) -> None:
        """Owes the learner word, from `at`, that they have a buddy now: once a day at
        most, on their local date `on`, composed when it goes."""
        ...


class BuddyUnitOfWork(LearningUnitOfWork, Protocol):
    @property
    def buddies(self) -> Buddies: ...
