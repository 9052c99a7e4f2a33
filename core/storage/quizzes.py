"""Quiz questions put to one learner, and their spaced-review cards."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, insert, select, update

from core.quizzes.model import QuizFigures, QuizRecord
from core.storage import models as m
from core.storage.rows import REVIEW_CARDS
from core.storage.session import SqlSession


class SqlQuizzes:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def add(
        self,
        learner_id: int,
        *,
        kind: str,
        question_id: str,
        option_order: str,
        correct_option: int,
        at: datetime,
    ) -> int:
        quiz_id = await self._db.scalar(
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

    async def set_ref(self, quiz_id: int, *, platform: str, poll_ref: str) -> None:
        await self._db.execute(
            update(m.QuizDelivery)
            .where(m.QuizDelivery.id == quiz_id)
            .values(platform=platform, poll_ref=poll_ref)
        )

    async def find(self, platform: str, poll_ref: str) -> QuizRecord | None:
        q = m.QuizDelivery
        row = (
            await self._db.execute(
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

    async def answer(self, quiz_id: int, *, chosen: int, correct: bool, at: datetime) -> bool:
        q = m.QuizDelivery
        result = await self._db.execute(
            update(q)
            .where(q.id == quiz_id, q.answered_at.is_(None))
            .values(chosen=chosen, correct=correct, answered_at=at)
        )
        return bool(result.rowcount)

    async def figures(self, learner_id: int, *, now: datetime) -> QuizFigures:
        q, r = m.QuizDelivery, m.ReviewCard
        rows = await self._db.execute(
            select(q.question_id, func.count(), func.count().filter(q.correct.is_(True)))
            .where(q.learner_id == learner_id, q.answered_at.is_not(None))
            .group_by(q.question_id)
        )
        by_subject = {row[0]: (int(row[1]), int(row[2])) for row in rows}
        due = await self._db.scalar(
            select(func.count()).where(r.learner_id == learner_id, r.due <= now)
        )
        return QuizFigures(
            answered=sum(a for a, _ in by_subject.values()),
            correct=sum(c for _, c in by_subject.values()),
            due=int(due or 0),
            by_subject=by_subject,
        )


class SqlReviews:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def due(self, learner_id: int) -> dict[str, datetime]:
        r = m.ReviewCard
        rows = await self._db.execute(select(r.subject, r.due).where(r.learner_id == learner_id))
        return {row.subject: row.due for row in rows}

    async def card(self, learner_id: int, subject: str) -> str | None:
        r = m.ReviewCard
        card: str | None = await self._db.scalar(
            select(r.card).where(r.learner_id == learner_id, r.subject == subject)
        )
        return card

    async def cards(self, learner_id: int) -> dict[str, str]:
        r = m.ReviewCard
        rows = await self._db.execute(select(r.subject, r.card).where(r.learner_id == learner_id))
        return {row.subject: row.card for row in rows}

    async def reschedule(self, learner_id: int, subjects: Collection[str], due: datetime) -> None:
        if subjects:
            r = m.ReviewCard
            await self._db.execute(
                update(r)
                .where(r.learner_id == learner_id, r.subject.in_(list(subjects)))
                .values(due=due)
            )

    async def save(
        self, learner_id: int, subject: str, *, card: str, due: datetime, lapsed: bool
    ) -> None:
        r = m.ReviewCard
        stmt = self._db.insert(REVIEW_CARDS).values(
            learner_id=learner_id,
            subject=subject,
            card=card,
            due=due,
            reviews=1,
            lapses=int(lapsed),
        )
        await self._db.execute(
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
