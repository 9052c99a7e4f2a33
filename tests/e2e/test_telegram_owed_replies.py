"""An answer Telegram will not take now (a 5xx, a long flood wait) is not lost: after a few
quick tries it goes to the outbox, and the sender delivers it later."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram.messenger import TelegramMessenger
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.storage import models as m
from core.storage.engine import make_sessions
from scheduler.limits import RateGate, RateLimits
from scheduler.sender import Sender
from tests.e2e.telegram_support import ADA, BOB, TOKEN, Stack, build, reply_to
from tests.fakes.telegram import FakeTelegram


class MovableClock:
    """The fake's clock for flood control, which a test moves on past a long wait."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.ahead


@pytest.fixture
def fake_clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def tg(fake_clock: MovableClock) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, clock=fake_clock) as fake:
        fake.add_user(ADA, "Ada")
        fake.add_user(BOB, "Bob")
        yield fake


@pytest.fixture
async def stack(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> AsyncIterator[Stack]:
    built = build(tg, engine, coach, clock, RateLimits(30, 1, 20))
    built.adapter.reply_retry_delays = (0.01, 0.01)
    polling = asyncio.create_task(built.adapter.run_polling(polling_timeout=1))
    try:
        await tg.wait_for(lambda t: bool(t.calls_of("getUpdates")))
        yield built
    finally:
        await built.adapter.stop()
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await built.bot.session.close()


def failed(tg: FakeTelegram, status: int) -> int:
    return sum(call.status == status for call in tg.log)


def later_sender(stack: Stack) -> Sender:
    """The outbox's sender some time later: whatever wait Telegram named is over."""
    messenger = TelegramMessenger(stack.adapter, RateGate(RateLimits(30, 1, 20)))
    return Sender(stack.outreach, {"telegram": messenger}, worker="later")


async def owed(engine: AsyncEngine) -> list[tuple[str, str | None, str | None]]:
    """The outbox's replies: their status, chat and kept text."""
    async with make_sessions(engine)() as session:
        rows = await session.scalars(
            select(m.OutboxMessage)
            .where(m.OutboxMessage.kind == "reply")
            .order_by(m.OutboxMessage.id)
        )
        return [(row.status, row.chat_id, row.payload) for row in rows]


async def test_an_answer_that_meets_server_errors_is_delivered_later(
    tg: FakeTelegram, stack: Stack, engine: AsyncEngine
) -> None:
    await reply_to(tg, ADA, "/start")
    tg.fail_next("sendMessage", 502, times=3)  # every quick try fails
    tg.send_text(ADA, "/today")
    await tg.wait_for(lambda t: failed(t, 502) == 3)
    await stack.adapter.intake.drained()
    await reply_to(tg, BOB, "/start")  # the coach goes on meanwhile
    assert len(tg.sent(ADA)) == 1
    [(status, chat, payload)] = await owed(engine)
    assert (status, chat) == ("pending", str(ADA)) and payload

    assert await later_sender(stack).drain_once() == 1
    answers = [m.get("text", "") for m in tg.sent(ADA)]
    assert len(answers) == 2 and "Week 1 of 24" in answers[1]
    assert [m.get("reply_markup") is not None for m in tg.sent(ADA)][1]  # its buttons too
    assert await owed(engine) == [("sent", str(ADA), None)]  # its text is not kept


async def test_an_answer_held_by_a_long_flood_wait_is_delivered_later(
    tg: FakeTelegram, stack: Stack, engine: AsyncEngine, fake_clock: MovableClock
) -> None:
    await reply_to(tg, ADA, "/start")
    tg.fail_next("sendMessage", 429, retry_after=90)
    tg.send_text(ADA, "/help")
    await tg.wait_for(lambda t: failed(t, 429) == 1)
    await stack.adapter.intake.drained()
    await asyncio.wait_for(stack.adapter.pacer.close(), 5)
    [(status, _, _)] = await owed(engine)
    assert status == "pending" and len(tg.sent(ADA)) == 1

    fake_clock.ahead += 91  # the wait Telegram named is over
    assert await later_sender(stack).drain_once() == 1
    assert len(tg.sent(ADA)) == 2
    assert "/today" in tg.sent(ADA)[1]["text"]
    assert [status for status, _, _ in await owed(engine)] == ["sent"]


async def test_a_pressed_buttons_answer_that_cannot_be_edited_in_comes_as_a_message(
    tg: FakeTelegram, stack: Stack, engine: AsyncEngine
) -> None:
    await reply_to(tg, ADA, "/start")
    today = await reply_to(tg, ADA, "/today")
    tg.fail_next("editMessageText", 500, times=3)
    [row] = today["reply_markup"]["inline_keyboard"][:1]
    tg.press(ADA, today["message_id"], row[0]["callback_data"])
    await tg.wait_for(lambda t: len(t.callback_answers) == 1)
    await stack.adapter.intake.drained()
    await asyncio.wait_for(stack.adapter.pacer.close(), 5)
    assert await later_sender(stack).drain_once() == 1
    assert ": done." in tg.last(ADA)["text"]
    assert [status for status, _, _ in await owed(engine)] == ["sent"]
