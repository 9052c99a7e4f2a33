"""Focus sessions: who is studying now, until when, on what."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.sql.expression import Executable

from core.learning.ports import FocusSession, NewFocusSession
from core.outreach.model import Kind, NewOutboxItem, Recipient
from core.storage import models as m
from core.storage.outbox import SqlOutbox
from core.storage.session import Dialect, PerDialect, SqlSession

FOCUS_SESSIONS = cast(Table, m.FocusSession.__table__)
_F = FOCUS_SESSIONS.c
_COLUMNS = (
    _F.id,
    _F.learner_id,
    _F.enrollment_id,
    _F.week_id,
    _F.item_id,
    _F.started_at,
    _F.ends_at,
    _F.stopped_at,
)
_NOT_STOPPED = _F.stopped_at.is_(None)


def _start(dialect: Dialect) -> Executable:
    # The partial unique index keeps one session per learner from stopping: a second start
    # waits for a first one in another transaction and then does nothing, on either backend.
    return (
        dialect.insert(FOCUS_SESSIONS)
        .on_conflict_do_nothing(index_elements=[_F.learner_id], index_where=_NOT_STOPPED)
        .returning(*_COLUMNS)
    )


_START = PerDialect(_start)


def _session(row: Any) -> FocusSession:
    return FocusSession(
        id=row.id,
        learner_id=row.learner_id,
        enrollment_id=row.enrollment_id,
        week_id=row.week_id,
        item_id=row.item_id,
        started_at=row.started_at,
        ends_at=row.ends_at,
        stopped_at=row.stopped_at,
    )


class SqlFocusSessions:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def start(self, session: NewFocusSession) -> FocusSession | None:
        s = session
        values = {
            "learner_id": s.learner_id,
            "enrollment_id": s.enrollment_id,
            "week_id": s.week_id,
            "item_id": s.item_id,
            "started_at": s.started_at,
            "ends_at": s.ends_at,
        }
        row = (await self._db.execute(_START, values)).first()
        if row is None:
            return None
        begun = _session(row)
        check_in = NewOutboxItem(
            Recipient.focus(begun.id), Kind.FOCUS_END, s.ends_on, s.ends_at, s.ends_at
        )
        await SqlOutbox(self._db).enqueue([check_in])
        return begun

    async def get(self, session_id: int) -> FocusSession | None:
        row = (await self._db.execute(select(*_COLUMNS).where(_F.id == session_id))).first()
        return _session(row) if row is not None else None

    async def running(self, learner_id: int) -> FocusSession | None:
        row = (
            await self._db.execute(
                select(*_COLUMNS).where(_F.learner_id == learner_id, _NOT_STOPPED)
            )
        ).first()
        return _session(row) if row is not None else None

    async def latest(self, learner_id: int) -> FocusSession | None:
        row = (
            await self._db.execute(
                select(*_COLUMNS)
                .where(_F.learner_id == learner_id)
                .order_by(_F.started_at.desc(), _F.id.desc())
                .limit(1)
            )
        ).first()
        return _session(row) if row is not None else None

    async def stop(self, session_id: int, *, at: datetime) -> bool:
        # Conditional, so of two stops at once (a check-in and /focus stop) one counts.
        result = await self._db.execute(
            update(FOCUS_SESSIONS).where(_F.id == session_id, _NOT_STOPPED).values(stopped_at=at)
        )
        return bool(result.rowcount)

    async def running_among(
        self, learner_ids: Collection[int], *, now: datetime
    ) -> list[FocusSession]:
        if not learner_ids:
            return []
        rows = await self._db.execute(
            select(*_COLUMNS)
            .where(_F.learner_id.in_(list(learner_ids)), _NOT_STOPPED, _F.ends_at > now)
            .order_by(_F.ends_at, _F.id)
        )
        return [_session(row) for row in rows]
