"""Which message an outbox row becomes: the rules that need no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from core.kernel.schedule import Slot
from core.outreach.learners import Kind, _is_digest_day, _owed
from core.ports import DueSlot

MON_SAT = frozenset(range(6))


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
    assert _is_digest_day(today, week_ends_on, MON_SAT) is expected
