"""The tick: turning the moments that have come into outbox rows.

Learners and study groups go through one pipeline. Each has a schedule (the next morning
and evening instant of every enrollment or group); a planner says, for one due row, when
its next moment falls and which rows it is owed now. A batch is one transaction: the
schedule moves on and the rows are owed together, or neither happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from core.groups.calendar import is_month_end, next_digest_at, next_report_at
from core.groups.standings import last_study_day
from core.kernel.ports import UnitOfWorkFactory
from core.kernel.schedule import Slot, next_nudge_at
from core.outreach.model import (
    DueGroup,
    DueSlot,
    Kind,
    NewOutboxItem,
    Recipient,
    TickReport,
)
from core.outreach.policy import OutreachPolicy
from core.outreach.ports import OutreachUnitOfWork, Schedule

Due = TypeVar("Due")


@dataclass(frozen=True)
class Planned:
    """What one due learner or group comes to."""

    id: int  # the enrollment or group whose schedule moves on
    next_at: dict[Slot, datetime | None]
    owed: tuple[NewOutboxItem, ...] = ()
    skipped: bool = False


class AudiencePlanner(Protocol[Due]):
    def schedule(self, uow: OutreachUnitOfWork) -> Schedule[Due]: ...

    def plan(self, row: Due, slot: Slot, now: datetime) -> Planned: ...


@dataclass(frozen=True)
class LearnerPlanner:
    policy: OutreachPolicy

    def schedule(self, uow: OutreachUnitOfWork) -> Schedule[DueSlot]:
        return uow.learner_schedule

    def plan(self, row: DueSlot, slot: Slot, now: datetime) -> Planned:
        at = row.nudge_time if slot is Slot.MORNING else row.evening_time
        next_at: dict[Slot, datetime | None] = {
            slot: next_nudge_at(now, zone=row.zone, at=at, study_days=row.study_days)
        }
        if slot is Slot.MORNING and row.next_evening_at is None:
            # Enrollments from before evening check-ins existed get their first one.
            next_at[Slot.EVENING] = next_nudge_at(
                now, zone=row.zone, at=row.evening_time, study_days=row.study_days
            )
        if not row.reachable or now - row.due_at > self.policy.max_lateness:
            return Planned(row.enrollment_id, next_at, skipped=True)
        day = row.due_at.astimezone(row.zone).date()
        recipient = Recipient.learner(row.learner_id)

        def owe(kind: Kind) -> NewOutboxItem:
            return NewOutboxItem(recipient, kind, day, row.due_at, max(now, row.due_at))

        if slot is Slot.EVENING:
            return Planned(row.enrollment_id, next_at, (owe(Kind.EVENING),))
        quiz = (owe(Kind.QUIZ),) if day.weekday() in row.quiz_days else ()
        return Planned(row.enrollment_id, next_at, (owe(Kind.PLAN), *quiz))


@dataclass(frozen=True)
class GroupPlanner:
    """A group's morning is its digest (and a quiz on quiz days), its evening the weekly
    report on the last study day and the monthly report on the month's last day."""

    policy: OutreachPolicy

    def schedule(self, uow: OutreachUnitOfWork) -> Schedule[DueGroup]:
        return uow.group_schedule

    def plan(self, row: DueGroup, slot: Slot, now: datetime) -> Planned:
        group = row.group
        moved = next_digest_at(group, now) if slot is Slot.MORNING else next_report_at(group, now)
        next_at: dict[Slot, datetime | None] = {slot: moved}
        if slot is Slot.MORNING:
            report_at = next_report_at(group, now)
            if group.next_report_at is None or group.next_report_at > report_at:
                # A report moment planned before month ends were reports skips one: the
                # first digest after brings it forward.
                next_at[Slot.EVENING] = report_at
        if now - row.due_at > self.policy.max_lateness:
            return Planned(group.id, next_at, skipped=True)
        day = row.due_at.astimezone(group.zone).date()
        recipient = Recipient.group(group.id)

        def owe(kind: Kind, available_at: datetime) -> NewOutboxItem:
            return NewOutboxItem(recipient, kind, day, row.due_at, available_at)

        if slot is Slot.EVENING:
            reports = []
            if day.weekday() == last_study_day(group.study_days):
                reports.append(owe(Kind.GROUP_REPORT, now))
            if is_month_end(day):
                reports.append(owe(Kind.GROUP_MONTH, now))
            return Planned(group.id, next_at, tuple(reports))
        owed = [owe(Kind.GROUP_DIGEST, now)]
        if day.weekday() in group.quiz_days:
            # The quiz goes after the digest; its close is owed now, to come when it ends.
            owed.append(owe(Kind.GROUP_QUIZ, now))
            owed.append(owe(Kind.GROUP_CLOSE, row.due_at + self.policy.group_quiz_open))
        return Planned(group.id, next_at, tuple(owed))


@dataclass
class Tick(Generic[Due]):
    units: UnitOfWorkFactory[OutreachUnitOfWork]
    policy: OutreachPolicy
    planner: AudiencePlanner[Due]
    report: TickReport = field(default_factory=TickReport)

    async def run(self, now: datetime) -> TickReport:
        """Everything due up to now, a batch per transaction, until none is left."""
        for slot in Slot:
            while True:
                batch = await self._batch(slot, now)
                self.report += batch
                if batch.due < self.policy.batch_size:
                    break
        return self.report

    async def _batch(self, slot: Slot, now: datetime) -> TickReport:
        async with self.units() as uow:
            schedule = self.planner.schedule(uow)
            due = await schedule.due(slot, now, self.policy.batch_size)
            if not due:
                return TickReport()
            planned = [self.planner.plan(row, slot, now) for row in due]
            moves: dict[Slot, dict[int, datetime | None]] = {}
            for p in planned:
                for moved_slot, at in p.next_at.items():
                    moves.setdefault(moved_slot, {})[p.id] = at
            for moved_slot, next_at in moves.items():
                await schedule.reschedule(moved_slot, next_at)
            enqueued = await uow.outbox.enqueue([item for p in planned for item in p.owed])
            await uow.commit()
        return TickReport(len(due), enqueued, sum(p.skipped for p in planned))
