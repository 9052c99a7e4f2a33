"""One-time confirmation tokens: issued with a question, used up by the answer."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, insert, or_, select

from core.storage import models as m
from core.storage.session import SqlSession

CONFIRMATIONS = cast(Table, m.Confirmation.__table__)
_C = CONFIRMATIONS.c


class SqlConfirmations:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def issue(
        self,
        learner_id: int,
        *,
        action: str,
        token_hash: str,
        at: datetime,
        expires_at: datetime,
        replace: bool = True,
    ) -> None:
        # Only the latest question's button works; expired tokens are cleared on the way.
        earlier = (_C.learner_id == learner_id) & (_C.action == action)
        await self._db.execute(
            delete(CONFIRMATIONS).where(
                or_(_C.expires_at <= at, earlier) if replace else _C.expires_at <= at
            )
        )
        await self._db.execute(
            insert(CONFIRMATIONS).values(
                token_hash=token_hash,
                learner_id=learner_id,
                action=action,
                expires_at=expires_at,
                created_at=at,
            )
        )

    async def use(self, learner_id: int, *, action: str, token_hash: str, now: datetime) -> bool:
        # One statement, so of two presses at once only one finds the row.
        result = await self._db.execute(
            delete(CONFIRMATIONS).where(
                _C.token_hash == token_hash,
                _C.learner_id == learner_id,
                _C.action == action,
                _C.expires_at > now,
            )
        )
        return bool(result.rowcount)

    async def redeem(self, *, action: str, token_hash: str, now: datetime) -> int | None:
        # One statement: of two workers opening the same link at once, one gets the row.
        result = await self._db.execute(
            delete(CONFIRMATIONS)
            .where(_C.token_hash == token_hash, _C.action == action, _C.expires_at > now)
            .returning(_C.learner_id)
        )
        return result.scalar_one_or_none()

    async def holder(self, *, action: str, token_hash: str, now: datetime) -> int | None:
        result = await self._db.execute(
            select(_C.learner_id).where(
                _C.token_hash == token_hash, _C.action == action, _C.expires_at > now
            )
        )
        return result.scalar_one_or_none()
