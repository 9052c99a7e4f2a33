"""Practice projects members submit to their group, and the reviews they get."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, insert, select, update

from core.groups.model import ReviewedSubmission, ReviewRecord, SubmissionRecord
from core.storage import models as m
from core.storage.rows import MEMBERS, SUBMISSIONS
from core.storage.session import SqlSession

_M = MEMBERS.c


_LARGEST_NUMBER = 2**31 - 1  # the number column is a 32-bit integer


class SqlProjects:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def submit(
        self, group_id: int, learner_id: int, *, week_id: str, text: str, at: datetime
    ) -> int:
        s = m.Submission
        # Two submissions racing for a number: the unique (group_id, number) refuses one,
        # which surfaces as a storage error and an apology rather than a duplicate number.
        number = select(func.coalesce(func.max(s.number), 0) + 1).where(s.group_id == group_id)
        result = await self._db.execute(
            insert(s)
            .values(
                group_id=group_id,
                number=number.scalar_subquery(),
                learner_id=learner_id,
                week_id=week_id,
                text=text,
                submitted_at=at,
            )
            .returning(s.number)
        )
        return int(result.scalar_one())

    async def recent(self, group_id: int, *, limit: int) -> list[ReviewedSubmission]:
        s, r = m.Submission, m.SubmissionReview
        found = await self._db.execute(
            select(SUBMISSIONS, _M.display_name)
            .outerjoin(MEMBERS, and_(_M.group_id == s.group_id, _M.learner_id == s.learner_id))
            .where(s.group_id == group_id)
            .order_by(s.number.desc())
            .limit(limit)
        )
        submissions = [_submission(row) for row in found]
        if not submissions:
            return []
        reviewers = MEMBERS.alias("reviewers")
        reviews = await self._db.execute(
            select(r.submission_id, r.comment, r.reviewed_at, reviewers.c.display_name)
            .outerjoin(
                reviewers,
                and_(reviewers.c.group_id == group_id, reviewers.c.learner_id == r.reviewer_id),
            )
            .where(r.submission_id.in_([sub.id for sub in submissions]))
            .order_by(r.reviewed_at, r.reviewer_id)
        )
        by_submission: dict[int, list[ReviewRecord]] = {}
        for row in reviews:
            by_submission.setdefault(row.submission_id, []).append(
                ReviewRecord(row.display_name or "", row.comment, row.reviewed_at)
            )
        return [
            ReviewedSubmission(sub, tuple(by_submission.get(sub.id, ()))) for sub in submissions
        ]

    async def find(self, group_id: int, number: int) -> SubmissionRecord | None:
        if not 0 < number <= _LARGEST_NUMBER:
            return None  # typed by a member; PostgreSQL would refuse it rather than find none
        s = m.Submission
        result = await self._db.execute(
            select(SUBMISSIONS, _M.display_name)
            .outerjoin(MEMBERS, and_(_M.group_id == s.group_id, _M.learner_id == s.learner_id))
            .where(s.group_id == group_id, s.number == number)
        )
        row = result.first()
        return _submission(row) if row is not None else None

    async def review(
        self, submission_id: int, reviewer_id: int, *, comment: str, at: datetime
    ) -> bool:
        r = m.SubmissionReview
        changed = await self._db.execute(
            update(r)
            .where(r.submission_id == submission_id, r.reviewer_id == reviewer_id)
            .values(comment=comment, reviewed_at=at)
        )
        if changed.rowcount:
            return False
        await self._db.execute(
            insert(r).values(
                submission_id=submission_id,
                reviewer_id=reviewer_id,
                comment=comment,
                reviewed_at=at,
            )
        )
        return True


def _submission(row: Row[Any]) -> SubmissionRecord:
    return SubmissionRecord(
        id=row.id,
        group_id=row.group_id,
        number=row.number,
        learner_id=row.learner_id,
        author=row.display_name or "",
        week_id=row.week_id,
        text=row.text,
        submitted_at=row.submitted_at,
    )
