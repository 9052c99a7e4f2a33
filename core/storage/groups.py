"""Study groups, their members, and the groups' schedule."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.expression import Executable

from core.groups.model import (
    GroupWeekFigures,
    MemberActivity,
    Membership,
    NewStudyGroup,
    StudyGroup,
    Tick,
)
from core.kernel.refs import ChatRef
from core.kernel.schedule import Slot
from core.outreach.model import DueGroup, Status
from core.storage import models as m
from core.storage.rows import (
    ADMINS,
    ENROLLMENT_COLUMNS,
    GROUPS,
    MEMBERS,
    OUTBOX,
    enrollment_from_row,
    group_from_row,
    group_values,
    member_values,
    membership_from_row,
)
from core.storage.session import PerDialect, SqlSession

_G = GROUPS.c
_M = MEMBERS.c
_A = ADMINS.c
# A group's morning is its daily digest, its evening the weekly report.
_SLOT_COLUMNS = {Slot.MORNING: _G.next_digest_at, Slot.EVENING: _G.next_report_at}


def _due(slot: Slot) -> PerDialect[Executable]:
    column = _SLOT_COLUMNS[slot]
    statement = (
        select(GROUPS, column.label("due_at"))
        .where(column <= bindparam("now"), _G.active)
        .order_by(column)
        .limit(bindparam("limit"))
    )
    return PerDialect(lambda dialect: dialect.skip_locked(statement, GROUPS))


_DUE = {slot: _due(slot) for slot in Slot}
_RESCHEDULE = {
    slot: update(GROUPS)
    .where(_G.id == bindparam("group_id"))
    .values({column.name: bindparam("next_at", type_=column.type)})
    for slot, column in _SLOT_COLUMNS.items()
}


class SqlGroups:
    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def find(self, chat: ChatRef, *, lock: bool = False) -> StudyGroup | None:
        statement = select(GROUPS).where(
            _G.platform == chat.platform, _G.external_id == chat.external_id
        )
        # One table, so a locking read that waited returns the row as committed.
        result = await self._db.execute(statement.with_for_update() if lock else statement)
        row = result.mappings().first()
        return group_from_row(row) if row else None

    async def get(self, group_id: int) -> StudyGroup | None:
        row = (await self._db.execute(select(GROUPS).where(_G.id == group_id))).mappings().first()
        return group_from_row(row) if row else None

    async def create(self, group: NewStudyGroup, *, at: datetime) -> StudyGroup:
        values = {**group_values(group), "active": True, "created_at": at}
        result = await self._db.execute(insert(GROUPS).values(values).returning(_G.id))
        created = await self.get(result.scalar_one())
        assert created is not None
        return created

    async def save(self, group: StudyGroup) -> None:
        await self._db.execute(
            update(GROUPS)
            .where(_G.id == group.id)
            .values({**group_values(group), "active": group.active})
        )

    async def deactivate(self, group_id: int) -> int:
        await self._db.execute(
            update(GROUPS)
            .where(_G.id == group_id)
            .values(active=False, next_digest_at=None, next_report_at=None)
        )
        o = OUTBOX.c
        dropped = await self._db.execute(
            delete(OUTBOX).where(o.group_id == group_id, o.status == Status.PENDING.value)
        )
        return int(dropped.rowcount or 0)

    async def in_parent(self, platform: str, parent: str) -> list[StudyGroup]:
        rows = await self._db.execute(
            select(GROUPS).where(_G.platform == platform, _G.parent == parent, _G.active)
        )
        return [group_from_row(row) for row in rows.mappings()]

    async def membership(self, group_id: int, learner_id: int) -> Membership | None:
        result = await self._db.execute(
            select(MEMBERS, _G.platform)
            .join(GROUPS, _G.id == _M.group_id)
            .where(_M.group_id == group_id, _M.learner_id == learner_id)
        )
        row = result.mappings().first()
        return membership_from_row(row, row["platform"]) if row else None

    async def of_learner(self, learner_id: int) -> list[StudyGroup]:
        result = await self._db.execute(
            select(GROUPS)
            .join(MEMBERS, _M.group_id == _G.id)
            .where(_M.learner_id == learner_id, _G.active.is_(True))
            .order_by(_M.joined_at, _G.id)
        )
        return [group_from_row(row) for row in result.mappings()]

    async def admin_since(self, group_id: int, learner_id: int) -> datetime | None:
        since: datetime | None = await self._db.scalar(
            select(_A.since).where(_A.group_id == group_id, _A.learner_id == learner_id)
        )
        return since

    async def set_admin(self, group_id: int, learner_id: int, since: datetime | None) -> None:
        if since is None:
            await self._db.execute(
                delete(ADMINS).where(_A.group_id == group_id, _A.learner_id == learner_id)
            )
            return
        # An upsert: two admin commands of the same admin at once leave one row.
        stmt = self._db.insert(ADMINS).values(group_id=group_id, learner_id=learner_id, since=since)
        await self._db.execute(
            stmt.on_conflict_do_update(
                index_elements=["group_id", "learner_id"], set_={"since": stmt.excluded.since}
            )
        )

    async def administered(self, learner_id: int, *, since: datetime) -> list[StudyGroup]:
        result = await self._db.execute(
            select(GROUPS)
            .join(ADMINS, _A.group_id == _G.id)
            .where(_A.learner_id == learner_id, _A.since >= since, _G.active.is_(True))
            .order_by(_G.id)
        )
        return [group_from_row(row) for row in result.mappings()]

    async def add_member(self, membership: Membership) -> None:
        await self._db.execute(
            insert(MEMBERS).values(
                group_id=membership.group_id,
                learner_id=membership.learner_id,
                joined_at=membership.joined_at,
                **member_values(membership),
            )
        )

    async def save_member(self, membership: Membership) -> None:
        await self._db.execute(
            update(MEMBERS)
            .where(_M.group_id == membership.group_id, _M.learner_id == membership.learner_id)
            .values(member_values(membership))
        )

    async def remove_member(self, group_id: int, learner_id: int) -> bool:
        result = await self._db.execute(
            delete(MEMBERS).where(_M.group_id == group_id, _M.learner_id == learner_id)
        )
        return bool(result.rowcount)

    async def member_count(self, group_id: int) -> int:
        result = await self._db.execute(
            select(func.count()).select_from(MEMBERS).where(_M.group_id == group_id)
        )
        return int(result.scalar_one())

    async def member_activity(
        self, group: StudyGroup, *, since: date, since_at: datetime
    ) -> list[MemberActivity]:
        # Three set-based reads whatever the group's size: members with their enrollment on
        # the track, their ticks in range or on their current week, their quiz answers in range.
        members = await self._members_with_enrollment(group)
        ticks, week_done = await self._ticks(group, since)
        quiz = await self._quiz_counts(group.id, since_at)
        activity = []
        for row in members:
            enrollment = enrollment_from_row(row) if row["id"] is not None else None
            right, answered = quiz.get(row["learner_id"], (0, 0))
            activity.append(
                MemberActivity(
                    membership_from_row(row, group.chat.platform),
                    enrollment,
                    tuple(ticks.get(enrollment.id, ())) if enrollment else (),
                    right,
                    answered,
                    week_done.get(enrollment.id, {}) if enrollment else {},
                )
            )
        return activity

    async def _members_with_enrollment(self, group: StudyGroup) -> list[RowMapping]:
        e = m.Enrollment
        result = await self._db.execute(
            select(MEMBERS, *ENROLLMENT_COLUMNS)
            .outerjoin(e, and_(e.learner_id == _M.learner_id, e.track_id == group.track_id))
            .where(_M.group_id == group.id)
            .order_by(_M.joined_at, _M.learner_id)
        )
        return list(result.mappings())

    async def _ticks(
        self, group: StudyGroup, since: date
    ) -> tuple[dict[int, list[Tick]], dict[int, dict[str, date]]]:
        """Items ticked on the group's track, by enrollment: those from `since`, and those
        on the member's current week (item id -> date, as a Snapshot holds them)."""
        e, c = m.Enrollment, m.Completion
        ticks: dict[int, list[Tick]] = {}
        week_done: dict[int, dict[str, date]] = {}
        for tick in await self._db.execute(
            select(c.enrollment_id, c.done_on, c.week_id, c.item_id, e.current_week_id)
            .join(e, e.id == c.enrollment_id)
            .join(MEMBERS, _M.learner_id == e.learner_id)
            .where(
                _M.group_id == group.id,
                e.track_id == group.track_id,
                or_(c.done_on >= since, c.week_id == e.current_week_id),
            )
            .order_by(c.done_at)
        ):
            if tick.done_on >= since:
                ticks.setdefault(tick.enrollment_id, []).append(
                    Tick(tick.done_on, tick.week_id, tick.item_id)
                )
            if tick.week_id == tick.current_week_id:
                week_done.setdefault(tick.enrollment_id, {})[tick.item_id] = tick.done_on
        return ticks, week_done

    async def _quiz_counts(self, group_id: int, since_at: datetime) -> dict[int, tuple[int, int]]:
        """Right and all answers per member since a moment: group quizzes and their own."""
        members = select(_M.learner_id).where(_M.group_id == group_id)
        counts: dict[int, tuple[int, int]] = {}
        a, d = m.GroupQuizAnswer, m.QuizDelivery
        for learner_col, correct, at in (
            (a.learner_id, a.correct, a.answered_at),
            (d.learner_id, d.correct, d.answered_at),
        ):
            rows = await self._db.execute(
                select(learner_col, func.count().filter(correct.is_(True)), func.count())
                .where(learner_col.in_(members.scalar_subquery()), at >= since_at)
                .group_by(learner_col)
            )
            for learner_id, right, answered in rows:
                before = counts.get(learner_id, (0, 0))
                counts[learner_id] = (before[0] + right, before[1] + answered)
        return counts

    async def week_figures(self, group_id: int, *, since_at: datetime) -> GroupWeekFigures:
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
            await self._db.execute(
                select(
                    submissions.scalar_subquery(),
                    reviews.scalar_subquery(),
                    quizzes.scalar_subquery(),
                )
            )
        ).one()
        answered, right = (await self._db.execute(answers)).one()
        return GroupWeekFigures(int(row[0]), int(row[1]), int(row[2]), int(answered), int(right))


class SqlGroupSchedule:
    """When each active group is next owed its digest (morning) or its report (evening)."""

    def __init__(self, db: SqlSession) -> None:
        self._db = db

    async def due(self, slot: Slot, now: datetime, limit: int) -> list[DueGroup]:
        rows = await self._db.execute(_DUE[slot], {"now": now, "limit": limit})
        return [DueGroup(group_from_row(row), row["due_at"]) for row in rows.mappings()]

    async def reschedule(self, slot: Slot, next_at: dict[int, datetime | None]) -> None:
        if next_at:
            await self._db.execute_many(
                _RESCHEDULE[slot],
                [{"group_id": key, "next_at": value} for key, value in next_at.items()],
            )
