"""The inbox of recorded platform updates, each call a short transaction of its own."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.intake.model import NewUpdate, RecordedUpdate
from core.storage import models as m
from core.storage.session import DIALECTS

INBOX = cast(Table, m.InboxUpdate.__table__)
_I = INBOX.c
_RECORDED = (_I.id, _I.key, _I.lane, _I.payload, _I.attempts)


def _recorded(row: Any) -> RecordedUpdate:
    return RecordedUpdate(row.id, row.key, row.lane, row.payload, row.attempts)


class SqlInbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = DIALECTS[engine.dialect.name]

    async def record(
        self, updates: list[NewUpdate], *, worker: str, now: datetime, lease_until: datetime
    ) -> list[RecordedUpdate]:
        if not updates:
            return []
        rows = [
            {
                "platform": u.platform,
                "key": u.key[:80],
                "lane": u.lane[:64],
                "payload": u.payload,
                "received_at": now,
                "available_at": lease_until,
                "claimed_by": worker[:64],
                "attempts": 1,
            }
            for u in updates
        ]
        statement = (
            self._dialect.insert(INBOX)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(*_RECORDED)
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement, rows)
            # Ids follow the order the updates came in, which their lanes keep.
            return sorted((_recorded(row) for row in result), key=lambda u: u.id)

    async def claim(
        self, platform: str, *, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[RecordedUpdate]:
        ready = self._dialect.skip_locked(
            select(_I.id)
            .where(_I.platform == platform, _I.available_at <= now)
            .order_by(_I.id)
            .limit(limit)
        )
        statement = (
            update(INBOX)
            .where(_I.id.in_(ready.scalar_subquery()))
            .values(available_at=lease_until, claimed_by=worker[:64], attempts=_I.attempts + 1)
            .returning(*_RECORDED)
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
            return sorted((_recorded(row) for row in result), key=lambda u: u.id)

    async def extend(self, ids: Collection[int], *, worker: str, lease_until: datetime) -> None:
        statement = (
            update(INBOX)
            .where(_I.id.in_(bindparam("ids", expanding=True)), _I.claimed_by == worker[:64])
            .values(available_at=lease_until)
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement, {"ids": list(ids)})

    async def done(self, ids: Collection[int]) -> None:
        statement = delete(INBOX).where(_I.id.in_(bindparam("ids", expanding=True)))
        async with self._engine.begin() as connection:
            await connection.execute(statement, {"ids": list(ids)})

    async def release(self, ids: Collection[int], *, at: datetime) -> None:
        # The attempt did not end the worker: it should not count towards setting it aside.
        statement = (
            update(INBOX)
            .where(_I.id.in_(bindparam("ids", expanding=True)))
            .values(available_at=at, claimed_by=None, attempts=_I.attempts - 1)
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement, {"ids": list(ids)})

    async def backlog(self, platform: str) -> tuple[int, datetime | None]:
        statement = select(func.count(), func.min(_I.received_at)).where(_I.platform == platform)
        async with self._engine.connect() as connection:
            count, oldest = (await connection.execute(statement)).one()
        return int(count), oldest
