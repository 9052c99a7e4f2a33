"""The coach writing first: what is owed when, what is sent, held or dropped when its turn
comes, and what becomes of a row a platform would not take."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.commands import Done, from_action
from core.outreach.model import Audience, Drop, Kind, NewOutboxItem, Recipient, Send, Status
from core.outreach.service import Outreach
from tests.conftest import Learner
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions, Sent, finished, owed
from tests.unit.rules.support import enrollment, snapshot

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")
MONDAY = date(2026, 11, 16)


@pytest.fixture
def outreach(coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Outreach:
    return Outreach(coach, uow, clock)


@pytest.fixture
def decisions(clock: FrozenClock, outreach: Outreach) -> Decisions:
    return Decisions(clock, outreach)


NewLearner = Callable[..., Awaitable[Learner]]


@pytest.fixture
def new_learner(coach: Coach, clock: FrozenClock, uow: MemoryUnitOfWorkFactory) -> NewLearner:
    async def started(at: datetime, *settings: str) -> Learner:
        """A learner who started at `at`, with each setting taken."""
        clock.set(at)
        learner = Learner(coach)
        await learner.say("/start")
        for line in settings:
            before = await enrollment(uow, learner.ref)
            await learner.say(f"/settings {line}")
            assert await enrollment(uow, learner.ref) != before, line
        return learner

    return started


async def due_at_nine(
    new_learner: NewLearner, clock: FrozenClock, outreach: Outreach, *settings: str
) -> Learner:
    """A learner who started on Monday morning, at their 09:00 nudge, the tick just run."""
    learner = await new_learner(datetime(2026, 11, 16, 8, 0, tzinfo=UTC), *settings)
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await outreach.enqueue_due()
    return learner


def times(sent: Sequence[Sent], zone: ZoneInfo = UTC_ZONE, fmt: str = "%a %H:%M") -> list[str]:
    return [s.at.astimezone(zone).strftime(fmt) for s in sent]


# -- when things arrive ----------------------------------------------------------


async def test_a_berlin_learner_gets_the_plan_at_0730_berlin_time_on_study_days(
    new_learner: NewLearner,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    ada = await new_learner(monday, "tz Europe/Berlin", "time 07:30", "days mon-fri", "quiz off")
    await decisions.run_until(monday + timedelta(days=7))
    plans = decisions.of("plan")
    assert times(plans, BERLIN) == ["Mon 07:30", "Tue 07:30", "Wed 07:30", "Thu 07:30", "Fri 07:30"]
    assert {p.to for p in plans} == {ada.ref}
    first = plans[0].reply
    assert first.buttons, "the plan carries a ✓ button per item"
    assert all(isinstance(from_action(b.action), Done) for b in first.all_buttons)
    assert not decisions.of("quiz")


async def test_the_evening_brings_a_streak_reminder_only_when_nothing_was_done(
    new_learner: NewLearner,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
    database: MemoryDatabase,
) -> None:
    monday = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
    ada = await new_learner(monday, "tz Europe/Berlin", "evening 21:00", "quiz off")
    await decisions.run_until(monday + timedelta(hours=14, minutes=30))
    # Tuesday: the reminder is owed at 21:00, then work lands before it is sent.
    await ada.say("/done")
    clock.set(datetime(2026, 11, 17, 20, 0, tzinfo=UTC))  # 21:00 in Berlin
    await outreach.enqueue_due()
    await ada.say("/done")
    await decisions.drain()
    clock.set(datetime(2026, 11, 18, 19, 55, tzinfo=UTC))
    await decisions.run_until(datetime(2026, 11, 18, 20, 5, tzinfo=UTC))

    reminders = decisions.of("streak")
    assert times(reminders, BERLIN) == ["Mon 21:00", "Wed 21:00"]
    assert "2-day streak" in reminders[1].text
    assert reminders[1].reply.buttons, "the reminder offers the next item's ✓ button"
    assert ("evening", date(2026, 11, 17), "dropped", "worked today") in finished(database)


async def test_the_weekly_digest_comes_on_the_last_study_day_of_the_week(
    new_learner: NewLearner,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    monday = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    ada = await new_learner(monday, "quiz off")  # UTC, Mon-Sat, standard pace
    await ada.say("/done")
    await ada.say("/log 2")
    await decisions.run_until(monday + timedelta(days=6, hours=14))

    [digest] = decisions.of("digest")
    assert times([digest]) == ["Sat 20:00"]
    for part in ("Week 1 in review", "Done: 1 of", "Hours logged: 2 of", "Next: week 2"):
        assert part in digest.text, part
    # The other evenings without work brought streak reminders (Monday had its tick);
    # Sunday is a rest day and stays silent.
    assert times(decisions.of("streak"), fmt="%a") == ["Tue", "Wed", "Thu", "Fri"]
    assert "Sun" not in times(decisions.sent, fmt="%a")


async def test_quiz_questions_come_on_quiz_days_with_the_plan(
    new_learner: NewLearner,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    await new_learner(monday, "quiz tue,thu")
    await decisions.run_until(monday + timedelta(days=7))
    quizzes = decisions.of("quiz")
    assert times(quizzes) == ["Tue 09:00", "Thu 09:00"]
    assert all(q.reply.quiz and q.reply.quiz.ref for q in quizzes)


@pytest.mark.parametrize(
    ("zone", "local_nudge", "expected_utc"),
    [
        ("Asia/Tokyo", "07:30", "22:30"),  # the day before in UTC
        ("America/Los_Angeles", "07:30", "15:30"),
        ("Asia/Kolkata", "07:30", "02:00"),  # a half-hour offset
        ("Pacific/Kiritimati", "07:30", "17:30"),  # UTC+14
    ],
)
async def test_nudges_follow_each_learners_own_time_zone(
    new_learner: NewLearner,
    clock: FrozenClock,
    decisions: Decisions,
    zone: str,
    local_nudge: str,
    expected_utc: str,
) -> None:
    start = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    await new_learner(start, f"tz {zone}", f"time {local_nudge}", "days every day")
    await decisions.run_until(start + timedelta(days=3))
    plans = decisions.of("plan")
    assert set(times(plans, fmt="%H:%M")) == {expected_utc}
    local = times(plans, ZoneInfo(zone), "%d")
    assert len(local) == len(set(local)) >= 2  # one a day, never two
    assert set(times(plans, ZoneInfo(zone), "%H:%M")) == {local_nudge}


@pytest.mark.parametrize(
    ("zone", "nudge", "start", "end", "expected_local", "expected_utc"),
    [
        pytest.param(
            # Berlin skips 02:00-03:00 on Sunday 28 March 2027: the 28th's comes at 03:30.
            "Europe/Berlin",
            "02:30",
            datetime(2027, 3, 26, 12, 0, tzinfo=UTC),
            datetime(2027, 3, 29, 12, 0, tzinfo=UTC),
            ["27 02:30", "28 03:30", "29 02:30"],
            ["27 01:30", "28 01:30", "29 00:30"],
            id="spring-forward gap",
        ),
        pytest.param(
            # New York repeats 01:00-02:00 on Sunday 7 November 2027: the 7th's comes at
            # the first 01:30 (EDT), not again an hour later.
            "America/New_York",
            "01:30",
            datetime(2027, 11, 5, 12, 0, tzinfo=UTC),
            datetime(2027, 11, 8, 12, 0, tzinfo=UTC),
            ["06 01:30", "07 01:30", "08 01:30"],
            ["06 05:30", "07 05:30", "08 06:30"],
            id="fall-back repeat",
        ),
    ],
)
async def test_a_nudge_on_a_dst_change_comes_exactly_once(
    new_learner: NewLearner,
    clock: FrozenClock,
    decisions: Decisions,
    zone: str,
    nudge: str,
    start: datetime,
    end: datetime,
    expected_local: list[str],
    expected_utc: list[str],
) -> None:
    await new_learner(start, f"tz {zone}", f"time {nudge}", "days every day", "quiz off")
    await decisions.run_until(end, step_minutes=1)
    plans = decisions.of("plan")
    assert times(plans, ZoneInfo(zone), "%d %H:%M") == expected_local
    assert times(plans, fmt="%d %H:%M") == expected_utc


# -- who hears nothing -----------------------------------------------------------


async def test_rest_days_and_a_pause_stay_silent(
    new_learner: NewLearner,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    ada = await new_learner(monday, "days mon,wed,fri", "quiz off")
    await decisions.run_until(datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    await ada.say("/pause")
    await decisions.run_until(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    await ada.say("/resume")
    await decisions.run_until(datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    assert times(decisions.of("plan"), fmt="%a %d") == ["Mon 16", "Wed 18", "Mon 23"]
    assert set(times(decisions.sent, fmt="%a")) <= {"Mon", "Wed"}


async def test_a_pause_after_enqueueing_still_stops_the_message(
    new_learner: NewLearner,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
) -> None:
    ada = await new_learner(datetime(2026, 11, 16, 8, 0, tzinfo=UTC), "quiz off")
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    assert (await outreach.enqueue_due()).enqueued == 1
    await ada.say("/pause")
    assert await decisions.drain() == [Drop("paused")]
    assert decisions.sent == []


async def test_an_unreachable_learner_is_passed_over(
    new_learner: NewLearner,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
) -> None:
    ada = await new_learner(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    await coach.mark_unreachable(ada.ref)
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    report = await outreach.enqueue_due()
    assert (report.due, report.enqueued, report.skipped) == (1, 0, 1)
    # Writing to the coach makes them reachable again, and the next day's plan comes.
    await ada.say("/today")
    await decisions.run_until(datetime(2026, 11, 17, 9, 30, tzinfo=UTC))
    assert times(decisions.of("plan")) == ["Tue 09:00"]


async def test_quiet_hours_hold_a_message_until_they_end(
    new_learner: NewLearner,
    clock: FrozenClock,
    decisions: Decisions,
    database: MemoryDatabase,
) -> None:
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    await new_learner(
        monday,
        "tz Europe/Berlin",
        "time 06:30",
        "evening 22:30",
        "quiet 22:00-07:00",
        "quiz off",
    )
    await decisions.run_until(monday + timedelta(days=2))
    # The plan waits for 07:00; the 22:30 check-in could only go the next morning, when it
    # no longer means anything, so it is dropped rather than sent late.
    assert times(decisions.of("plan"), BERLIN) == ["Mon 07:00", "Tue 07:00"]
    assert [until.astimezone(BERLIN).strftime("%H:%M") for _, until in decisions.held] == [
        "07:00",
        "07:00",
    ]
    assert not decisions.of("streak")
    evenings = [why for item, why in decisions.dropped if item.kind == Kind.EVENING]
    assert evenings and set(evenings) == {"quiet hours until the day ends"}


async def test_a_moment_missed_while_the_coach_was_down_is_skipped_not_sent_late(
    new_learner: NewLearner,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
) -> None:
    await new_learner(datetime(2026, 11, 16, 8, 0, tzinfo=UTC), "quiz off")
    clock.set(datetime(2026, 11, 16, 13, 0, tzinfo=UTC))  # down from 08:00 until 13:00
    report = await outreach.enqueue_due()
    assert (report.enqueued, report.skipped) == (0, 1)
    await decisions.run_until(datetime(2026, 11, 17, 9, 30, tzinfo=UTC))
    assert times(decisions.of("plan")) == ["Tue 09:00"]


# -- once, and only once -----------------------------------------------------------


async def test_due_work_is_enqueued_once_whatever_moves_the_schedule_back(
    new_learner: NewLearner,
    clock: FrozenClock,
    outreach: Outreach,
    uow: MemoryUnitOfWorkFactory,
    database: MemoryDatabase,
) -> None:
    from core.kernel.schedule import Slot

    ada = await new_learner(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    assert (await outreach.enqueue_due()).enqueued == 2  # Monday: the plan and a quiz question
    assert (await outreach.enqueue_due()).due == 0
    # A concurrent write of an older enrollment state puts the moment back: still once.
    e = await enrollment(uow, ada.ref)
    async with uow() as work:
        await work.learner_schedule.reschedule(Slot.MORNING, {e.id: clock.now()})
        await work.commit()
    again = await outreach.enqueue_due()
    assert (again.due, again.enqueued) == (1, 0)
    assert owed(database, Audience.LEARNER) == [("plan", MONDAY), ("quiz", MONDAY)]


async def test_a_claim_left_by_a_dead_worker_is_taken_over_when_its_lease_ends(
    new_learner: NewLearner,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
) -> None:
    await due_at_nine(new_learner, clock, outreach, "quiz off")
    [dead] = await outreach.claim("dead-worker", 10)
    assert dead.attempts == 1
    assert await decisions.drain() == []  # leased to the dead worker
    clock.advance(outreach.policy.lease + timedelta(seconds=1))
    [taken] = await outreach.claim("test-worker", 10)
    assert (taken.id, taken.attempts) == (dead.id, 2)
    decision = await outreach.compose(taken, {"test"})
    assert isinstance(decision, Send) and decision.what == "plan"


# -- when the platform says no -----------------------------------------------------


async def test_failed_tries_come_back_after_growing_waits_until_they_run_out(
    new_learner: NewLearner,
    clock: FrozenClock,
    outreach: Outreach,
    database: MemoryDatabase,
) -> None:
    await due_at_nine(new_learner, clock, outreach, "quiz off")
    waits = []
    ended = []
    for _ in range(outreach.policy.max_attempts):
        [item] = await outreach.claim("test-worker", 10)
        tried_at = clock.now()
        ended.append(await outreach.failed(item, "temporary: 502 Bad Gateway", retry=True))
        while not (back := await outreach.claim("probe", 10)) and ended[-1] is Status.PENDING:
            clock.advance(timedelta(seconds=1))
        if back:
            waits.append(clock.now() - tried_at)
            await outreach.postpone(back[0], clock.now(), "probed", count_attempt=False)
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert ended == [Status.PENDING] * (outreach.policy.max_attempts - 1) + [Status.FAILED]
    assert finished(database) == [("plan", MONDAY, "failed", "temporary: 502 Bad Gateway")]


async def test_flood_control_postpones_without_spending_a_try(
    new_learner: NewLearner,
    clock: FrozenClock,
    outreach: Outreach,
) -> None:
    await due_at_nine(new_learner, clock, outreach, "quiz off")
    [item] = await outreach.claim("test-worker", 10)
    await outreach.postpone(item, clock.now() + timedelta(seconds=17), "flood control")
    assert await outreach.claim("test-worker", 10) == []  # not before the wait is over
    clock.advance(timedelta(seconds=17))
    [again] = await outreach.claim("test-worker", 10)
    assert (again.id, again.attempts) == (item.id, 1)


async def test_a_refused_message_fails_at_once_and_a_block_stops_everything(
    new_learner: NewLearner,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
    database: MemoryDatabase,
    uow: MemoryUnitOfWorkFactory,
) -> None:
    ada = await due_at_nine(new_learner, clock, outreach)
    plan, quiz = sorted(await outreach.claim("test-worker", 10), key=lambda i: i.kind)
    assert await outreach.failed(plan, "refused: message is too long", retry=False) is Status.FAILED
    await outreach.unreachable(quiz, ada.ref, "bot was blocked")
    assert [(kind, status) for kind, _, status, _ in finished(database)] == [
        ("plan", "failed"),
        ("quiz", "failed"),
    ]
    found = await snapshot(uow, ada.ref)
    assert found is not None and not found.reachable
    # Blocked: the next days' moments pass without a row until they write again.
    await decisions.run_until(datetime(2026, 11, 18, 21, 0, tzinfo=UTC))
    assert decisions.sent == []
    assert owed(database, Audience.LEARNER) == []


async def test_old_dedupe_keys_and_finished_rows_are_pruned(
    new_learner: NewLearner,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
    database: MemoryDatabase,
) -> None:
    ada = await new_learner(datetime(2026, 11, 16, 8, 0, tzinfo=UTC), "quiz off")
    await coach.handle(ada.ref, "/done", update_key="tg:1:1")
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await decisions.tick()
    assert await outreach.prune() == 0
    clock.advance(timedelta(days=31))
    assert await outreach.prune() == 2  # the update key and the sent plan
    assert (len(database.updates.rows), len(database.outbox.rows)) == (0, 0)


async def test_a_row_of_a_kind_this_version_does_not_know_is_dropped(
    new_learner: NewLearner,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
    uow: MemoryUnitOfWorkFactory,
) -> None:
    ada = await new_learner(datetime(2026, 11, 16, 8, 0, tzinfo=UTC), "quiz off")
    learner = await snapshot(uow, ada.ref)
    assert learner is not None
    now = clock.now()
    async with uow() as work:
        newer = NewOutboxItem(Recipient.learner(learner.learner_id), "newsletter", MONDAY, now, now)  # type: ignore[arg-type]
        await work.outbox.enqueue([newer])
        await work.commit()
    assert await decisions.drain() == [Drop("unknown kind 'newsletter'")]


async def test_no_streak_reminder_on_a_day_work_done_ahead_already_covers(
    new_learner: NewLearner,
    clock: FrozenClock,
    decisions: Decisions,
    database: MemoryDatabase,
) -> None:
    monday = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    ada = await new_learner(monday, "quiz off")  # UTC, Mon-Sat, standard pace, evening 20:00
    for _ in range(3):  # Monday's two items and Tuesday's one
        await ada.say("/done")
    await decisions.run_until(datetime(2026, 11, 18, 20, 5, tzinfo=UTC))

    # Tuesday owes nothing, so its streak cannot end that night: no reminder. Wednesday's
    # item is open, so Wednesday's comes, Tuesday passed over.
    assert ("evening", date(2026, 11, 17), "dropped", "nothing owed today") in finished(database)
    [reminder] = decisions.of("streak")
    assert times([reminder], fmt="%a") == ["Wed"]
    assert "1-day streak" in reminder.text
