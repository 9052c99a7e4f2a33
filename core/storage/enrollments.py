"""Enrollments, and the learners' schedule that lives on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.sql.expression import Executable

from core.kernel.schedule import Slot
from core.learning.model import Enrollment, NewEnrollment
from core.outreach.model import DueSlot
from core.storage.rows import (
    ENROLLMENT_COLUMNS,
    ENROLLMENTS,
    IDENTITIES,
    LEARNERS,
    enrollment_from_row,
    enrollment_values,
    mask_to_days,
    moved_text,
    picks_text,
)
from core.storage.session import PerDialect, SqlSession

_E = ENROLLMENTS.c
_I = IDENTITIES.c

_SAVED_FIELDS = (
    "started_on",  # the origin of both day bitmaps; moves back when two enrollments merge
    "pace",
    "timezone",
    "study_days",
    "nudge_time",
    "current_week_id",
    "next_nudge_at",
    "evening_time",
    "next_evening_at",
    "quiz_days",
    "quiet_start",
    "quiet_end",
    "paused_since",
    "week_opened_on",
    "active_days",
    "paused_days",
    "picks",
    "moved",
)
_SAVE = (
    update(ENROLLMENTS)
    .where(_E.id == bindparam("enrollment_id"))
    .values({name: bindparam(name, type_=_E[name].type) for name in _SAVED_FIELDS})
)

# A correlated count, not EXISTS: PostgreSQL may run an EXISTS in the select list as a
# hashed subplan that reads every identity for each batch, a cost growing with the table.
_REACHABLE_IDENTITIES = (
    select(func.count()).where(_I.learner_id == _E.learner_id, _I.reachable).scalar_subquery()
)
_SLOT_COLUMNS = {Slot.MORNING: _E.next_nudge_at, Slot.EVENING: _E.next_evening_at}


def _due(slot: Slot) -> PerDialect[Executable]:
    column = _SLOT_COLUMNS[slot]
    # Only the columns scheduling needs: a tick may read thousands of rows.
    statement = (
        select(
            _E.id,
            _E.learner_id,
            _E.timezone,
            _E.nudge_time,
            _E.evening_time,
            _E.study_days,
            _E.quiz_days,
            column.label("due_at"),
            _E.next_evening_at,
            (_REACHABLE_IDENTITIES > 0).label("reachable"),
        )
        .where(column <= bindparam("now"), _E.active)
        .order_by(column)
        .limit(bindparam("limit"))
    )
    # Two workers ticking at once each take different rows instead of queueing. The
    # learner's row is locked too: a learner in the middle of a command is passed over
    # until the next tick, and a command that comes meanwhile waits for the tick's commit,
    # so neither writes back a schedule the other has moved on.
    statement = statement.join(LEARNERS, LEARNERS.c.id == _E.learner_id)
    return PerDialect(lambda dialect: dialect.skip_locked(statement, ENROLLMENTS, LEARNERS))


_DUE = {slot: _due(slot) for slot in Slot}
_RESCHEDULE = {
    slot: update(ENROLLMENTS)
    .where(_E.id == bindparam("enrollment_id"))
    .values({column.name: bindparam("next_at", type_=column.type)})
    for slot, column in _SLOT_COLUMNS.items()
}


class SqlEnrollments:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def create(
        self, learner_id: int, enrollment: NewEnrollment, *, at: datetime
    ) -> Enrollment:
        """Creates the enrollment and makes it the learner's active one.

        Without `at`, the database's clock dates the row.
        """
        values: dict[str, Any] = {
            "learner_id": learner_id,
            "track_id": enrollment.track_id,
            "active": False,
            "started_on": enrollment.started_on,
            "week_opened_on": enrollment.started_on,
            "active_days": b"",
            "paused_days": b"",
            "created_at": at,
            **enrollment_values(enrollment),
        }
        result = await self._db.execute(
            insert(ENROLLMENTS).values(values).returning(*ENROLLMENT_COLUMNS)
        )
        row = result.mappings().one()
        await self.activate(learner_id, row["id"])
        return enrollment_from_row(row)

    async def find(self, learner_id: int, track_id: str) -> Enrollment | None:
        result = await self._db.execute(
            select(*ENROLLMENT_COLUMNS).where(_E.learner_id == learner_id, _E.track_id == track_id)
        )
        row = result.mappings().one_or_none()
        return enrollment_from_row(row) if row else None

    async def of_learner(self, learner_id: int) -> list[Enrollment]:
        result = await self._db.execute(
            select(*ENROLLMENT_COLUMNS).where(_E.learner_id == learner_id).order_by(_E.id)
        )
        return [enrollment_from_row(row) for row in result.mappings()]

    async def activate(self, learner_id: int, enrollment_id: int) -> None:
        await self._db.execute(
            # A track left behind writes no more nudges until it is picked again.
            update(ENROLLMENTS)
            .where(_E.learner_id == learner_id, _E.active)
            .values(active=False, next_nudge_at=None, next_evening_at=None)
        )
        await self._db.execute(
            update(ENROLLMENTS).where(_E.id == enrollment_id).values(active=True)
        )

    async def save(self, enrollment: Enrollment) -> None:
        values = {
            "enrollment_id": enrollment.id,
            "started_on": enrollment.started_on,
            "paused_since": enrollment.paused_since,
            "week_opened_on": enrollment.week_opened_on,
            "active_days": enrollment.active_days.bits,
            "paused_days": enrollment.paused_days.bits,
            "picks": picks_text(enrollment.picks),
            "moved": moved_text(enrollment.moved),
            **enrollment_values(enrollment),
        }
        await self._db.execute(_SAVE, values)


class SqlLearnerSchedule:
    """When each active enrollment is next owed its morning plan or its evening message."""

    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def due(self, slot: Slot, now: datetime, limit: int) -> list[DueSlot]:
        result = await self._db.execute(_DUE[slot], {"now": now, "limit": limit})
        return [
            DueSlot(
                enrollment_id=row.id,
                learner_id=row.learner_id,
                timezone=row.timezone,
                nudge_time=row.nudge_time,
                evening_time=row.evening_time,
                study_days=mask_to_days(row.study_days),
                quiz_days=mask_to_days(row.quiz_days),
                due_at=row.due_at,
                next_evening_at=row.next_evening_at,
                reachable=bool(row.reachable),
            )
            for row in result
        ]

    async def reschedule(self, slot: Slot, next_at: dict[int, datetime | None]) -> None:
        if next_at:
            await self._db.execute_many(
                _RESCHEDULE[slot],
                [{"enrollment_id": key, "next_at": value} for key, value in next_at.items()],
            )
