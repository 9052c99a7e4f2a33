"""A group's daily quiz and everyone's answers to it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, insert, select, update

from core.groups.model import GroupQuizRecord, QuizResult, QuizTally
from core.kernel.refs import LearnerRef
from core.storage import models as m
from core.storage.rows import GROUP_QUIZ_ANSWERS, GROUP_QUIZZES, group_quiz_from_row
from core.storage.session import SqlSession

_Q = GROUP_QUIZZES.c


class SqlGroupQuizzes:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def add(
        self,
        group_id: int,
        *,
        question_id: str,
        option_order: str,
        correct_option: int,
        local_date: date,
        at: datetime,
    ) -> int | None:
        if await self.on_day(group_id, local_date) is not None:
            return None
        result = await self._db.execute(
            insert(GROUP_QUIZZES)
            .values(
                group_id=group_id,
                question_id=question_id,
                option_order=option_order,
                correct_option=correct_option,
                local_date=local_date,
                created_at=at,
            )
            .returning(_Q.id)
        )
        return int(result.scalar_one())

    async def on_day(self, group_id: int, local_date: date) -> GroupQuizRecord | None:
        result = await self._db.execute(
            select(GROUP_QUIZZES).where(_Q.group_id == group_id, _Q.local_date == local_date)
        )
        row = result.mappings().first()
        return group_quiz_from_row(row) if row else None

    async def asked(self, group_id: int) -> set[str]:
        rows = await self._db.execute(select(_Q.question_id).where(_Q.group_id == group_id))
        return set(rows.scalars())

    async def set_ref(
        self, quiz_id: int, *, platform: str, poll_ref: str, message_ref: str
    ) -> None:
        await self._db.execute(
            update(GROUP_QUIZZES)
            .where(_Q.id == quiz_id)
            .values(platform=platform, poll_ref=poll_ref, message_ref=message_ref)
        )

    async def find(self, platform: str, poll_ref: str) -> GroupQuizRecord | None:
        result = await self._db.execute(
            select(GROUP_QUIZZES).where(_Q.platform == platform, _Q.poll_ref == poll_ref)
        )
        row = result.mappings().first()
        return group_quiz_from_row(row) if row else None

    async def answer(
        self,
        quiz_id: int,
        who: LearnerRef,
        learner_id: int | None,
        *,
        chosen: int,
        correct: bool,
        at: datetime,
    ) -> bool:
        result = await self._db.execute(
            self._db.insert(GROUP_QUIZ_ANSWERS)
            .values(
                quiz_id=quiz_id,
                platform=who.platform,
                external_id=who.external_id,
                learner_id=learner_id,
                chosen=chosen,
                correct=correct,
                answered_at=at,
            )
            .on_conflict_do_nothing()
        )
        return bool(result.rowcount)

    async def results(self, group_id: int, *, limit: int) -> list[QuizResult]:
        a = m.GroupQuizAnswer
        rows = await self._db.execute(
            select(
                _Q.local_date,
                _Q.question_id,
                func.count(a.quiz_id),
                func.count(a.quiz_id).filter(a.correct.is_(True)),
            )
            .outerjoin(a, a.quiz_id == _Q.id)
            .where(_Q.group_id == group_id, _Q.closed_at.is_not(None))
            .group_by(_Q.id, _Q.local_date, _Q.question_id)
            .order_by(_Q.local_date.desc())
            .limit(limit)
        )
        return [
            QuizResult(day, question, QuizTally(answered=int(answered), right=int(right)))
            for day, question, answered, right in rows
        ]

    async def close(self, quiz_id: int, *, at: datetime) -> QuizTally:
        await self._db.execute(
            update(GROUP_QUIZZES)
            .where(_Q.id == quiz_id, _Q.closed_at.is_(None))
            .values(closed_at=at)
        )
        a = m.GroupQuizAnswer
        row = (
            await self._db.execute(
                select(func.count(), func.count().filter(a.correct.is_(True))).where(
                    a.quiz_id == quiz_id
                )
            )
        ).one()
        return QuizTally(answered=int(row[0]), right=int(row[1]))
