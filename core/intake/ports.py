"""Where updates wait between being acknowledged and being handled."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from core.intake.model import NewUpdate, RecordedUpdate


class Inbox(Protocol):
    """Recorded updates, each held by one worker at a time under a lease.

    A worker that stops or dies leaves its updates to come back when their lease ends
    (at once, when it released them), so another handles them.
    """

    async def record(
        self, updates: list[NewUpdate], *, worker: str, now: datetime, lease_until: datetime
    ) -> list[RecordedUpdate]:
        """Keeps the updates, held by `worker`, and returns those that were new: one
        recorded before (a platform delivering again) is not returned a second time."""
        ...

    async def claim(
        self, platform: str, *, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[RecordedUpdate]:
        """Takes updates whose lease has run out, oldest first; ones another worker is
        taking at the same moment are skipped."""
        ...

    async def extend(self, ids: Collection[int], *, worker: str, lease_until: datetime) -> None:
        """Keeps this worker's hold on updates it still has queued or in hand."""
        ...

    async def done(self, ids: Collection[int]) -> None:
        """Forgets handled updates."""
        ...

    async def release(self, ids: Collection[int], *, at: datetime) -> None:
        """Hands updates back for any worker to take from `at`."""
        ...

    async def backlog(self, platform: str) -> tuple[int, datetime | None]:
        """How many updates wait, and when the oldest was recorded."""
        ...
