"""Which message an outbox row becomes: the rules that need no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.groups.calendar import month_end, next_month_report_at, next_report_at
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
        Recipient.learner(0).audience,
        Recipient.in_chat("test", "1").audience,
    ]


# -- the monthly report ------------------------------------------------------------


def _group_in(zone: str, report_time: time = time(18)) -> StudyGroup:
    return replace(_group(frozenset()), timezone=zone, report_time=report_time)


def _evenings(group: StudyGroup, start: datetime, end: datetime) -> dict[Kind, list[date]]:
    """Each evening moment from `start` to `end`, planned as the tick plans it: the local
    days each kind was owed on."""
    owed: dict[Kind, list[date]] = {}
    now = start
    while (at := next_report_at(group, now)) <= end:
        planned = GroupPlanner(POLICY).plan(DueGroup(group, at), Slot.EVENING, at)
        assert at.astimezone(group.zone).time() == group.report_time
        for item in planned.owed:
            owed.setdefault(item.kind, []).append(item.local_date)
        assert planned.next_at[Slot.EVENING] == next_report_at(group, at) > at
        now = at
    return owed


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Berlin", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata"]
)
@pytest.mark.parametrize("report_time", [time(18), time(0, 30), time(23, 30)])
def test_the_monthly_report_is_owed_once_on_each_months_last_day_and_no_other(
    zone: str, report_time: time
) -> None:
    # Sixteen months in the group's zone, through DST changes and the leap day of 2028.
    group = _group_in(zone, report_time)
    start = datetime.combine(date(2026, 11, 1), time(0), ZoneInfo(zone))
    end = datetime.combine(date(2028, 3, 1), time(0), ZoneInfo(zone))
    owed = _evenings(group, start, end)
    days = _days(date(2026, 11, 1), date(2028, 2, 29))
    assert owed[Kind.GROUP_MONTH] == [d for d in days if (d + timedelta(days=1)).day == 1]
    assert owed[Kind.GROUP_MONTH][3:5] == [date(2027, 2, 28), date(2027, 3, 31)]
    assert owed[Kind.GROUP_MONTH][-1] == date(2028, 2, 29)
    # The weekly report keeps to the last study day, Saturday.
    assert owed[Kind.GROUP_REPORT] == [d for d in days if d.weekday() == 5]
    assert set(owed) == {Kind.GROUP_MONTH, Kind.GROUP_REPORT}


@pytest.mark.parametrize(
    ("zone", "after", "due", "local_date"),
    [
        # 18:00 on 30 November in Los Angeles (UTC-8) is 1 December in UTC.
        ("America/Los_Angeles", "2026-11-29T00:00", "2026-12-01T02:00", date(2026, 11, 30)),
        # In Auckland (UTC+13 in summer) it is the 30th's morning in UTC.
        ("Pacific/Auckland", "2026-11-29T00:00", "2026-11-30T05:00", date(2026, 11, 30)),
        ("Europe/Berlin", "2026-12-29T00:00", "2026-12-31T17:00", date(2026, 12, 31)),
        ("Pacific/Auckland", "2027-02-27T00:00", "2027-02-28T05:00", date(2027, 2, 28)),
        ("America/Los_Angeles", "2028-02-28T00:00", "2028-03-01T02:00", date(2028, 2, 29)),
    ],
)
def test_the_month_ends_in_the_groups_zone_whatever_day_it_is_in_utc(
    zone: str, after: str, due: str, local_date: date
) -> None:
    group = _group_in(zone)
    at = next_month_report_at(group, datetime.fromisoformat(after).replace(tzinfo=UTC))
    assert at == datetime.fromisoformat(due).replace(tzinfo=UTC)
    assert next_report_at(group, at - timedelta(minutes=1)) == at
    planned = GroupPlanner(POLICY).plan(DueGroup(group, at), Slot.EVENING, at)
    assert (Kind.GROUP_MONTH, local_date) in [(o.kind, o.local_date) for o in planned.owed]
    # A minute after the moment, the next one is a month on.
    assert next_month_report_at(group, at).astimezone(group.zone).date() == month_end(
        local_date + timedelta(days=1)
    )


def test_an_evening_moment_on_no_report_day_owes_nothing() -> None:
    at = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)  # Wednesday 18 November in Berlin
    planned = GroupPlanner(POLICY).plan(DueGroup(_group(frozenset()), at), Slot.EVENING, at)
    assert planned.owed == ()
    assert planned.next_at[Slot.EVENING] == datetime(2026, 11, 21, 17, 0, tzinfo=UTC)


def test_a_groups_morning_brings_forward_a_report_moment_that_skips_the_month_end() -> None:
    # Monday 30 November 08:00 in Berlin: a group whose evening was planned, before month
    # ends were reports, for Saturday 5 December.
    at = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    saturday = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)
    tonight = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    stale = replace(_group(frozenset()), next_digest_at=at, next_report_at=saturday)
    planned = GroupPlanner(POLICY).plan(DueGroup(stale, at), Slot.MORNING, at)
    assert planned.next_at[Slot.EVENING] == tonight
    current = replace(stale, next_report_at=tonight)
    planned = GroupPlanner(POLICY).plan(DueGroup(current, at), Slot.MORNING, at)
    assert Slot.EVENING not in planned.next_at
