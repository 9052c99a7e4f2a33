"""Imported tracks, stored whole as validated JSON."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select
from sqlalchemy.sql.expression import ColumnElement

from core.learning.model import TrackRef
from core.learning.tracks import Track
from core.storage import models as m
from core.storage.session import SqlSession


class SqlTracks:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def save(
        self, track: Track, *, owner_learner_id: int | None, source: str, at: datetime
    ) -> bool:
        t = m.StoredTrack
        if await self._db.scalar(select(t.id).where(t.id == track.id)):
            return False
        await self._db.execute(
            insert(t).values(
                id=track.id,
                title=track.title,
                owner_learner_id=owner_learner_id,
                source_name=source[:200],
                content=track.model_dump_json(),
                created_at=at,
            )
        )
        return True

    async def load(self, track_id: str) -> Track | None:
        content = await self._db.scalar(
            select(m.StoredTrack.content).where(m.StoredTrack.id == track_id)
        )
        return Track.model_validate_json(content) if content else None

    async def visible(self, learner_id: int | None) -> list[TrackRef]:
        t = m.StoredTrack
        owners: list[ColumnElement[bool]] = [t.owner_learner_id.is_(None)]
        if learner_id is not None:
            owners.append(t.owner_learner_id == learner_id)
        rows = await self._db.execute(
            select(t.id, t.title).where(or_(*owners)).order_by(t.created_at, t.id)
        )
        return [TrackRef(row.id, row.title) for row in rows]
