"""What learners did: the items they ticked off, the hours they logged, the notes they wrote."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, func, insert, select

from core.kernel.errors import AlreadyDone
from core.learning.model import CompletionRecord, ProgressFigures
from core.storage import models as m
from core.storage.rows import COMPLETION_COLUMNS, COMPLETIONS, completion_from_row
from core.storage.session import PerDialect, SqlSession

_C = COMPLETIONS.c
# ON CONFLICT DO NOTHING instead of catching IntegrityError: on PostgreSQL a failed INSERT
# would poison the transaction, and a savepoint costs two statements.
_ADD = PerDialect(
    lambda dialect: dialect.insert(COMPLETIONS).on_conflict_do_nothing(
        index_elements=["enrollment_id", "item_id"]
    )
)


class SqlTicks:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def add(
        self,
        enrollment_id: int,
        *,
        week_id: str,
        item_id: str,
        done_on: date,
        done_at: datetime,
        completes_week: bool,
        skipped: bool = False,
    ) -> None:
        values = {
            "enrollment_id": enrollment_id,
            "week_id": week_id,
            "item_id": item_id,
            "done_on": done_on,
            "done_at": done_at,
            "completes_week": completes_week,
            "skipped": skipped,
        }
        result = await self._db.execute(_ADD, values)
        if result.rowcount == 0:
            raise AlreadyDone(item_id)

    async def last(self, enrollment_id: int) -> CompletionRecord | None:
        result = await self._db.execute(
            select(*COMPLETION_COLUMNS)
            .where(_C.enrollment_id == enrollment_id)
            .order_by(_C.done_at.desc(), _C.id.desc())
            .limit(1)
        )
        row = result.mappings().one_or_none()
        return completion_from_row(row) if row else None

    async def of_item(self, enrollment_id: int, item_id: str) -> CompletionRecord | None:
        result = await self._db.execute(
            select(*COMPLETION_COLUMNS).where(
                _C.enrollment_id == enrollment_id, _C.item_id == item_id
            )
        )
        row = result.mappings().one_or_none()
        return completion_from_row(row) if row else None

    async def delete(self, completion_id: int) -> None:
        await self._db.execute(delete(m.Completion).where(m.Completion.id == completion_id))

    async def any_on(self, enrollment_id: int, day: date) -> bool:
        found = await self._db.scalar(
            select(m.Completion.id)
            .where(
                m.Completion.enrollment_id == enrollment_id,
                m.Completion.done_on == day,
                m.Completion.skipped.is_(False),
            )
            .limit(1)
        )
        return found is not None

    async def week_completed_on(self, enrollment_id: int, week_id: str) -> date | None:
        done_on: date | None = await self._db.scalar(
            select(m.Completion.done_on).where(
                m.Completion.enrollment_id == enrollment_id,
                m.Completion.week_id == week_id,
                m.Completion.completes_week,
            )
        )
        return done_on

    async def week_done(self, enrollment_id: int, week_id: str) -> dict[str, date]:
        rows = await self._db.execute(
            select(m.Completion.item_id, m.Completion.done_on).where(
                m.Completion.enrollment_id == enrollment_id, m.Completion.week_id == week_id
            )
        )
        return {row.item_id: row.done_on for row in rows}

    async def of_enrollment(self, enrollment_id: int) -> list[CompletionRecord]:
        result = await self._db.execute(
            select(*COMPLETION_COLUMNS).where(_C.enrollment_id == enrollment_id).order_by(_C.id)
        )
        return [completion_from_row(row) for row in result.mappings()]

    async def progress(
        self, enrollment_id: int, *, hours_from: date, hours_to: date
    ) -> ProgressFigures:
        c, h = m.Completion, m.HourLog
        items_done = await self._db.scalar(
            select(func.count()).where(c.enrollment_id == enrollment_id, c.skipped.is_(False))
        )
        weeks = await self._db.execute(
            select(c.week_id, c.done_on).where(c.enrollment_id == enrollment_id, c.completes_week)
        )
        in_range = h.logged_on.between(hours_from, hours_to)
        total, ranged = (
            await self._db.execute(
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


class SqlJournal:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def add_hours(
        self, learner_id: int, enrollment_id: int, *, on: date, hours: float, at: datetime
    ) -> None:
        await self._db.execute(
            insert(m.HourLog).values(
                learner_id=learner_id,
                enrollment_id=enrollment_id,
                logged_on=on,
                hours=Decimal(str(hours)),
                logged_at=at,
            )
        )

    async def hours_on(self, learner_id: int, day: date) -> float:
        total = await self._db.scalar(
            select(func.coalesce(func.sum(m.HourLog.hours), 0)).where(
                m.HourLog.learner_id == learner_id, m.HourLog.logged_on == day
            )
        )
        return float(total or 0)

    async def hours_by_day(self, enrollment_id: int, *, since: date) -> dict[date, float]:
        h = m.HourLog
        rows = await self._db.execute(
            select(h.logged_on, func.sum(h.hours).label("hours"))
            .where(h.enrollment_id == enrollment_id, h.logged_on >= since)
            .group_by(h.logged_on)
        )
        return {row.logged_on: float(row.hours) for row in rows}

    async def add_note(
        self,
        learner_id: int,
        enrollment_id: int,
        *,
        week_id: str,
        on: date,
        text: str,
        at: datetime,
        item_id: str | None = None,
    ) -> None:
        await self._db.execute(
            insert(m.Note).values(
                learner_id=learner_id,
                enrollment_id=enrollment_id,
                week_id=week_id,
                item_id=item_id,
                written_on=on,
                text=text,
                written_at=at,
            )
        )

    async def week_notes(self, enrollment_id: int, week_id: str) -> list[str]:
        n = m.Note
        rows = await self._db.execute(
            select(n.text)
            .where(n.enrollment_id == enrollment_id, n.week_id == week_id, n.item_id.is_(None))
            .order_by(n.written_at, n.id)
        )
        return list(rows.scalars())

    async def item_notes(self, enrollment_id: int, week_id: str) -> dict[str, str]:
        n = m.Note
        rows = await self._db.execute(
            select(n.item_id, n.text)
            .where(n.enrollment_id == enrollment_id, n.week_id == week_id, n.item_id.is_not(None))
            .order_by(n.written_at, n.id)
        )
        return {row.item_id: row.text for row in rows}  # the latest note on each item

    async def all_item_notes(self, enrollment_id: int) -> dict[str, str]:
        n = m.Note
        rows = await self._db.execute(
            select(n.item_id, n.text)
            .where(n.enrollment_id == enrollment_id, n.item_id.is_not(None))
            .order_by(n.written_at, n.id)
        )
        return {row.item_id: row.text for row in rows}  # the latest note on each item
