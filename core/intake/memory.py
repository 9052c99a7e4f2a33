"""An inbox in this process's memory: it keeps order and leases, but not across a restart.
For a coach without a database to share (tests, benchmarks of the handling alone)."""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from core.intake.model import NewUpdate, RecordedUpdate


@dataclass
class _Row:
    platform: str
    update: RecordedUpdate
    received_at: datetime
    available_at: datetime
    claimed_by: str | None


class MemoryInbox:
    def __init__(self) -> None:
        self._rows: dict[int, _Row] = {}
        self._keys: set[str] = set()
        self._ids = itertools.count(1)

    async def record(
        self, updates: list[NewUpdate], *, worker: str, now: datetime, lease_until: datetime
    ) -> list[RecordedUpdate]:
        recorded = []
        for new in updates:
            if new.key in self._keys:
                continue
            self._keys.add(new.key)
            update = RecordedUpdate(next(self._ids), new.key, new.lane, new.payload, 1)
            self._rows[update.id] = _Row(new.platform, update, now, lease_until, worker)
            recorded.append(update)
        return recorded

    async def claim(
        self, platform: str, *, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[RecordedUpdate]:
        ready = [r for r in self._rows.values() if r.platform == platform and r.available_at <= now]
        taken = []
        for row in sorted(ready, key=lambda r: r.update.id)[:limit]:
            row.update = replace(row.update, attempts=row.update.attempts + 1)
            row.available_at, row.claimed_by = lease_until, worker
            taken.append(row.update)
        return taken

    async def extend(self, ids: Collection[int], *, worker: str, lease_until: datetime) -> None:
        for row in self._held(ids):
            if row.claimed_by == worker:
                row.available_at = lease_until

    async def done(self, ids: Collection[int]) -> None:
        for row in self._held(ids):
            # As in the database, a handled update is forgotten whole: one delivered again
            # later is recognised by the core's record of handled updates.
            del self._rows[row.update.id]
            self._keys.discard(row.update.key)

    async def release(self, ids: Collection[int], *, at: datetime) -> None:
        for row in self._held(ids):
            row.update = replace(row.update, attempts=row.update.attempts - 1)
            row.available_at, row.claimed_by = at, None

    async def backlog(self, platform: str) -> tuple[int, datetime | None]:
        waiting = [r.received_at for r in self._rows.values() if r.platform == platform]
        return len(waiting), min(waiting, default=None)

    def _held(self, ids: Collection[int]) -> list[_Row]:
        return [self._rows[i] for i in ids if i in self._rows]
