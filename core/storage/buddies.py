"""Study buddies: who waits for one, and who is paired with whom.

On PostgreSQL a pairing holds both learners' rows and both seats (see `Buddies`): the
asking learner's by their command and `join`, the partner's by `claim`, which skips a
row another transaction holds (FOR UPDATE SKIP LOCKED) instead of queueing behind it.
SQLite runs one unit of work at a time, so there is nothing to skip.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, select, update

from core.buddies.model import BuddySharing, Seat, Waiting
from core.learning.pace import Pace
from core.outreach.model import Kind, NewOutboxItem, Recipient
from core.storage import models as m
from core.storage.outbox import SqlOutbox
from core.storage.session import SqlSession

BUDDIES = cast(Table, m.Buddy.__table__)
_B = BUDDIES.c
_ENROLLMENTS = cast(Table, m.Enrollment.__table__)
_E = _ENROLLMENTS.c
_L = cast(Table, m.Learner.__table__).c


def _seat(row: Any) -> Seat:
    return Seat(
        learner_id=row.learner_id,
        buddy_id=row.buddy_id,
        since=row.since,
        sharing=BuddySharing(done=row.share_done, streak=row.share_streak),
    )


class SqlBuddies:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def find(self, learner_id: int) -> Seat | None:
        row = (await self._db.execute(select(BUDDIES).where(_B.learner_id == learner_id))).first()
        return _seat(row) if row else None

    async def join(self, learner_id: int, *, at: datetime) -> tuple[Seat, bool]:
        new = await self._db.execute(
            self._db.insert(BUDDIES)
            .values(learner_id=learner_id, buddy_id=None, since=at)
            .on_conflict_do_nothing(index_elements=[_B.learner_id])
            .returning(*BUDDIES.c)
        )
        row = new.first()
        if row is not None:
            return _seat(row), True
        # A pairing claims a seat only after its learner's row, which this learner's
        # command holds: no pairing can be holding this seat now.
        held = await self._db.execute(
            select(BUDDIES).where(_B.learner_id == learner_id).with_for_update()
        )
        return _seat(held.one()), False

    async def waiting(self, *, besides: int) -> list[Waiting]:
        rows = await self._db.execute(
            select(_B.learner_id, _B.since, _E.track_id, _E.current_week_id, _E.pace)
            .join_from(BUDDIES, _ENROLLMENTS, and_(_E.learner_id == _B.learner_id, _E.active))
            .where(_B.buddy_id.is_(None), _B.learner_id != besides, _E.paused_since.is_(None))
            .order_by(_B.since, _B.learner_id)
        )
        return [
            Waiting(r.learner_id, r.since, r.track_id, r.current_week_id, Pace(r.pace))
            for r in rows
        ]

    async def claim(self, learner_id: int) -> bool:
        # The learner first, as their own commands lock it: one of theirs running now is
        # passed over, and none of theirs can start until this pairing commits.
        learner = self._db.for_update_skip_locked(select(_L.id).where(_L.id == learner_id))
        if (await self._db.execute(learner)).first() is None:
            return False
        seat = self._db.for_update_skip_locked(
            select(_B.learner_id).where(_B.learner_id == learner_id, _B.buddy_id.is_(None))
        )
        return (await self._db.execute(seat)).first() is not None

    async def pair(self, learner_id: int, buddy_id: int, *, at: datetime) -> None:
        await self._db.execute(
            update(BUDDIES)
            .where(_B.learner_id.in_((learner_id, buddy_id)))
            .values(
                buddy_id=case((_B.learner_id == learner_id, buddy_id), else_=learner_id),
                since=at,
            )
        )

    async def wait_again(self, learner_id: int, *, at: datetime) -> None:
        await self._db.execute(
            update(BUDDIES).where(_B.learner_id == learner_id).values(buddy_id=None, since=at)
        )

    async def leave(self, learner_id: int) -> Seat | None:
        gone = await self._db.execute(
            delete(BUDDIES).where(_B.learner_id == learner_id).returning(*BUDDIES.c)
        )
        row = gone.first()
        return _seat(row) if row else None

    async def share(self, learner_id: int, sharing: BuddySharing) -> None:
        await self._db.execute(
            update(BUDDIES)
            .where(_B.learner_id == learner_id)
            .values(share_done=sharing.done, share_streak=sharing.streak)
        )

    async def announce(self, learner_id: int, *, on: date, at: datetime) -> None:
        news = NewOutboxItem(Recipient.learner(learner_id), Kind.BUDDY_PAIRED, on, at, at)
        await SqlOutbox(self._db).enqueue([news])
