"""Imported tracks, stored whole as validated JSON and loaded compactly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, insert, or_, select, update
from sqlalchemy.sql.expression import ColumnElement

from core.learning.library import share_equal_parts
from core.learning.model import OwnTrack, TrackRef
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
                # Fields left at their defaults are left out, a fifth of the JSON; the
                # export writes them all back.
                content=track.model_dump_json(exclude_defaults=True),
                created_at=at,
            )
        )
        return True

    async def load(self, track_id: str) -> Track | None:
        content = await self._db.scalar(
            select(m.StoredTrack.content).where(m.StoredTrack.id == track_id)
        )
        return track_from_json(content) if content else None

    async def visible(self, learner_id: int | None) -> list[TrackRef]:
        t = m.StoredTrack
        owners: list[ColumnElement[bool]] = [t.owner_learner_id.is_(None)]
        if learner_id is not None:
            owners.append(t.owner_learner_id == learner_id)
        rows = await self._db.execute(
            select(t.id, t.title).where(or_(*owners)).order_by(t.created_at, t.id)
        )
        return [TrackRef(row.id, row.title) for row in rows]

    async def owned(self, learner_id: int) -> list[OwnTrack]:
        t, e, g = m.StoredTrack, m.Enrollment, m.StudyGroup
        followed = or_(
            exists().where(e.track_id == t.id), exists().where(g.track_id == t.id)
        ).label("followed")
        rows = await self._db.execute(
            select(t.id, t.title, t.created_at, followed)
            .where(t.owner_learner_id == learner_id)
            .order_by(t.created_at, t.id)
        )
        return [OwnTrack(row.id, row.title, row.created_at, bool(row.followed)) for row in rows]

    async def rename(self, track_id: str, title: str) -> None:
        t = m.StoredTrack
        content = await self._db.scalar(select(t.content).where(t.id == track_id))
        if content is None:
            return
        renamed = Track.model_validate_json(content).model_copy(update={"title": title})
        await self._db.execute(
            update(t)
            .where(t.id == track_id)
            .values(title=title, content=renamed.model_dump_json(exclude_defaults=True))
        )

    async def delete(self, track_id: str) -> None:
        await self._db.execute(delete(m.StoredTrack).where(m.StoredTrack.id == track_id))


def track_from_json(content: str | bytes) -> Track:
    """A stored track as the library caches it: parsed, then with its repeated values held
    once. Reads every form a track was stored in: fields left at their defaults may be
    given or left out."""
    return share_equal_parts(Track.model_validate_json(content))
