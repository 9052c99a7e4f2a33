"""The core's store on SQLAlchemy: explicit statements, so each command's SQL is known and counted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Result, RowMapping
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement, Executable

from core.kernel.errors import AlreadyDone, StorageError
from core.kernel.schedule import QuietHours, Slot
from core.learning.activity import DayBitmap
from core.learning.pace import Pace
from core.learning.tracks import Track
from core.ports import (
    CompletionRecord,
    DueSlot,
    Enrollment,
    Identity,
    LearnerRef,
    LinkCode,
    MergedEnrollment,
    NewEnrollment,
    NewOutboxItem,
    OutboxItem,
    ProgressFigures,
    QuizFigures,
    QuizRecord,
    Snapshot,
    TrackRef,
)
from core.quizzes.review import last_reviewed
from core.storage import models as m

if TYPE_CHECKING:
    from core.groups.model import ChatRef
    from core.storage.group_store import SqlGroupStore

_E = m.Enrollment.__table__.c
_ENROLLMENT_COLUMNS = (
    _E.id,
    _E.learner_id,
    _E.track_id,
    _E.started_on,
    _E.pace,
    _E.timezone,
    _E.study_days,
    _E.nudge_time,
    _E.paused_since,
    _E.current_week_id,
    _E.week_opened_on,
    _E.active_days,
    _E.paused_days,
    _E.next_nudge_at,
    _E.evening_time,
    _E.next_evening_at,
    _E.quiz_days,
    _E.quiet_start,
    _E.quiet_end,
)


def days_to_mask(days: frozenset[int]) -> int:
    return sum(1 << d for d in days)


def mask_to_days(mask: int) -> frozenset[int]:
    return frozenset(d for d in range(7) if mask >> d & 1)


def _enrollment(row: RowMapping) -> Enrollment:
    return Enrollment(
        id=row["id"],
        learner_id=row["learner_id"],
        track_id=row["track_id"],
        started_on=row["started_on"],
        pace=Pace(row["pace"]),
        timezone=row["timezone"],
        study_days=mask_to_days(row["study_days"]),
        nudge_time=row["nudge_time"],
        paused_since=row["paused_since"],
        current_week_id=row["current_week_id"],
        week_opened_on=row["week_opened_on"],
        active_days=DayBitmap(row["started_on"], row["active_days"] or b""),
        paused_days=DayBitmap(row["started_on"], row["paused_days"] or b""),
        next_nudge_at=row["next_nudge_at"],
        evening_time=row["evening_time"],
        next_evening_at=row["next_evening_at"],
        quiz_days=mask_to_days(row["quiz_days"]),
        quiet_hours=(
            QuietHours(row["quiet_start"], row["quiet_end"])
            if row["quiet_start"] is not None and row["quiet_end"] is not None
            else None
        ),
    )


def _snapshot(rows: Sequence[RowMapping]) -> Snapshot | None:
    """A learner, their active enrollment and this week's ticks, from one row per tick."""
    if not rows:
        return None
    first = rows[0]
    enrollment = _enrollment(first) if first["id"] is not None else None
    week_done = {row["item_id"]: row["done_on"] for row in rows if row["item_id"] is not None}
    return Snapshot(
        first["snapshot_learner_id"], enrollment, week_done, bool(first["snapshot_reachable"])
    )


def _enrollment_values(e: NewEnrollment | Enrollment) -> dict[str, Any]:
    return {
        "pace": e.pace.value,
        "timezone": e.timezone,
        "study_days": days_to_mask(e.study_days),
        "nudge_time": e.nudge_time,
        "current_week_id": e.current_week_id,
        "next_nudge_at": e.next_nudge_at,
        "evening_time": e.evening_time,
        "next_evening_at": e.next_evening_at,
        "quiz_days": days_to_mask(e.quiz_days),
        "quiet_start": e.quiet_hours.start if e.quiet_hours else None,
        "quiet_end": e.quiet_hours.end if e.quiet_hours else None,
    }


# Statements on the Tables, not the ORM classes, take the lighter Core execution path.
_ENROLLMENTS = cast(Table, m.Enrollment.__table__)
_COMPLETIONS = cast(Table, m.Completion.__table__)
_C = _COMPLETIONS.c
_COMPLETION_COLUMNS = (_C.id, _C.week_id, _C.item_id, _C.done_on, _C.completes_week, _C.done_at)

# The hot path's statements are built once: building and cache-keying a statement per
# command costs more Python time than the database round trip itself.
_LOAD = (
    select(
        m.Identity.learner_id.label("snapshot_learner_id"),
        m.Identity.reachable.label("snapshot_reachable"),
        *_ENROLLMENT_COLUMNS,
        _C.item_id,
        _C.done_on,
    )
    .select_from(m.Identity)
    .outerjoin(m.Enrollment, and_(_E.learner_id == m.Identity.learner_id, _E.active))
    .outerjoin(m.Completion, and_(_C.enrollment_id == _E.id, _C.week_id == _E.current_week_id))
    .where(
        m.Identity.platform == bindparam("platform"),
        m.Identity.external_id == bindparam("external_id"),
    )
)
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
)
_SAVE_ENROLLMENT = (
    update(_ENROLLMENTS)
    .where(_E.id == bindparam("enrollment_id"))
    .values({name: bindparam(name, type_=_E[name].type) for name in _SAVED_FIELDS})
)
_CLAIM_UPDATE = {
    name: dialect_insert(cast(Table, m.ProcessedUpdate.__table__)).on_conflict_do_nothing(
        index_elements=["key"]
    )
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_ADD_COMPLETION = {
    name: dialect_insert(_COMPLETIONS).on_conflict_do_nothing(
        index_elements=["enrollment_id", "item_id"]
    )
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}

_IDENTITY = m.Identity.__table__.c
# A correlated count, not EXISTS: PostgreSQL may run an EXISTS in the select list as a
# hashed subplan that reads every identity for each batch, a cost growing with the table.
_REACHABLE_IDENTITIES = (
    select(func.count())
    .where(_IDENTITY.learner_id == _E.learner_id, _IDENTITY.reachable)
    .scalar_subquery()
)
_ANY_REACHABLE = (_REACHABLE_IDENTITIES > 0).label("reachable")
_SLOT_COLUMNS = {Slot.MORNING: _E.next_nudge_at, Slot.EVENING: _E.next_evening_at}
# Only the columns scheduling needs: a tick may read thousands of rows.
_DUE_SLOTS = {
    slot: select(
        _E.id,
        _E.learner_id,
        _E.timezone,
        _E.nudge_time,
        _E.evening_time,
        _E.study_days,
        _E.quiz_days,
        column.label("due_at"),
        _E.next_evening_at,
        _ANY_REACHABLE,
    )
    .where(column <= bindparam("now"), _E.active)
    .order_by(column)
    .limit(bindparam("limit"))
    for slot, column in _SLOT_COLUMNS.items()
}
_RESCHEDULE = {
    slot: update(_ENROLLMENTS)
    .where(_E.id == bindparam("enrollment_id"))
    .values({column.name: bindparam("next_at", type_=column.type)})
    for slot, column in _SLOT_COLUMNS.items()
}
_OUTBOX = cast(Table, m.OutboxMessage.__table__)
_O = _OUTBOX.c
_ENQUEUE = {
    name: dialect_insert(_OUTBOX)
    .on_conflict_do_nothing(index_elements=["learner_id", "kind", "local_date"])
    .returning(_O.id)
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _claim_outbox(*, skip_locked: bool) -> Any:
    """Claims by pushing `available_at` one lease ahead: a worker that dies mid-send
    leaves its rows to come back on their own, with no sweeper."""
    ready = (
        select(_O.id)
        .where(_O.status == "pending", _O.available_at <= bindparam("now"))
        .order_by(_O.available_at)
        .limit(bindparam("limit"))
    )
    if skip_locked:
        ready = ready.with_for_update(skip_locked=True)
    return (
        update(_OUTBOX)
        .where(_O.id.in_(ready.scalar_subquery()))
        .values(
            available_at=bindparam("lease_until", type_=_O.available_at.type),
            attempts=_O.attempts + 1,
            claimed_by=bindparam("worker"),
        )
        .returning(
            _O.id, _O.learner_id, _O.group_id, _O.kind, _O.local_date, _O.due_at, _O.attempts
        )
    )


_CLAIM_OUTBOX = _claim_outbox(skip_locked=False)
_CLAIM_OUTBOX_PG = _claim_outbox(skip_locked=True)
_FINISH_OUTBOX = (
    update(_OUTBOX)
    .where(_O.id == bindparam("item_id"))
    .values(
        status=bindparam("status"),
        finished_at=bindparam("finished_at", type_=_O.finished_at.type),
        outcome=bindparam("outcome"),
        platform=bindparam("platform"),
        external_id=bindparam("external_id"),
        claimed_by=None,
    )
)
_RETRY_OUTBOX = (
    update(_OUTBOX)
    .where(_O.id == bindparam("item_id"))
    .values(
        available_at=bindparam("available_at", type_=_O.available_at.type),
        outcome=bindparam("outcome"),
        attempts=_O.attempts - bindparam("uncounted"),
        claimed_by=None,
    )
)
_LOAD_BY_LEARNER = (
    select(
        m.Learner.id.label("snapshot_learner_id"),
        (
            select(func.count())
            .where(_IDENTITY.learner_id == m.Learner.id, _IDENTITY.reachable)
            .scalar_subquery()
            > 0
        ).label("snapshot_reachable"),
        *_ENROLLMENT_COLUMNS,
        _C.item_id,
        _C.done_on,
    )
    .select_from(m.Learner)
    .outerjoin(m.Enrollment, and_(_E.learner_id == m.Learner.id, _E.active))
    .outerjoin(m.Completion, and_(_C.enrollment_id == _E.id, _C.week_id == _E.current_week_id))
    .where(m.Learner.id == bindparam("learner_id"))
)


class SqlCoachStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _execute(self, statement: Executable, params: dict[str, Any]) -> Result[Any]:
        """Core execution on the session's connection and transaction, skipping the ORM layer."""
        connection = await self._session.connection()
        return await connection.execute(statement, params)

    async def load(self, platform: str, external_id: str) -> Snapshot | None:
        # One round trip: the identity, its active enrollment and this week's ticks.
        result = await self._execute(_LOAD, {"platform": platform, "external_id": external_id})
        return _snapshot(result.mappings().all())

    async def create_learner(self, who: LearnerRef, enrollment: NewEnrollment | None) -> Snapshot:
        now = datetime.now(UTC)
        learner_id = await self._session.scalar(
            insert(m.Learner).values(created_at=now).returning(m.Learner.id)
        )
        assert learner_id is not None
        await self._session.execute(
            insert(m.Identity).values(
                learner_id=learner_id,
                platform=who.platform,
                external_id=who.external_id,
                display_name=who.display_name[:100],
                created_at=now,
            )
        )
        created = await self.create_enrollment(learner_id, enrollment) if enrollment else None
        return Snapshot(learner_id, created, {})

    async def claim_update(self, key: str) -> bool:
        stmt = _CLAIM_UPDATE[self._session.get_bind().dialect.name]
        result = await self._execute(stmt, {"key": key[:80], "handled_at": datetime.now(UTC)})
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_reachable(self, platform: str, external_id: str, *, reachable: bool) -> None:
        await self._session.execute(
            update(m.Identity)
            .where(m.Identity.platform == platform, m.Identity.external_id == external_id)
            .values(reachable=reachable)
        )

    async def review_due(self, learner_id: int) -> dict[str, datetime]:
        r = m.ReviewCard
        rows = await self._session.execute(
            select(r.subject, r.due).where(r.learner_id == learner_id)
        )
        return {row.subject: row.due for row in rows}

    async def review_card(self, learner_id: int, subject: str) -> str | None:
        r = m.ReviewCard
        return await self._session.scalar(
            select(r.card).where(r.learner_id == learner_id, r.subject == subject)
        )

    async def save_review(
        self, learner_id: int, subject: str, *, card: str, due: datetime, lapsed: bool
    ) -> None:
        r = m.ReviewCard
        insert_ = (
            pg_insert if self._session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        stmt = insert_(r).values(
            learner_id=learner_id,
            subject=subject,
            card=card,
            due=due,
            reviews=1,
            lapses=int(lapsed),
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=["learner_id", "subject"],
                set_={
                    "card": stmt.excluded.card,
                    "due": stmt.excluded.due,
                    "reviews": r.reviews + 1,
                    "lapses": r.lapses + int(lapsed),
                },
            )
        )

    async def quiz_figures(self, learner_id: int, *, now: datetime) -> QuizFigures:
        q = m.QuizDelivery
        rows = await self._session.execute(
            select(q.question_id, func.count(), func.count().filter(q.correct.is_(True)))
            .where(q.learner_id == learner_id, q.answered_at.is_not(None))
            .group_by(q.question_id)
        )
        by_subject = {row[0]: (int(row[1]), int(row[2])) for row in rows}
        r = m.ReviewCard
        due = await self._session.scalar(
            select(func.count()).where(r.learner_id == learner_id, r.due <= now)
        )
        return QuizFigures(
            answered=sum(a for a, _ in by_subject.values()),
            correct=sum(c for _, c in by_subject.values()),
            due=int(due or 0),
            by_subject=by_subject,
        )

    async def add_quiz(
        self,
        learner_id: int,
        *,
        kind: str,
        question_id: str,
        option_order: str,
        correct_option: int,
        at: datetime,
    ) -> int:
        quiz_id = await self._session.scalar(
            insert(m.QuizDelivery)
            .values(
                learner_id=learner_id,
                kind=kind,
                question_id=question_id,
                option_order=option_order,
                correct_option=correct_option,
                sent_at=at,
            )
            .returning(m.QuizDelivery.id)
        )
        assert quiz_id is not None
        return int(quiz_id)

    async def set_quiz_ref(self, quiz_id: int, *, platform: str, poll_ref: str) -> None:
        await self._session.execute(
            update(m.QuizDelivery)
            .where(m.QuizDelivery.id == quiz_id)
            .values(platform=platform, poll_ref=poll_ref)
        )

    async def find_quiz(self, platform: str, poll_ref: str) -> QuizRecord | None:
        q = m.QuizDelivery
        row = (
            await self._session.execute(
                select(
                    q.id, q.learner_id, q.kind, q.question_id, q.correct_option, q.answered_at
                ).where(q.platform == platform, q.poll_ref == poll_ref)
            )
        ).one_or_none()
        if row is None:
            return None
        return QuizRecord(
            row.id,
            row.learner_id,
            row.kind,
            row.question_id,
            row.correct_option,
            row.answered_at is not None,
        )

    async def answer_quiz(self, quiz_id: int, *, chosen: int, correct: bool, at: datetime) -> bool:
        q = m.QuizDelivery
        result = await self._session.execute(
            update(q)
            .where(q.id == quiz_id, q.answered_at.is_(None))
            .values(chosen=chosen, correct=correct, answered_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def save_track(self, track: Track, *, owner_learner_id: int | None, source: str) -> bool:
        if await self._session.scalar(select(m.StoredTrack.id).where(m.StoredTrack.id == track.id)):
            return False
        await self._session.execute(
            insert(m.StoredTrack).values(
                id=track.id,
                title=track.title,
                owner_learner_id=owner_learner_id,
                source_name=source[:200],
                content=track.model_dump_json(),
                created_at=datetime.now(UTC),
            )
        )
        return True

    async def load_track(self, track_id: str) -> Track | None:
        content = await self._session.scalar(
            select(m.StoredTrack.content).where(m.StoredTrack.id == track_id)
        )
        return Track.model_validate_json(content) if content else None

    async def visible_tracks(self, learner_id: int | None) -> list[TrackRef]:
        t = m.StoredTrack
        owners: list[ColumnElement[bool]] = [t.owner_learner_id.is_(None)]
        if learner_id is not None:
            owners.append(t.owner_learner_id == learner_id)
        rows = await self._session.execute(
            select(t.id, t.title).where(or_(*owners)).order_by(t.created_at, t.id)
        )
        return [TrackRef(row.id, row.title) for row in rows]

    async def create_enrollment(self, learner_id: int, enrollment: NewEnrollment) -> Enrollment:
        values = {
            "learner_id": learner_id,
            "track_id": enrollment.track_id,
            "active": False,
            "started_on": enrollment.started_on,
            "week_opened_on": enrollment.started_on,
            "active_days": b"",
            "paused_days": b"",
            "created_at": datetime.now(UTC),
            **_enrollment_values(enrollment),
        }
        row = (
            (
                await self._session.execute(
                    insert(m.Enrollment).values(values).returning(*_ENROLLMENT_COLUMNS)
                )
            )
            .mappings()
            .one()
        )
        await self.activate(learner_id, row["id"])
        return _enrollment(row)

    async def find_enrollment(self, learner_id: int, track_id: str) -> Enrollment | None:
        row = (
            (
                await self._session.execute(
                    select(*_ENROLLMENT_COLUMNS).where(
                        _E.learner_id == learner_id, _E.track_id == track_id
                    )
                )
            )
            .mappings()
            .one_or_none()
        )
        return _enrollment(row) if row else None

    async def activate(self, learner_id: int, enrollment_id: int) -> None:
        await self._session.execute(
            # A track left behind writes no more nudges until it is picked again.
            update(m.Enrollment)
            .where(_E.learner_id == learner_id, _E.active)
            .values(active=False, next_nudge_at=None, next_evening_at=None)
        )
        await self._session.execute(
            update(m.Enrollment).where(_E.id == enrollment_id).values(active=True)
        )

    async def save_enrollment(self, e: Enrollment) -> None:
        values = {
            "enrollment_id": e.id,
            "started_on": e.started_on,
            "paused_since": e.paused_since,
            "week_opened_on": e.week_opened_on,
            "active_days": e.active_days.bits,
            "paused_days": e.paused_days.bits,
            **_enrollment_values(e),
        }
        await self._execute(_SAVE_ENROLLMENT, values)

    async def add_completion(
        self,
        enrollment_id: int,
        *,
        week_id: str,
        item_id: str,
        done_on: date,
        done_at: datetime,
        completes_week: bool,
    ) -> None:
        # ON CONFLICT DO NOTHING instead of catching IntegrityError: on PostgreSQL a
        # failed INSERT would poison the transaction, and a savepoint costs two statements.
        stmt = _ADD_COMPLETION[self._session.get_bind().dialect.name]
        values = {
            "enrollment_id": enrollment_id,
            "week_id": week_id,
            "item_id": item_id,
            "done_on": done_on,
            "done_at": done_at,
            "completes_week": completes_week,
        }
        result = await self._execute(stmt, values)
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise AlreadyDone(item_id)

    async def last_completion(self, enrollment_id: int) -> CompletionRecord | None:
        c = m.Completion.__table__.c
        row = (
            (
                await self._session.execute(
                    select(*_COMPLETION_COLUMNS)
                    .where(c.enrollment_id == enrollment_id)
                    .order_by(c.done_at.desc(), c.id.desc())
                    .limit(1)
                )
            )
            .mappings()
            .one_or_none()
        )
        return CompletionRecord(**row) if row else None

    async def delete_completion(self, completion_id: int) -> None:
        await self._session.execute(delete(m.Completion).where(m.Completion.id == completion_id))

    async def any_completion_on(self, enrollment_id: int, day: date) -> bool:
        found = await self._session.scalar(
            select(m.Completion.id)
            .where(m.Completion.enrollment_id == enrollment_id, m.Completion.done_on == day)
            .limit(1)
        )
        return found is not None

    async def week_completed_on(self, enrollment_id: int, week_id: str) -> date | None:
        return await self._session.scalar(
            select(m.Completion.done_on).where(
                m.Completion.enrollment_id == enrollment_id,
                m.Completion.week_id == week_id,
                m.Completion.completes_week,
            )
        )

    async def week_done(self, enrollment_id: int, week_id: str) -> dict[str, date]:
        rows = await self._session.execute(
            select(m.Completion.item_id, m.Completion.done_on).where(
                m.Completion.enrollment_id == enrollment_id, m.Completion.week_id == week_id
            )
        )
        return {row.item_id: row.done_on for row in rows}

    async def add_hours(
        self, learner_id: int, enrollment_id: int, *, on: date, hours: float, at: datetime
    ) -> None:
        await self._session.execute(
            insert(m.HourLog).values(
                learner_id=learner_id,
                enrollment_id=enrollment_id,
                logged_on=on,
                hours=Decimal(str(hours)),
                logged_at=at,
            )
        )

    async def hours_on(self, learner_id: int, day: date) -> float:
        total = await self._session.scalar(
            select(func.coalesce(func.sum(m.HourLog.hours), 0)).where(
                m.HourLog.learner_id == learner_id, m.HourLog.logged_on == day
            )
        )
        return float(total or 0)

    async def add_note(
        self,
        learner_id: int,
        enrollment_id: int,
        *,
        week_id: str,
        on: date,
        text: str,
        at: datetime,
    ) -> None:
        await self._session.execute(
            insert(m.Note).values(
                learner_id=learner_id,
                enrollment_id=enrollment_id,
                week_id=week_id,
                written_on=on,
                text=text,
                written_at=at,
            )
        )

    async def week_notes(self, enrollment_id: int, week_id: str) -> list[str]:
        rows = await self._session.scalars(
            select(m.Note.text)
            .where(m.Note.enrollment_id == enrollment_id, m.Note.week_id == week_id)
            .order_by(m.Note.written_at, m.Note.id)
        )
        return list(rows)

    async def progress(
        self, enrollment_id: int, *, hours_from: date, hours_to: date
    ) -> ProgressFigures:
        c = m.Completion
        items_done = await self._session.scalar(
            select(func.count()).where(c.enrollment_id == enrollment_id)
        )
        weeks = await self._session.execute(
            select(c.week_id, c.done_on).where(c.enrollment_id == enrollment_id, c.completes_week)
        )
        h = m.HourLog
        in_range = h.logged_on.between(hours_from, hours_to)
        total, ranged = (
            await self._session.execute(
                select(
                    func.coalesce(func.sum(h.hours), 0),
                    func.coalesce(func.sum(h.hours).filter(in_range), 0),
                ).where(h.enrollment_id == enrollment_id)
            )
        ).one()
        return ProgressFigures(
            items_done=items_done or 0,
            weeks_completed={row.week_id: row.done_on for row in weeks},
            hours_total=float(total),
            hours_in_range=float(ranged),
        )

    async def export(self, learner_id: int) -> dict[str, Any]:
        async def rows(model: Any, *where: Any) -> list[dict[str, Any]]:
            result = await self._session.execute(
                select(model.__table__).where(*where).order_by(*model.__table__.primary_key.columns)
            )
            return [_jsonable(dict(r)) for r in result.mappings()]

        enrollments = await rows(m.Enrollment, _E.learner_id == learner_id)
        for e in enrollments:
            started = date.fromisoformat(e["started_on"])
            e["study_days"] = sorted(mask_to_days(int(e["study_days"])))
            e["quiz_days"] = sorted(mask_to_days(int(e["quiz_days"])))
            e["active_days"] = [
                d.isoformat() for d in DayBitmap(started, bytes.fromhex(e["active_days"])).days()
            ]
            e["paused_days"] = [
                d.isoformat() for d in DayBitmap(started, bytes.fromhex(e["paused_days"])).days()
            ]
        enrollment_ids = [e["id"] for e in enrollments]
        return {
            "learner": (await rows(m.Learner, m.Learner.id == learner_id))[0],
            "identities": await rows(m.Identity, m.Identity.learner_id == learner_id),
            "enrollments": enrollments,
            "completions": await rows(m.Completion, m.Completion.enrollment_id.in_(enrollment_ids)),
            "hours": await rows(m.HourLog, m.HourLog.learner_id == learner_id),
            "notes": await rows(m.Note, m.Note.learner_id == learner_id),
            "imported_tracks": await rows(
                m.StoredTrack, m.StoredTrack.owner_learner_id == learner_id
            ),
        }

    async def forget(self, learner_id: int) -> None:
        # Children first, so it does not depend on the backend enforcing ON DELETE CASCADE.
        enrollment_ids = select(_E.id).where(_E.learner_id == learner_id).scalar_subquery()
        await self._session.execute(
            delete(m.Completion).where(m.Completion.enrollment_id.in_(enrollment_ids))
        )
        i, f = m.Identity, m.LinkFailure
        mine = select(i.platform, i.external_id).where(i.learner_id == learner_id)
        await self._session.execute(delete(f).where(tuple_(f.platform, f.external_id).in_(mine)))
        await self._session.execute(
            delete(m.SubmissionReview).where(m.SubmissionReview.reviewer_id == learner_id)
        )
        await self._session.execute(
            delete(m.GroupQuizAnswer).where(m.GroupQuizAnswer.learner_id == learner_id)
        )
        for model in (
            m.Submission,
            m.GroupMember,
            m.LinkCode,
            m.HourLog,
            m.Note,
            m.QuizDelivery,
            m.ReviewCard,
            m.OutboxMessage,
            m.Enrollment,
            m.Identity,
        ):
            await self._session.execute(delete(model).where(model.learner_id == learner_id))
        await self._session.execute(
            delete(m.StoredTrack).where(m.StoredTrack.owner_learner_id == learner_id)
        )
        await self._session.execute(delete(m.Learner).where(m.Learner.id == learner_id))

    # -- linking identities ------------------------------------------------------

    async def issue_link_code(
        self, who: LearnerRef, *, code_hash: str, at: datetime, expires_at: datetime
    ) -> None:
        i, c = m.Identity, m.LinkCode
        row = (
            await self._session.execute(
                select(i.id, i.learner_id).where(
                    i.platform == who.platform, i.external_id == who.external_id
                )
            )
        ).one()
        await self._session.execute(delete(c).where(c.expires_at <= at))
        values = {
            "code_hash": code_hash,
            "learner_id": row.learner_id,
            "identity_id": row.id,
            "expires_at": expires_at,
            "created_at": at,
        }
        stmt = (pg_insert if self._dialect == "postgresql" else sqlite_insert)(c).values(values)
        # An upsert, so two requests at once leave one code rather than a key violation.
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=["learner_id"],
                set_={name: stmt.excluded[name] for name in values if name != "learner_id"},
            )
        )

    async def find_link_code(self, code_hash: str, *, now: datetime) -> LinkCode | None:
        c, i = m.LinkCode, m.Identity
        row = (
            await self._session.execute(
                select(c.learner_id, c.expires_at, i.platform, i.external_id, i.display_name)
                .join(i, i.id == c.identity_id)
                .where(c.code_hash == code_hash, c.expires_at > now)
            )
        ).one_or_none()
        if row is None:
            return None
        return LinkCode(
            row.learner_id,
            LearnerRef(row.platform, row.external_id, row.display_name),
            row.expires_at,
        )

    async def use_link_code(self, code_hash: str, *, now: datetime) -> bool:
        c = m.LinkCode
        result = await self._session.execute(
            delete(c).where(c.code_hash == code_hash, c.expires_at > now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def link_failures(self, who: LearnerRef, *, since: datetime) -> list[datetime]:
        f = m.LinkFailure
        rows = await self._session.scalars(
            select(f.failed_at)
            .where(
                f.platform == who.platform,
                f.external_id == who.external_id,
                f.failed_at > since,
            )
            .order_by(f.failed_at)
        )
        return list(rows)

    async def add_link_failure(
        self, who: LearnerRef, *, at: datetime, forget_before: datetime
    ) -> None:
        f = m.LinkFailure
        await self._session.execute(delete(f).where(f.failed_at <= forget_before))
        await self._session.execute(
            insert(f).values(platform=who.platform, external_id=who.external_id, failed_at=at)
        )

    async def add_identity(self, learner_id: int, who: LearnerRef) -> None:
        await self._session.execute(
            insert(m.Identity).values(
                learner_id=learner_id,
                platform=who.platform,
                external_id=who.external_id,
                display_name=who.display_name[:100],
                created_at=datetime.now(UTC),
            )
        )

    async def enrollments(self, learner_id: int) -> list[Enrollment]:
        result = await self._session.execute(
            select(*_ENROLLMENT_COLUMNS).where(_E.learner_id == learner_id).order_by(_E.id)
        )
        return [_enrollment(row) for row in result.mappings()]

    async def completions(self, enrollment_id: int) -> list[CompletionRecord]:
        result = await self._session.execute(
            select(*_COMPLETION_COLUMNS).where(_C.enrollment_id == enrollment_id).order_by(_C.id)
        )
        return [CompletionRecord(**row) for row in result.mappings()]

    async def absorb_learner(
        self, survivor_id: int, absorbed_id: int, merged: list[MergedEnrollment]
    ) -> None:
        # Every table with a learner_id or enrollment_id is handled here; a new one must be too.
        run = self._session.execute
        for pair in merged:
            keep, gone = pair.enrollment.id, pair.absorbed_id
            await run(delete(m.Completion).where(_C.enrollment_id.in_((keep, gone))))
            if pair.completions:
                await run(
                    insert(m.Completion),
                    [
                        {
                            "enrollment_id": keep,
                            "week_id": c.week_id,
                            "item_id": c.item_id,
                            "done_on": c.done_on,
                            "done_at": c.done_at,
                            "completes_week": c.completes_week,
                        }
                        for c in pair.completions
                    ],
                )
            for model in (m.HourLog, m.Note):
                await run(
                    update(model).where(model.enrollment_id == gone).values(enrollment_id=keep)
                )
            await run(delete(m.Enrollment).where(_E.id == gone))
            await self.save_enrollment(pair.enrollment)
        # The survivor's active enrollment stays the one; the caller picks one if it has none.
        await run(
            update(m.Enrollment)
            .where(_E.learner_id == absorbed_id)
            .values(learner_id=survivor_id, active=False, next_nudge_at=None, next_evening_at=None)
        )
        for owned in (m.HourLog, m.Note, m.QuizDelivery, m.Identity):
            await run(
                update(owned).where(owned.learner_id == absorbed_id).values(learner_id=survivor_id)
            )
        await run(
            update(m.StoredTrack)
            .where(m.StoredTrack.owner_learner_id == absorbed_id)
            .values(owner_learner_id=survivor_id)
        )
        await self._absorb_review_cards(survivor_id, absorbed_id)
        await self._absorb_outbox(survivor_id, absorbed_id)
        await self._absorb_group_life(survivor_id, absorbed_id)
        await run(delete(m.LinkCode).where(m.LinkCode.learner_id == absorbed_id))
        await run(delete(m.Learner).where(m.Learner.id == absorbed_id))

    async def _absorb_review_cards(self, survivor_id: int, absorbed_id: int) -> None:
        """A subject both reviewed keeps the card reviewed last, with both sides' counts."""
        r = m.ReviewCard
        rows = await self._session.execute(
            select(r.learner_id, r.subject, r.card, r.due, r.reviews, r.lapses).where(
                r.learner_id.in_((survivor_id, absorbed_id))
            )
        )
        cards: dict[str, dict[int, Any]] = {}
        for row in rows:
            cards.setdefault(row.subject, {})[row.learner_id] = row
        for subject, sides in cards.items():
            if len(sides) < 2:
                continue
            mine, theirs = sides[survivor_id], sides[absorbed_id]
            newer = max(
                (mine, theirs),
                key=lambda c: (last_reviewed(c.card) or datetime.min.replace(tzinfo=UTC), c.due),
            )
            await self._session.execute(
                update(r)
                .where(r.learner_id == survivor_id, r.subject == subject)
                .values(
                    card=newer.card,
                    due=newer.due,
                    reviews=mine.reviews + theirs.reviews,
                    lapses=mine.lapses + theirs.lapses,
                )
            )
            await self._session.execute(
                delete(r).where(r.learner_id == absorbed_id, r.subject == subject)
            )
        await self._session.execute(
            update(r).where(r.learner_id == absorbed_id).values(learner_id=survivor_id)
        )

    async def _absorb_outbox(self, survivor_id: int, absorbed_id: int) -> None:
        """Owed messages of the absorbed learner go (the survivor is owed its own); sent
        ones move over where the survivor has none that day, so today is not sent twice."""
        o, theirs = m.OutboxMessage, aliased(m.OutboxMessage)
        clash = (
            select(theirs.id)
            .where(
                theirs.learner_id == survivor_id,
                theirs.kind == o.kind,
                theirs.local_date == o.local_date,
            )
            .exists()
        )
        await self._session.execute(
            update(o)
            .where(o.learner_id == absorbed_id, o.status != "pending", ~clash)
            .values(learner_id=survivor_id)
        )
        await self._session.execute(delete(o).where(o.learner_id == absorbed_id))

    async def _absorb_group_life(self, survivor_id: int, absorbed_id: int) -> None:
        """Memberships, submissions, reviews and group quiz answers move over; where both
        were in one group, or reviewed one submission, the survivor's stays."""
        run = self._session.execute
        g, other = m.GroupMember, aliased(m.GroupMember)
        both = (
            select(other.group_id)
            .where(other.learner_id == survivor_id, other.group_id == g.group_id)
            .exists()
        )
        await run(
            update(g).where(g.learner_id == absorbed_id, ~both).values(learner_id=survivor_id)
        )
        await run(delete(g).where(g.learner_id == absorbed_id))
        r, theirs = m.SubmissionReview, aliased(m.SubmissionReview)
        reviewed = (
            select(theirs.submission_id)
            .where(theirs.reviewer_id == survivor_id, theirs.submission_id == r.submission_id)
            .exists()
        )
        await run(
            update(r).where(r.reviewer_id == absorbed_id, ~reviewed).values(reviewer_id=survivor_id)
        )
        await run(delete(r).where(r.reviewer_id == absorbed_id))
        for owned in (m.Submission, m.GroupQuizAnswer):
            await run(
                update(owned).where(owned.learner_id == absorbed_id).values(learner_id=survivor_id)
            )

    # -- outreach ------------------------------------------------------------

    async def due_slots(self, slot: Slot, now: datetime, limit: int) -> list[DueSlot]:
        statement = _DUE_SLOTS[slot]
        if self._dialect == "postgresql":
            # Two workers ticking at once each take different rows instead of queueing.
            statement = statement.with_for_update(of=_ENROLLMENTS, skip_locked=True)
        result = await self._execute(statement, {"now": now, "limit": limit})
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
            await self._execute_many(
                _RESCHEDULE[slot],
                [{"enrollment_id": key, "next_at": value} for key, value in next_at.items()],
            )

    async def enqueue(self, items: list[NewOutboxItem], *, available_at: datetime) -> int:
        if not items:
            return 0
        rows = [
            {
                "learner_id": item.learner_id,
                "kind": item.kind,
                "local_date": item.local_date,
                "due_at": item.due_at,
                "available_at": max(available_at, item.due_at),
                "status": "pending",
                "attempts": 0,
            }
            for item in items
        ]
        result = await self._execute_many(_ENQUEUE[self._dialect], rows)
        return len(result.all())

    async def claim_outbox(
        self, now: datetime, *, lease_until: datetime, worker: str, limit: int
    ) -> list[OutboxItem]:
        result = await self._execute(
            _CLAIM_OUTBOX_PG if self._dialect == "postgresql" else _CLAIM_OUTBOX,
            {"now": now, "lease_until": lease_until, "worker": worker[:64], "limit": limit},
        )
        claimed = [
            OutboxItem(
                id=row.id,
                learner_id=row.learner_id,
                group_id=row.group_id,
                kind=row.kind,
                local_date=row.local_date,
                due_at=row.due_at,
                attempts=row.attempts,
            )
            for row in result
        ]
        return sorted(claimed, key=lambda item: (item.due_at, item.id))

    async def finish_outbox(
        self,
        item_id: int,
        *,
        status: str,
        at: datetime,
        outcome: str,
        to: LearnerRef | ChatRef | None,
    ) -> None:
        await self._execute(
            _FINISH_OUTBOX,
            {
                "item_id": item_id,
                "status": status,
                "finished_at": at,
                "outcome": outcome[:300],
                "platform": to.platform if to else None,
                "external_id": to.external_id if to else None,
            },
        )

    async def retry_outbox(
        self, item_id: int, *, at: datetime, outcome: str, count_attempt: bool
    ) -> None:
        await self._execute(
            _RETRY_OUTBOX,
            {
                "item_id": item_id,
                "available_at": at,
                "outcome": outcome[:300],
                "uncounted": 0 if count_attempt else 1,
            },
        )

    async def learner_snapshot(self, learner_id: int) -> Snapshot | None:
        result = await self._execute(_LOAD_BY_LEARNER, {"learner_id": learner_id})
        return _snapshot(result.mappings().all())

    async def identities(self, learner_id: int) -> list[Identity]:
        i = m.Identity
        rows = await self._session.execute(
            select(i.platform, i.external_id, i.display_name, i.reachable)
            .where(i.learner_id == learner_id)
            .order_by(i.id)
        )
        return [
            Identity(LearnerRef(row.platform, row.external_id, row.display_name), row.reachable)
            for row in rows
        ]

    async def prune(self, *, updates_before: datetime, outbox_before: datetime, limit: int) -> int:
        p, o = m.ProcessedUpdate, m.OutboxMessage
        old_keys = select(p.key).where(p.handled_at < updates_before).limit(limit)
        old_rows = (
            select(o.id).where(o.finished_at < outbox_before, o.status != "pending").limit(limit)
        )
        removed = await self._session.execute(
            delete(p).where(p.key.in_(old_keys.scalar_subquery()))
        )
        finished = await self._session.execute(
            delete(o).where(o.id.in_(old_rows.scalar_subquery()))
        )
        return int(removed.rowcount or 0) + int(finished.rowcount or 0)  # type: ignore[attr-defined]

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    async def _execute_many(self, statement: Executable, rows: list[dict[str, Any]]) -> Result[Any]:
        connection = await self._session.connection()
        return await connection.execute(statement, rows)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime | date | time):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = float(value)
        elif isinstance(value, bytes):
            out[key] = value.hex()
        else:
            out[key] = value
    return out


class SqlUnitOfWork:
    """A session per use case; storage errors surface as the core's StorageError."""

    store: SqlCoachStore
    groups: SqlGroupStore

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> Self:
        from core.storage.group_store import SqlGroupStore  # it builds on this module

        self._session = self._sessions()
        self.store = SqlCoachStore(self._session)
        self.groups = SqlGroupStore(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._session.close()  # rolls back anything not committed
        except SQLAlchemyError as close_error:
            if exc is None:
                raise StorageError(str(close_error)) from close_error
        if isinstance(exc, SQLAlchemyError):
            raise StorageError(str(exc)) from exc

    async def commit(self) -> None:
        try:
            await self._session.commit()
        except SQLAlchemyError as exc:
            raise StorageError(str(exc)) from exc


class SqlUnitOfWorkFactory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)
