"""Learners and the platform identities they are known by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, func, insert, select, update

from core.kernel.i18n import supported
from core.kernel.refs import Identity, LearnerRef
from core.learning.model import NewEnrollment, Snapshot
from core.storage import models as m
from core.storage.enrollments import SqlEnrollments
from core.storage.rows import (
    COMPLETIONS,
    ENROLLMENT_COLUMNS,
    ENROLLMENTS,
    IDENTITIES,
    snapshot_from_rows,
)
from core.storage.session import SqlSession

_E = ENROLLMENTS.c
_C = COMPLETIONS.c
_I = IDENTITIES.c

# The hot path's statements are built once: building and cache-keying a statement per
# command costs more Python time than the database round trip itself.
_LOAD = (
    select(
        m.Identity.learner_id.label("snapshot_learner_id"),
        m.Identity.reachable.label("snapshot_reachable"),
        m.Learner.language.label("snapshot_language"),
        *ENROLLMENT_COLUMNS,
        _C.item_id,
        _C.done_on,
    )
    .select_from(m.Identity)
    .join(m.Learner, m.Learner.id == m.Identity.learner_id)
    .outerjoin(m.Enrollment, and_(_E.learner_id == m.Identity.learner_id, _E.active))
    .outerjoin(m.Completion, and_(_C.enrollment_id == _E.id, _C.week_id == _E.current_week_id))
    .where(
        m.Identity.platform == bindparam("platform"),
        m.Identity.external_id == bindparam("external_id"),
    )
)
_LOAD_BY_ID = (
    select(
        m.Learner.id.label("snapshot_learner_id"),
        (
            select(func.count())
            .where(_I.learner_id == m.Learner.id, _I.reachable)
            .scalar_subquery()
            > 0
        ).label("snapshot_reachable"),
        m.Learner.language.label("snapshot_language"),
        *ENROLLMENT_COLUMNS,
        _C.item_id,
        _C.done_on,
    )
    .select_from(m.Learner)
    .outerjoin(m.Enrollment, and_(_E.learner_id == m.Learner.id, _E.active))
    .outerjoin(m.Completion, and_(_C.enrollment_id == _E.id, _C.week_id == _E.current_week_id))
    .where(m.Learner.id == bindparam("learner_id"))
)

# The learner's row is the lock on all of their state. It is taken by a statement of its
# own: a locking SELECT that waited re-reads only the locked row, and would join it to
# ticks and settings as they were before the other command committed.
_LOCK = (
    select(m.Learner.id)
    .where(
        m.Learner.id
        == select(_I.learner_id)
        .where(_I.platform == bindparam("platform"), _I.external_id == bindparam("external_id"))
        .scalar_subquery()
    )
    .with_for_update()
)
_LOCK_BY_ID = select(m.Learner.id).where(m.Learner.id == bindparam("learner_id")).with_for_update()


class SqlLearners:
    def __init__(self, db: SqlSession, enrollments: SqlEnrollments) -> None:
        self._db = db
        self._enrollments = enrollments

    async def load(self, who: LearnerRef, *, lock: bool = False) -> Snapshot | None:
        identity = {"platform": who.platform, "external_id": who.external_id}
        # SQLite has one writer, and the engine one connection: commands queue anyway.
        if lock and self._db.dialect.row_locks:
            await self._db.execute(_LOCK, identity)
        # One round trip: the identity, its active enrollment and this week's ticks.
        result = await self._db.execute(_LOAD, identity)
        return snapshot_from_rows(result.mappings().all())

    async def load_by_id(self, learner_id: int, *, lock: bool = False) -> Snapshot | None:
        if lock and self._db.dialect.row_locks:
            await self._db.execute(_LOCK_BY_ID, {"learner_id": learner_id})
        result = await self._db.execute(_LOAD_BY_ID, {"learner_id": learner_id})
        return snapshot_from_rows(result.mappings().all())

    async def create(
        self, who: LearnerRef, enrollment: NewEnrollment | None, *, at: datetime
    ) -> Snapshot:
        language = supported(who.language)
        learner_id = await self._db.scalar(
            insert(m.Learner).values(created_at=at, language=language).returning(m.Learner.id)
        )
        assert learner_id is not None
        await self.add_identity(learner_id, who, at=at)
        created = (
            await self._enrollments.create(learner_id, enrollment, at=at) if enrollment else None
        )
        return Snapshot(learner_id, created, {}, language=language)

    async def set_language(self, learner_id: int, language: str) -> None:
        await self._db.execute(
            update(m.Learner).where(m.Learner.id == learner_id).values(language=language)
        )

    async def set_reachable(self, who: LearnerRef, *, reachable: bool) -> None:
        await self._db.execute(
            update(m.Identity)
            .where(m.Identity.platform == who.platform, m.Identity.external_id == who.external_id)
            .values(reachable=reachable)
        )

    async def identities(self, learner_id: int) -> list[Identity]:
        i = m.Identity
        rows = await self._db.execute(
            select(i.platform, i.external_id, i.display_name, i.reachable)
            .where(i.learner_id == learner_id)
            .order_by(i.id)
        )
        return [
            Identity(LearnerRef(row.platform, row.external_id, row.display_name), row.reachable)
            for row in rows
        ]

    async def add_identity(self, learner_id: int, who: LearnerRef, *, at: datetime) -> None:
        await self._db.execute(
            insert(m.Identity).values(
                learner_id=learner_id,
                platform=who.platform,
                external_id=who.external_id,
                display_name=who.display_name[:100],
                created_at=at,
            )
        )
