"""Study groups on SQLAlchemy: groups, members, group quizzes, submissions, and the
group side of the outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

from core.groups.model import (
    ChatRef,
    DueGroup,
    GroupQuizRecord,
    GroupWeekFigures,
    MemberActivity,
    Membership,
    NewGroupOutboxItem,
    NewStudyGroup,
    QuizTally,
    Sharing,
    StudyGroup,
    SubmissionRecord,
    Tick,
)
from core.ports import LearnerRef
from core.storage import models as m
from core.storage.store import _ENROLLMENT_COLUMNS, _enrollment, days_to_mask, mask_to_days

_GROUPS = cast(Table, m.StudyGroup.__table__)
_G = _GROUPS.c
_SLOT_COLUMNS = {"digest": _G.next_digest_at, "report": _G.next_report_at}
_DUE_GROUPS = {
    slot: select(_GROUPS, column.label("due_at"))
    .where(column <= bindparam("now"), _G.active)
    .order_by(column)
    .limit(bindparam("limit"))
    for slot, column in _SLOT_COLUMNS.items()
}
_RESCHEDULE_GROUPS = {
    slot: update(_GROUPS)
    .where(_G.id == bindparam("group_id"))
    .values({column.name: bindparam("next_at", type_=column.type)})
    for slot, column in _SLOT_COLUMNS.items()
}
_OUTBOX = cast(Table, m.OutboxMessage.__table__)
_ENQUEUE_FOR_GROUPS = {
    name: dialect_insert(_OUTBOX)
    .on_conflict_do_nothing(index_elements=["group_id", "kind", "local_date"])
    .returning(_OUTBOX.c.id)
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_MEMBER = m.GroupMember
_MEMBERS = cast(Table, m.GroupMember.__table__)
_QUIZZES = cast(Table, m.GroupQuiz.__table__)
_SUBMISSIONS = cast(Table, m.Submission.__table__)


def _group(row: RowMapping) -> StudyGroup:
    return StudyGroup(
        id=row["id"],
        chat=ChatRef(row["platform"], row["external_id"], row["title"], row["parent"]),
        track_id=row["track_id"],
        timezone=row["timezone"],
        digest_time=row["digest_time"],
        report_time=row["report_time"],
        study_days=mask_to_days(row["study_days"]),
        quiz_days=mask_to_days(row["quiz_days"]),
        started_on=row["started_on"],
        active=row["active"],
        next_digest_at=row["next_digest_at"],
        next_report_at=row["next_report_at"],
    )


def _group_values(group: NewStudyGroup | StudyGroup) -> dict[str, Any]:
    return {
        "platform": group.chat.platform,
        "external_id": group.chat.external_id,
        "parent": group.chat.parent,
        "title": group.chat.title[:128],
        "track_id": group.track_id,
        "timezone": group.timezone,
        "digest_time": group.digest_time,
        "report_time": group.report_time,
        "study_days": days_to_mask(group.study_days),
        "quiz_days": days_to_mask(group.quiz_days),
        "started_on": group.started_on,
        "next_digest_at": group.next_digest_at,
        "next_report_at": group.next_report_at,
    }


def _membership(row: Any, platform: str) -> Membership:
    return Membership(
        group_id=row.group_id,
        learner_id=row.learner_id,
        who=LearnerRef(platform, row.external_id, row.display_name),
        joined_at=row.joined_at,
        sharing=Sharing(row.share_done, row.share_streak, row.share_quiz, row.mentions),
    )


def _member_values(membership: Membership) -> dict[str, Any]:
    return {
        "external_id": membership.who.external_id,
        "display_name": membership.who.display_name[:100],
        "share_done": membership.sharing.done,
        "share_streak": membership.sharing.streak,
        "share_quiz": membership.sharing.quiz,
        "mentions": membership.sharing.mentions,
    }


def _group_quiz(row: Any) -> GroupQuizRecord:
    return GroupQuizRecord(
        id=row.id,
        group_id=row.group_id,
        question_id=row.question_id,
        option_order=row.option_order,
        correct_option=row.correct_option,
        local_date=row.local_date,
        message_ref=row.message_ref,
        closed=row.closed_at is not None,
    )


class SqlGroupStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _execute(self, statement: Executable, params: Any = None) -> Any:
        connection = await self._session.connection()
        return await connection.execute(statement, params)

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    # -- groups ------------------------------------------------------------------

    async def find_group(self, platform: str, external_id: str) -> StudyGroup | None:
        row = (
            (
                await self._execute(
                    select(_GROUPS).where(_G.platform == platform, _G.external_id == external_id)
                )
            )
            .mappings()
            .first()
        )
        return _group(row) if row else None

    async def group(self, group_id: int) -> StudyGroup | None:
        row = (await self._execute(select(_GROUPS).where(_G.id == group_id))).mappings().first()
        return _group(row) if row else None

    async def create_group(self, group: NewStudyGroup) -> StudyGroup:
        values = {**_group_values(group), "active": True, "created_at": func.now()}
        result = await self._execute(insert(_GROUPS).values(values).returning(_G.id))
        created = await self.group(result.scalar_one())
        assert created is not None
        return created

    async def save_group(self, group: StudyGroup) -> None:
        await self._execute(
            update(_GROUPS)
            .where(_G.id == group.id)
            .values({**_group_values(group), "active": group.active})
        )

    async def deactivate_group(self, group_id: int) -> int:
        await self._execute(
            update(_GROUPS)
            .where(_G.id == group_id)
            .values(active=False, next_digest_at=None, next_report_at=None)
        )
        o = m.OutboxMessage
        dropped = await self._execute(
            delete(o).where(o.group_id == group_id, o.status == "pending")
        )
        return int(dropped.rowcount or 0)

    async def groups_in(self, platform: str, parent: str) -> list[StudyGroup]:
        rows = await self._execute(
            select(_GROUPS).where(_G.platform == platform, _G.parent == parent, _G.active)
        )
        return [_group(row) for row in rows.mappings()]

    # -- members -----------------------------------------------------------------

    async def membership(self, group_id: int, learner_id: int) -> Membership | None:
        row = (
            await self._execute(
                select(_MEMBERS, _G.platform)
                .join(m.StudyGroup, _G.id == _MEMBER.group_id)
                .where(_MEMBER.group_id == group_id, _MEMBER.learner_id == learner_id)
            )
        ).first()
        return _membership(row, row.platform) if row else None

    async def add_member(self, membership: Membership) -> None:
        await self._execute(
            insert(_MEMBER).values(
                group_id=membership.group_id,
                learner_id=membership.learner_id,
                joined_at=membership.joined_at,
                **_member_values(membership),
            )
        )

    async def save_member(self, membership: Membership) -> None:
        await self._execute(
            update(_MEMBER)
            .where(
                _MEMBER.group_id == membership.group_id,
                _MEMBER.learner_id == membership.learner_id,
            )
            .values(_member_values(membership))
        )

    async def remove_member(self, group_id: int, learner_id: int) -> bool:
        result = await self._execute(
            delete(_MEMBER).where(_MEMBER.group_id == group_id, _MEMBER.learner_id == learner_id)
        )
        return bool(result.rowcount)

    async def member_count(self, group_id: int) -> int:
        result = await self._execute(
            select(func.count()).select_from(_MEMBER).where(_MEMBER.group_id == group_id)
        )
        return int(result.scalar_one())

    async def member_activity(
        self, group: StudyGroup, *, since: date, since_at: datetime
    ) -> list[MemberActivity]:
        # Three set-based reads whatever the group's size: members with their enrollment on
        # the track, their ticks in range, their quiz answers in range.
        e = m.Enrollment
        members = (
            await self._execute(
                select(_MEMBERS, *_ENROLLMENT_COLUMNS)
                .outerjoin(
                    e, and_(e.learner_id == _MEMBER.learner_id, e.track_id == group.track_id)
                )
                .where(_MEMBER.group_id == group.id)
                .order_by(_MEMBER.joined_at, _MEMBER.learner_id)
            )
        ).mappings()
        rows = list(members)
        c = m.Completion
        enrolled = select(e.id).join(_MEMBER, _MEMBER.learner_id == e.learner_id)
        enrolled = enrolled.where(_MEMBER.group_id == group.id, e.track_id == group.track_id)
        ticks: dict[int, list[Tick]] = {}
        for tick in await self._execute(
            select(c.enrollment_id, c.done_on, c.week_id, c.item_id)
            .where(c.enrollment_id.in_(enrolled.scalar_subquery()), c.done_on >= since)
            .order_by(c.done_at)
        ):
            ticks.setdefault(tick.enrollment_id, []).append(
                Tick(tick.done_on, tick.week_id, tick.item_id)
            )
        quiz = await self._quiz_counts(group.id, since_at)
        activity = []
        for row in rows:
            enrollment = _enrollment(row) if row["id"] is not None else None
            right, answered = quiz.get(row["learner_id"], (0, 0))
            membership = Membership(
                group_id=row["group_id"],
                learner_id=row["learner_id"],
                who=LearnerRef(group.chat.platform, row["external_id"], row["display_name"]),
                joined_at=row["joined_at"],
                sharing=Sharing(
                    row["share_done"], row["share_streak"], row["share_quiz"], row["mentions"]
                ),
            )
            activity.append(
                MemberActivity(
                    membership,
                    enrollment,
                    tuple(ticks.get(enrollment.id, ())) if enrollment else (),
                    right,
                    answered,
                )
            )
        return activity

    async def _quiz_counts(self, group_id: int, since_at: datetime) -> dict[int, tuple[int, int]]:
        """Right and all answers per member since a moment: group quizzes and their own."""
        members = select(_MEMBER.learner_id).where(_MEMBER.group_id == group_id)
        counts: dict[int, tuple[int, int]] = {}
        a, d = m.GroupQuizAnswer, m.QuizDelivery
        for learner_col, correct, at in (
            (a.learner_id, a.correct, a.answered_at),
            (d.learner_id, d.correct, d.answered_at),
        ):
            rows = await self._execute(
                select(
                    learner_col,
                    func.count().filter(correct.is_(True)),
                    func.count(),
                )
                .where(learner_col.in_(members.scalar_subquery()), at >= since_at)
                .group_by(learner_col)
            )
            for learner_id, right, answered in rows:
                before = counts.get(learner_id, (0, 0))
                counts[learner_id] = (before[0] + right, before[1] + answered)
        return counts

    # -- schedule ----------------------------------------------------------------

    async def due_groups(self, slot: str, now: datetime, limit: int) -> list[DueGroup]:
        statement = _DUE_GROUPS[slot]
        if self._dialect == "postgresql":
            statement = statement.with_for_update(of=_GROUPS, skip_locked=True)
        rows = await self._execute(statement, {"now": now, "limit": limit})
        return [DueGroup(_group(row), row["due_at"]) for row in rows.mappings()]

    async def reschedule_groups(self, slot: str, next_at: dict[int, datetime | None]) -> None:
        if next_at:
            await self._execute(
                _RESCHEDULE_GROUPS[slot],
                [{"group_id": key, "next_at": value} for key, value in next_at.items()],
            )

    async def enqueue_for_groups(self, items: list[NewGroupOutboxItem]) -> int:
        if not items:
            return 0
        rows = [
            {
                "group_id": item.group_id,
                "kind": item.kind,
                "local_date": item.local_date,
                "due_at": item.due_at,
                "available_at": item.available_at,
                "status": "pending",
                "attempts": 0,
            }
            for item in items
        ]
        result = await self._execute(_ENQUEUE_FOR_GROUPS[self._dialect], rows)
        return len(result.all())

    # -- group quizzes -------------------------------------------------------------

    async def add_group_quiz(
        self,
        group_id: int,
        *,
        question_id: str,
        option_order: str,
        correct_option: int,
        local_date: date,
        at: datetime,
    ) -> int | None:
        if await self.group_quiz_on(group_id, local_date) is not None:
            return None
        result = await self._execute(
            insert(m.GroupQuiz)
            .values(
                group_id=group_id,
                question_id=question_id,
                option_order=option_order,
                correct_option=correct_option,
                local_date=local_date,
                created_at=at,
            )
            .returning(m.GroupQuiz.id)
        )
        return int(result.scalar_one())

    async def group_quiz_on(self, group_id: int, local_date: date) -> GroupQuizRecord | None:
        q = m.GroupQuiz
        row = (
            await self._execute(
                select(_QUIZZES).where(q.group_id == group_id, q.local_date == local_date)
            )
        ).first()
        return _group_quiz(row) if row else None

    async def asked_in_group(self, group_id: int) -> set[str]:
        q = m.GroupQuiz
        rows = await self._execute(select(q.question_id).where(q.group_id == group_id))
        return set(rows.scalars())

    async def set_group_quiz_ref(
        self, quiz_id: int, *, platform: str, poll_ref: str, message_ref: str
    ) -> None:
        await self._execute(
            update(m.GroupQuiz)
            .where(m.GroupQuiz.id == quiz_id)
            .values(platform=platform, poll_ref=poll_ref, message_ref=message_ref)
        )

    async def find_group_quiz(self, platform: str, poll_ref: str) -> GroupQuizRecord | None:
        q = m.GroupQuiz
        row = (
            await self._execute(
                select(_QUIZZES).where(q.platform == platform, q.poll_ref == poll_ref)
            )
        ).first()
        return _group_quiz(row) if row else None

    async def answer_group_quiz(
        self,
        quiz_id: int,
        who: LearnerRef,
        learner_id: int | None,
        *,
        chosen: int,
        correct: bool,
        at: datetime,
    ) -> bool:
        dialect_insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        result = await self._execute(
            dialect_insert(m.GroupQuizAnswer)
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

    async def close_group_quiz(self, quiz_id: int, *, at: datetime) -> QuizTally:
        await self._execute(
            update(m.GroupQuiz)
            .where(m.GroupQuiz.id == quiz_id, m.GroupQuiz.closed_at.is_(None))
            .values(closed_at=at)
        )
        a = m.GroupQuizAnswer
        row = (
            await self._execute(
                select(func.count(), func.count().filter(a.correct.is_(True))).where(
                    a.quiz_id == quiz_id
                )
            )
        ).one()
        return QuizTally(answered=int(row[0]), right=int(row[1]))

    # -- submissions ---------------------------------------------------------------

    async def add_submission(
        self, group_id: int, learner_id: int, *, week_id: str, text: str, at: datetime
    ) -> int:
        s = m.Submission
        # Two submissions racing for a number: the unique (group_id, number) refuses one,
        # which surfaces as a storage error and an apology rather than a duplicate number.
        number = select(func.coalesce(func.max(s.number), 0) + 1).where(s.group_id == group_id)
        result = await self._execute(
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

    async def find_submission(self, group_id: int, number: int) -> SubmissionRecord | None:
        s = m.Submission
        row = (
            await self._execute(
                select(_SUBMISSIONS, _MEMBER.display_name)
                .outerjoin(
                    _MEMBER,
                    and_(_MEMBER.group_id == s.group_id, _MEMBER.learner_id == s.learner_id),
                )
                .where(s.group_id == group_id, s.number == number)
            )
        ).first()
        if row is None:
            return None
        return SubmissionRecord(
            id=row.id,
            group_id=row.group_id,
            number=row.number,
            learner_id=row.learner_id,
            author=row.display_name or "a former member",
            week_id=row.week_id,
            text=row.text,
            submitted_at=row.submitted_at,
        )

    async def review_submission(
        self, submission_id: int, reviewer_id: int, *, comment: str, at: datetime
    ) -> bool:
        r = m.SubmissionReview
        changed = await self._execute(
            update(r)
            .where(r.submission_id == submission_id, r.reviewer_id == reviewer_id)
            .values(comment=comment, reviewed_at=at)
        )
        if changed.rowcount:
            return False
        await self._execute(
            insert(r).values(
                submission_id=submission_id,
                reviewer_id=reviewer_id,
                comment=comment,
                reviewed_at=at,
            )
        )
        return True

    async def group_week_figures(self, group_id: int, *, since_at: datetime) -> GroupWeekFigures:
        s, r, q, a = m.Submission, m.SubmissionReview, m.GroupQuiz, m.GroupQuizAnswer
        submissions = select(func.count()).where(s.group_id == group_id, s.submitted_at >= since_at)
        reviews = (
            select(func.count())
            .select_from(r)
            .join(s, s.id == r.submission_id)
            .where(s.group_id == group_id, r.reviewed_at >= since_at)
        )
        quizzes = select(func.count()).where(
            q.group_id == group_id, q.created_at >= since_at, q.poll_ref.is_not(None)
        )
        answers = (
            select(func.count(), func.count().filter(a.correct.is_(True)))
            .select_from(a)
            .join(q, q.id == a.quiz_id)
            .where(q.group_id == group_id, q.created_at >= since_at)
        )
        row = (
            await self._execute(
                select(
                    submissions.scalar_subquery(),
                    reviews.scalar_subquery(),
                    quizzes.scalar_subquery(),
                )
            )
        ).one()
        answered, right = (await self._execute(answers)).one()
        return GroupWeekFigures(int(row[0]), int(row[1]), int(row[2]), int(answered), int(right))
