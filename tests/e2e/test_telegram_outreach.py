"""Nudges on Telegram as learners meet them: the real scheduler, sender and aiogram Bot,
against the fake Bot API with Telegram's flood limits switched on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram.messenger import TelegramMessenger
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from scheduler.limits import RateLimits
from scheduler.service import CoachScheduler, SchedulerSettings
from tests.e2e.telegram_support import ADA, BOB, Stack, build, reply_to
from tests.fakes.telegram import FakeTelegram

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def stack(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> AsyncIterator[Stack]:
    built = build(tg, engine, coach, clock, RateLimits(30, 1, 20))
    yield built
    await built.bot.session.close()


async def start(coach: Coach, user: int, *settings: str) -> LearnerRef:
    who = LearnerRef("telegram", str(user), "Learner")
    await coach.handle(who, "/start")
    for line in settings:
        await coach.handle(who, f"/settings {line}")
    return who


def texts(tg: FakeTelegram, chat: int) -> list[str]:
    return [message.get("text") or "" for message in tg.sent(chat)]


async def test_a_berlin_learner_gets_the_plan_at_0730_and_ticks_it_from_the_nudge(
    tg: FakeTelegram, coach: Coach, clock: FrozenClock, engine: AsyncEngine
) -> None:
    """The whole path: set up in chat, the nudge at 07:30 Berlin time, a ✓ pressed on it."""
    stack = build(tg, engine, coach, clock, RateLimits(30, 1, 20))
    polling = asyncio.create_task(stack.adapter.run_polling(polling_timeout=1))
    try:
        await tg.wait_for(lambda t: bool(t.calls_of("getUpdates")))
        clock.set(datetime(2026, 11, 16, 5, 0, tzinfo=UTC))
        await reply_to(tg, ADA, "/start")
        for line in ("tz Europe/Berlin", "time 07:30", "days mon-fri", "quiz off"):
            assert "See all settings" in (await reply_to(tg, ADA, f"/settings {line}"))["text"]
        before = len(tg.sent(ADA))

        clock.set(datetime(2026, 11, 16, 6, 29, tzinfo=UTC))  # 07:29 in Berlin
        await stack.deliver_due()
        assert len(tg.sent(ADA)) == before
        clock.set(datetime(2026, 11, 16, 6, 30, tzinfo=UTC))  # 07:30 in Berlin
        await stack.deliver_due()
        nudge = tg.last(ADA)
        assert nudge["text"].startswith("Good morning! Here is your plan.")
        assert "Today:" in nudge["text"]
        buttons = [b for row in nudge["reply_markup"]["inline_keyboard"] for b in row]
        assert buttons
        assert buttons[0]["text"].startswith("✓ 1.")

        tg.press(ADA, nudge["message_id"], buttons[0]["callback_data"])
        await tg.wait_for(lambda t: "done." in t.last(ADA)["text"])
        assert "✓ 1." in tg.last(ADA)["text"]

        # Saturday and Sunday are rest days: nothing; Monday: the plan again at 07:30.
        clock.set(datetime(2026, 11, 21, 6, 30, tzinfo=UTC))
        count = len(tg.calls_of("sendMessage"))
        await stack.deliver_due()
        clock.set(datetime(2026, 11, 22, 6, 30, tzinfo=UTC))
        await stack.deliver_due()
        assert len(tg.calls_of("sendMessage")) == count
        clock.set(datetime(2026, 11, 23, 6, 30, tzinfo=UTC))
        await stack.deliver_due()
        assert tg.last(ADA)["text"].startswith("Good morning!")
    finally:
        await stack.adapter.stop()
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await stack.bot.session.close()


async def test_a_quiz_question_arrives_as_a_quiz_poll_that_can_be_answered(
    stack: Stack, tg: FakeTelegram, coach: Coach, clock: FrozenClock
) -> None:
    await start(coach, ADA)
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))  # Monday is a quiz day
    await stack.deliver_due()
    [poll] = tg.calls_of("sendPoll")
    assert poll["chat_id"] == ADA
    assert poll["type"] == "quiz"
    assert poll["is_anonymous"] is False
    rows = {r.kind: r for r in await stack.outbox()}
    assert rows["quiz"].status == "sent"


async def test_429_retry_after_is_honoured_before_the_next_request(
    stack: Stack, tg: FakeTelegram, coach: Coach, clock: FrozenClock
) -> None:
    await start(coach, ADA, "quiz off")
    tg.fail_next("sendMessage", 429, retry_after=1)
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await stack.deliver_due()
    assert tg.too_many_requests == 1
    assert tg.early_retries == []
    assert tg.last(ADA)["text"].startswith("Good morning!")
    assert len([c for c in tg.calls_of("sendMessage") if c["chat_id"] == ADA]) == 2


async def test_a_long_flood_wait_goes_back_to_the_outbox_and_holds_the_chat(
    stack: Stack, tg: FakeTelegram, coach: Coach, clock: FrozenClock
) -> None:
    await start(coach, ADA, "quiz off")
    tg.fail_next("sendMessage", 429, retry_after=120)  # longer than the bot waits in place
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await stack.deliver_due()
    [row] = await stack.outbox()
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.available_at == clock.now() + timedelta(seconds=120)
    assert tg.early_retries == []


async def test_a_server_error_is_retried(
    stack: Stack, tg: FakeTelegram, coach: Coach, clock: FrozenClock
) -> None:
    await start(coach, ADA, "quiz off")
    tg.fail_next("sendMessage", 502, times=2)
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await stack.deliver_due()
    assert tg.last(ADA)["text"].startswith("Good morning!")
    [row] = await stack.outbox()
    assert row.status == "sent"


async def test_a_learner_who_blocked_the_bot_gets_nothing_more(
    stack: Stack, tg: FakeTelegram, coach: Coach, clock: FrozenClock
) -> None:
    await start(coach, ADA, "quiz off")
    await start(coach, BOB, "quiz off")
    tg.block(ADA)
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await stack.deliver_due()
    outcomes = {r.external_id: (r.status, r.outcome) for r in await stack.outbox()}
    assert outcomes[str(ADA)] == ("failed", "unreachable: Forbidden: bot was blocked by the user")
    assert outcomes[str(BOB)][0] == "sent"
    attempts_to_ada = len([c for c in tg.calls_of("sendMessage") if c["chat_id"] == ADA])

    for day in range(1, 4):
        clock.set(datetime(2026, 11, 16 + day, 9, 0, tzinfo=UTC))
        await stack.deliver_due()
    assert len([c for c in tg.calls_of("sendMessage") if c["chat_id"] == ADA]) == attempts_to_ada
    assert len(tg.sent(BOB)) == 4


async def test_the_sender_never_exceeds_the_configured_rates(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> None:
    users = range(5000, 5030)
    for user in users:
        tg.add_user(user, f"Learner {user}")
        await start(coach, user)  # Monday: a plan and a quiz, two messages to each chat
    rate = 20.0
    tg.enforce_rates(overall_per_second=rate, per_chat_per_second=1, per_group_per_minute=20)
    stack = build(tg, engine, coach, clock, RateLimits(rate, 1, 20))
    try:
        clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
        await stack.deliver_due()
    finally:
        await stack.bot.session.close()
    # The fake enforces exactly these limits, so no 429 is the proof; the window count
    # allows for requests sent evenly arriving a little bunched.
    assert tg.too_many_requests == 0
    assert len(tg.send_times()) == 2 * len(users)
    assert tg.max_sends_in_window(1.0) <= rate + 2
    assert max(tg.max_sends_in_window(1.0, chat_id=user) for user in users) == 1
    assert {r.status for r in await stack.outbox()} == {"sent"}


async def test_coach_scheduler_ticks_on_its_own_and_stops_cleanly(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> None:
    """APScheduler drives the tick; stopping leaves nothing half done."""
    await start(coach, ADA, "quiz off")
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    stack = build(tg, engine, coach, clock, RateLimits(30, 1, 20))
    scheduler = CoachScheduler(
        stack.outreach,
        {"telegram": TelegramMessenger(stack.adapter, stack.gate)},
        SchedulerSettings(tick_seconds=0.2),
    )
    try:
        async with scheduler:
            await tg.wait_for(lambda t: bool(t.sent(ADA)), timeout=10)
        assert scheduler.last_tick is not None
        assert tg.last(ADA)["text"].startswith("Good morning!")
        [row] = await stack.outbox()
        assert row.status == "sent"
    finally:
        await stack.bot.session.close()
