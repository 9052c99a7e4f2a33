"""The coach writing first, on both databases, with the clock in the test's hand.

A recording messenger stands in for the platform here; the Telegram end of the same
path runs against the fake Bot API in tests/e2e.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.commands import Command
from core.kernel.errors import PermanentFailure, RetryLater, TemporaryFailure, Unreachable
from core.kernel.reply import Reply
from core.outreach.learners import Decision, Outreach
from core.ports import LearnerRef, OutboxItem
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.store import SqlUnitOfWorkFactory
from scheduler.sender import Sender, SenderSettings
from tests.conftest import Learner

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Delivery:
    at: datetime
    to: LearnerRef
    reply: Reply

    @property
    def text(self) -> str:
        return self.reply.plain_text()

    @property
    def kind(self) -> str:
        if self.reply.quiz is not None:
            return "quiz"
        if "Good morning" in self.text:
            return "plan"
        if "in review" in self.text:
            return "digest"
        return "streak"


@dataclass
class RecordingMessenger:
    """The platform end: records what arrives, or fails the way a platform can."""

    clock: FrozenClock
    platform: str = "test"
    received: list[Delivery] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    calls: int = 0

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.received.append(Delivery(self.clock.now(), to, reply))

    def of(self, kind: str) -> list[Delivery]:
        return [d for d in self.received if d.kind == kind]


@pytest.fixture
def outreach(engine: AsyncEngine, coach: Coach, clock: FrozenClock) -> Outreach:
    return Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), clock)


@pytest.fixture
def inbox(clock: FrozenClock) -> RecordingMessenger:
    return RecordingMessenger(clock)


@pytest.fixture
def sender(outreach: Outreach, inbox: RecordingMessenger) -> Sender:
    quick = SenderSettings(quick_wait=0.001, quick_tries=2)
    return Sender(outreach, {"test": inbox}, worker="test-worker", settings=quick)


async def run_until(
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    end: datetime,
    step: timedelta = timedelta(minutes=5),
) -> None:
    """Ticks and drains at every step, as the running scheduler would."""
    while clock.now() <= end:
        await outreach.enqueue_due()
        while await sender.drain_once():
            pass
        clock.advance(step)


async def started(coach: Coach, clock: FrozenClock, at: datetime, *settings: str) -> Learner:
    clock.set(at)
    learner = Learner(coach)
    await learner.say("/start")
    for line in settings:
        reply = await learner.say(f"/settings {line}")
        assert "Nothing was changed" not in reply, reply
    return learner


async def due_at_nine(
    coach: Coach, clock: FrozenClock, outreach: Outreach, *settings: str
) -> Learner:
    """A learner who started on Monday morning, at their 09:00 nudge, the tick just run."""
    learner = await started(coach, clock, datetime(2026, 11, 16, 8, 0, tzinfo=UTC), *settings)
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await outreach.enqueue_due()
    return learner


async def outbox_rows(engine: AsyncEngine) -> list[m.OutboxMessage]:
    async with make_sessions(engine)() as session:
        return list(
            (await session.scalars(select(m.OutboxMessage).order_by(m.OutboxMessage.id))).all()
        )


def local_days(deliveries: list[Delivery], zone: ZoneInfo) -> list[date]:
    return [d.at.astimezone(zone).date() for d in deliveries]


# -- when things arrive ----------------------------------------------------------


async def test_a_berlin_learner_gets_the_plan_at_0730_berlin_time_on_study_days(
    coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender, inbox: RecordingMessenger
) -> None:
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    await started(
        coach, clock, monday, "tz Europe/Berlin", "time 07:30", "days mon-fri", "quiz off"
    )
    await run_until(clock, outreach, sender, monday + timedelta(days=7))

    plans = inbox.of("plan")
    assert [d.at.astimezone(BERLIN).strftime("%a %H:%M") for d in plans] == [
        "Mon 07:30",
        "Tue 07:30",
        "Wed 07:30",
        "Thu 07:30",
        "Fri 07:30",
    ]
    first = plans[0].reply
    assert "Today:" in first.plain_text()
    assert first.buttons, "the plan carries a ✓ button per item"
    assert all(Command.from_action(b.action).name == "done" for row in first.buttons for b in row)
    assert not inbox.of("quiz")


async def test_the_evening_brings_a_streak_reminder_only_when_nothing_was_done(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    monday = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
    ada = await started(coach, clock, monday, "tz Europe/Berlin", "evening 21:00", "quiz off")
    await run_until(clock, outreach, sender, monday + timedelta(hours=14, minutes=30))
    # Tuesday: the reminder is enqueued at 21:00, then work lands before it is sent.
    await ada.say("/done")
    clock.set(datetime(2026, 11, 17, 20, 0, tzinfo=UTC))  # 21:00 in Berlin
    await outreach.enqueue_due()
    await ada.say("/done")
    while await sender.drain_once():
        pass
    clock.set(datetime(2026, 11, 18, 19, 55, tzinfo=UTC))
    await run_until(clock, outreach, sender, datetime(2026, 11, 18, 20, 5, tzinfo=UTC))

    reminders = inbox.of("streak")
    assert [d.at.astimezone(BERLIN).strftime("%a %H:%M") for d in reminders] == [
        "Mon 21:00",
        "Wed 21:00",
    ]
    assert "Nothing ticked off today" in reminders[0].text
    assert "2-day streak ends tonight" in reminders[1].text
    assert reminders[1].reply.buttons, "the reminder offers the next item's ✓ button"
    statuses = {(r.kind, r.local_date.isoformat()): r for r in await outbox_rows(engine)}
    assert statuses[("evening", "2026-11-17")].status == "dropped"
    assert statuses[("evening", "2026-11-17")].outcome == "worked today"


async def test_the_weekly_digest_comes_on_the_last_study_day_of_the_week(
    coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender, inbox: RecordingMessenger
) -> None:
    monday = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    ada = await started(coach, clock, monday, "quiz off")  # UTC, Mon-Sat, standard pace
    await ada.say("/done")
    await ada.say("/log 2")
    await run_until(clock, outreach, sender, monday + timedelta(days=6, hours=14))

    digests = inbox.of("digest")
    assert [d.at.strftime("%a %H:%M") for d in digests] == ["Sat 20:00"]
    text = digests[0].text
    assert "Week 1 in review" in text
    assert "Done: 1 of" in text
    assert "Hours logged: 2 of 10–15 h/week" in text
    assert "Still open:" in text
    assert "Next: week 2" in text
    assert "Nothing ticked off today yet" in text
    # The other evenings without work brought streak reminders (Monday had its tick);
    # Sunday is a rest day and stays silent.
    assert [d.at.strftime("%a") for d in inbox.of("streak")] == ["Tue", "Wed", "Thu", "Fri"]
    assert "Sun" not in {d.at.strftime("%a") for d in inbox.received}


async def test_quiz_questions_come_on_quiz_days_with_the_plan(
    coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender, inbox: RecordingMessenger
) -> None:
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    await started(coach, clock, monday, "quiz tue,thu")
    await run_until(clock, outreach, sender, monday + timedelta(days=7))
    quizzes = inbox.of("quiz")
    assert [d.at.strftime("%a %H:%M") for d in quizzes] == ["Tue 09:00", "Thu 09:00"]
    assert all(d.reply.quiz and d.reply.quiz.quiz_id for d in quizzes)


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
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
    zone: str,
    local_nudge: str,
    expected_utc: str,
) -> None:
    start = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    await started(coach, clock, start, f"tz {zone}", f"time {local_nudge}", "days every day")
    await run_until(clock, outreach, sender, start + timedelta(days=3))
    plans = inbox.of("plan")
    assert {d.at.strftime("%H:%M") for d in plans} == {expected_utc}
    local = local_days(plans, ZoneInfo(zone))
    assert len(local) == len(set(local)) >= 2  # one a day, never two
    assert {d.at.astimezone(ZoneInfo(zone)).strftime("%H:%M") for d in plans} == {local_nudge}


# -- daylight saving -----------------------------------------------------------


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
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
    zone: str,
    nudge: str,
    start: datetime,
    end: datetime,
    expected_local: list[str],
    expected_utc: list[str],
) -> None:
    await started(coach, clock, start, f"tz {zone}", f"time {nudge}", "days every day", "quiz off")
    await run_until(clock, outreach, sender, end, timedelta(minutes=1))
    plans = inbox.of("plan")
    assert [d.at.astimezone(ZoneInfo(zone)).strftime("%d %H:%M") for d in plans] == expected_local
    assert [d.at.strftime("%d %H:%M") for d in plans] == expected_utc


# -- who hears nothing -----------------------------------------------------------


async def test_rest_days_and_a_pause_stay_silent(
    coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender, inbox: RecordingMessenger
) -> None:
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    ada = await started(coach, clock, monday, "days mon,wed,fri", "quiz off")
    await run_until(clock, outreach, sender, datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    await ada.say("/pause")
    await run_until(clock, outreach, sender, datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    await ada.say("/resume")
    await run_until(clock, outreach, sender, datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    assert [d.at.strftime("%a %d") for d in inbox.of("plan")] == ["Mon 16", "Wed 18", "Mon 23"]
    assert {d.at.strftime("%a") for d in inbox.received} <= {"Mon", "Wed"}


async def test_a_pause_after_enqueueing_still_stops_the_message(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    ada = await started(coach, clock, datetime(2026, 11, 16, 8, 0, tzinfo=UTC), "quiz off")
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    assert (await outreach.enqueue_due()).enqueued == 1
    await ada.say("/pause")
    await sender.drain_once()
    assert inbox.received == []
    assert [(r.status, r.outcome) for r in await outbox_rows(engine)] == [("dropped", "paused")]


async def test_an_unreachable_learner_is_passed_over(
    coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender, inbox: RecordingMessenger
) -> None:
    ada = await started(coach, clock, datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    await coach.mark_unreachable(ada.ref)
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    report = await outreach.enqueue_due()
    assert (report.due, report.enqueued, report.skipped) == (1, 0, 1)
    # Writing to the coach makes them reachable again, and the next day's plan comes.
    await ada.say("/today")
    await run_until(clock, outreach, sender, datetime(2026, 11, 17, 9, 30, tzinfo=UTC))
    assert [d.at.strftime("%a %H:%M") for d in inbox.of("plan")] == ["Tue 09:00"]


async def test_quiet_hours_hold_a_message_until_they_end(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    monday = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
    await started(
        coach,
        clock,
        monday,
        "tz Europe/Berlin",
        "time 06:30",
        "evening 22:30",
        "quiet 22:00-07:00",
        "quiz off",
    )
    await run_until(clock, outreach, sender, monday + timedelta(days=2))
    # The plan waits for 07:00; the 22:30 check-in could only go the next morning, when it
    # no longer means anything, so it is dropped rather than sent late.
    assert [d.at.astimezone(BERLIN).strftime("%a %H:%M") for d in inbox.of("plan")] == [
        "Mon 07:00",
        "Tue 07:00",
    ]
    assert not inbox.of("streak")
    evening = [r for r in await outbox_rows(engine) if r.kind == "evening"]
    assert evening
    assert {(r.status, r.outcome) for r in evening} == {
        ("dropped", "quiet hours until the day ends")
    }


async def test_a_moment_missed_while_the_coach_was_down_is_skipped_not_sent_late(
    coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender, inbox: RecordingMessenger
) -> None:
    await started(coach, clock, datetime(2026, 11, 16, 8, 0, tzinfo=UTC), "quiz off")
    clock.set(datetime(2026, 11, 16, 13, 0, tzinfo=UTC))  # down from 08:00 until 13:00
    report = await outreach.enqueue_due()
    assert (report.enqueued, report.skipped) == (0, 1)
    await run_until(clock, outreach, sender, datetime(2026, 11, 17, 9, 30, tzinfo=UTC))
    assert [d.at.strftime("%a %H:%M") for d in inbox.of("plan")] == ["Tue 09:00"]


# -- once, and only once -----------------------------------------------------------


async def test_due_work_is_enqueued_once_whatever_moves_the_schedule_back(
    engine: AsyncEngine, coach: Coach, clock: FrozenClock, outreach: Outreach
) -> None:
    await started(coach, clock, datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    first = await outreach.enqueue_due()
    assert first.enqueued == 2  # Monday: the plan and a quiz question
    assert (await outreach.enqueue_due()).due == 0
    # A concurrent write of an older enrollment state puts the moment back: still once.
    async with engine.begin() as connection:
        await connection.execute(
            update(m.Enrollment).values(next_nudge_at=datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
        )
    again = await outreach.enqueue_due()
    assert (again.due, again.enqueued) == (1, 0)
    assert sorted(r.kind for r in await outbox_rows(engine)) == ["plan", "quiz"]


async def test_a_claim_left_by_a_dead_worker_is_taken_over_when_its_lease_ends(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    await due_at_nine(coach, clock, outreach, "quiz off")
    dead = await outreach.claim("dead-worker", 10)
    assert len(dead) == 1
    assert await sender.drain_once() == 0  # leased to the dead worker
    clock.advance(outreach.policy.lease + timedelta(seconds=1))
    assert await sender.drain_once() == 1
    assert len(inbox.of("plan")) == 1
    [row] = await outbox_rows(engine)
    assert (row.status, row.attempts, row.platform, row.external_id) == ("sent", 2, "test", "ada")


async def test_a_stopping_sender_returns_what_it_has_not_started(
    engine: AsyncEngine, coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender
) -> None:
    await due_at_nine(coach, clock, outreach)
    sender.stop()
    assert await sender.drain_once() == 2
    rows = await outbox_rows(engine)
    assert {(r.status, r.attempts, r.available_at) for r in rows} == {("pending", 0, clock.now())}


# -- when the platform says no -----------------------------------------------------


async def test_a_server_error_is_tried_again_with_growing_waits_then_given_up(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    await due_at_nine(coach, clock, outreach, "quiz off")
    inbox.failures = [TemporaryFailure("502 Bad Gateway")] * 100
    waits = []
    for _ in range(outreach.policy.max_attempts):
        assert await sender.drain_once() == 1
        [row] = await outbox_rows(engine)
        waits.append(row.available_at - clock.now())
        clock.set(row.available_at)
    [row] = await outbox_rows(engine)
    assert row.status == "failed"
    assert row.outcome == "temporary: 502 Bad Gateway"
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert inbox.calls == 2 * outreach.policy.max_attempts  # quick tries inside each claim
    assert inbox.received == []


async def test_a_blip_is_absorbed_by_a_quick_retry(
    coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender, inbox: RecordingMessenger
) -> None:
    await due_at_nine(coach, clock, outreach, "quiz off")
    inbox.failures = [TemporaryFailure("timed out")]
    await sender.drain_once()
    assert len(inbox.of("plan")) == 1


async def test_flood_control_postpones_without_spending_a_try(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    await due_at_nine(coach, clock, outreach, "quiz off")
    inbox.failures = [RetryLater(17)]
    await sender.drain_once()
    [row] = await outbox_rows(engine)
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.available_at == clock.now() + timedelta(seconds=17)
    assert await sender.drain_once() == 0  # not before the wait is over
    clock.advance(timedelta(seconds=17))
    assert await sender.drain_once() == 1
    assert len(inbox.of("plan")) == 1


async def test_a_refused_message_fails_at_once_and_a_block_stops_everything(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
) -> None:
    await due_at_nine(coach, clock, outreach)
    inbox.failures = [PermanentFailure("message is too long"), Unreachable("bot was blocked")]
    await sender.drain_once()
    outcomes = sorted((r.status, r.outcome or "") for r in await outbox_rows(engine))
    assert outcomes == [
        ("failed", "refused: message is too long"),
        ("failed", "unreachable: bot was blocked"),
    ]
    # Blocked: the next days' moments pass without a row until they write again.
    await run_until(clock, outreach, sender, datetime(2026, 11, 18, 21, 0, tzinfo=UTC))
    assert inbox.received == []
    assert len(await outbox_rows(engine)) == 2


async def test_old_dedupe_keys_and_finished_rows_are_pruned(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
) -> None:
    ada = await started(coach, clock, datetime(2026, 11, 16, 8, 0, tzinfo=UTC), "quiz off")
    await coach.handle(ada.ref, "/done", update_key="tg:1:1")
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await outreach.enqueue_due()
    await sender.drain_once()
    assert await outreach.prune() == 0
    clock.advance(timedelta(days=31))
    assert await outreach.prune() == 2
    async with make_sessions(engine)() as session:
        assert not (await session.scalars(select(m.ProcessedUpdate))).all()
    assert await outbox_rows(engine) == []


async def test_a_row_of_a_kind_this_version_does_not_know_is_dropped_not_crashed_on(
    engine: AsyncEngine, coach: Coach, clock: FrozenClock, outreach: Outreach, sender: Sender
) -> None:
    await due_at_nine(coach, clock, outreach, "quiz off")
    async with engine.begin() as connection:
        await connection.execute(update(m.OutboxMessage).values(kind="newsletter"))
    assert await sender.drain_once() == 1
    [row] = await outbox_rows(engine)
    assert (row.status, row.outcome) == ("dropped", "unknown kind 'newsletter'")


async def test_a_row_that_cannot_be_composed_fails_alone_and_the_others_go(
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    outreach: Outreach,
    sender: Sender,
    inbox: RecordingMessenger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await due_at_nine(coach, clock, outreach)  # a plan and a quiz question
    compose = outreach.compose

    async def broken_quiz(item: OutboxItem, platforms: Collection[str]) -> Decision:
        if item.kind == "quiz":
            raise RuntimeError("a bug in composing")
        return await compose(item, platforms)

    monkeypatch.setattr(outreach, "compose", broken_quiz)
    assert await sender.drain_once() == 2
    assert len(inbox.of("plan")) == 1
    rows = {r.kind: r for r in await outbox_rows(engine)}
    assert rows["plan"].status == "sent"
    assert (rows["quiz"].status, rows["quiz"].outcome) == ("pending", "error: RuntimeError")
    assert rows["quiz"].available_at == clock.now() + outreach.policy.first_backoff
