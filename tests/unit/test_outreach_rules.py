"""Which message an outbox row becomes: the rules that need no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from core.groups.model import StudyGroup
from core.kernel.refs import ChatRef
from core.kernel.schedule import Slot
from core.outreach.learners import is_digest_day
from core.outreach.model import DueGroup, DueSlot, Kind, NewOutboxItem, Recipient
from core.outreach.planner import GroupPlanner, LearnerPlanner
from core.outreach.policy import OutreachPolicy

MON_SAT = frozenset(range(6))
POLICY = OutreachPolicy()


def _owed(row: DueSlot, slot: Slot) -> tuple[NewOutboxItem, ...]:
    return LearnerPlanner(POLICY).plan(row, slot, row.due_at).owed


def due(at: datetime, *, quiz_days: frozenset[int] = frozenset({0, 2, 4})) -> DueSlot:
    return DueSlot(
        enrollment_id=1,
        learner_id=7,
        timezone="Asia/Tokyo",
        nudge_time=time(7, 30),
        evening_time=time(20),
        study_days=MON_SAT,
        quiz_days=quiz_days,
        due_at=at,
        next_evening_at=None,
        reachable=True,
    )


def test_the_morning_owes_a_plan_and_on_quiz_days_a_question_dated_in_local_time() -> None:
    # 22:30 UTC on Tuesday is 07:30 on Wednesday in Tokyo, a quiz day.
    owed = _owed(due(datetime(2026, 11, 17, 22, 30, tzinfo=UTC)), Slot.MORNING)
    assert [(o.kind, o.local_date) for o in owed] == [
        (Kind.PLAN, date(2026, 11, 18)),
        (Kind.QUIZ, date(2026, 11, 18)),
    ]
    thursday = _owed(due(datetime(2026, 11, 18, 22, 30, tzinfo=UTC)), Slot.MORNING)
    assert [o.kind for o in thursday] == [Kind.PLAN]


def test_the_evening_owes_one_check_in() -> None:
    owed = _owed(due(datetime(2026, 11, 17, 11, 0, tzinfo=UTC)), Slot.EVENING)
    assert [(o.kind, o.local_date) for o in owed] == [(Kind.EVENING, date(2026, 11, 17))]


@pytest.mark.parametrize(
    ("today", "week_ends_on", "expected"),
    [
        (date(2026, 11, 21), date(2026, 11, 21), True),  # the week's last planned day
        (date(2026, 11, 20), date(2026, 11, 21), False),
        (date(2026, 11, 28), date(2026, 11, 21), True),  # running over: Saturdays
        (date(2026, 11, 25), date(2026, 11, 21), False),
    ],
)
def test_the_digest_comes_on_the_weeks_last_study_day(
    today: date, week_ends_on: date, expected: bool
) -> None:
    assert is_digest_day(today, week_ends_on, MON_SAT) is expected


def test_owed_rows_name_their_learner_and_move_the_schedule_on() -> None:
    row = due(datetime(2026, 11, 17, 22, 30, tzinfo=UTC))
    planned = LearnerPlanner(POLICY).plan(row, Slot.MORNING, row.due_at)
    assert {o.recipient for o in planned.owed} == {Recipient.learner(7)}
    # Its first evening is scheduled along with the next morning.
    assert set(planned.next_at) == {Slot.MORNING, Slot.EVENING}
    assert all(at is not None and at > row.due_at for at in planned.next_at.values())


def test_a_moment_missed_by_more_than_the_lateness_is_skipped_but_moves_on() -> None:
    row = due(datetime(2026, 11, 17, 22, 30, tzinfo=UTC))
    late = row.due_at + POLICY.max_lateness * 2
    planned = LearnerPlanner(POLICY).plan(row, Slot.MORNING, late)
    assert planned.skipped
    assert planned.owed == ()
    assert planned.next_at[Slot.MORNING] is not None


def _group(quiz_days: frozenset[int]) -> StudyGroup:
    return StudyGroup(
        id=3,
        chat=ChatRef("test", "chat"),
        track_id="python-backend",
        timezone="Europe/Berlin",
        digest_time=time(8),
        report_time=time(18),
        study_days=MON_SAT,
        quiz_days=quiz_days,
        started_on=date(2026, 11, 16),
        active=True,
        next_digest_at=None,
        next_report_at=None,
    )


def test_a_groups_morning_owes_its_digest_and_on_quiz_days_a_quiz_and_its_later_close() -> None:
    at = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # 08:00 Monday in Berlin
    planned = GroupPlanner(POLICY).plan(DueGroup(_group(frozenset({0})), at), Slot.MORNING, at)
    assert [(o.kind, o.recipient) for o in planned.owed] == [
        (Kind.GROUP_DIGEST, Recipient.group(3)),
        (Kind.GROUP_QUIZ, Recipient.group(3)),
        (Kind.GROUP_CLOSE, Recipient.group(3)),
    ]
    close = planned.owed[-1]
    assert close.available_at == at + POLICY.group_quiz_open


def test_a_groups_evening_owes_the_weekly_report() -> None:
    at = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    planned = GroupPlanner(POLICY).plan(DueGroup(_group(frozenset()), at), Slot.EVENING, at)
    assert [o.kind for o in planned.owed] == [Kind.GROUP_REPORT]
    assert [o.audience for o in Kind] == [
        *(Recipient.learner(0).audience for _ in range(3)),
        *(Recipient.group(0).audience for _ in range(5)),
        Recipient.focus(0).audience,
        Recipient.in_chat("test", "1").audience,
    ]
