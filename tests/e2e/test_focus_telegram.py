"""Focus sessions on Telegram as a learner meets them: `/focus` in the private chat, the
check-in the real sender delivers when the time is up, and its buttons pressed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.storage import models as m
from scheduler.limits import RateLimits
from tests.e2e.telegram_support import ADA, GROUP, Stack, build, reply_to
from tests.fakes.telegram import FakeTelegram

MONDAY_0750_BERLIN = datetime(2026, 11, 16, 6, 50, tzinfo=UTC)


@pytest.fixture
async def stack(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> AsyncIterator[Stack]:
    built = build(tg, engine, coach, clock, RateLimits(30, 1, 20))
    polling = asyncio.create_task(built.adapter.run_polling(polling_timeout=1))
    try:
        await tg.wait_for(lambda t: bool(t.calls_of("getUpdates")))
        yield built
    finally:
        await built.adapter.stop()
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await built.bot.session.close()


def buttons(message: dict) -> dict[str, str]:
    """The message's buttons: callback data by label."""
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in keyboard for b in row}


def check_ins(tg: FakeTelegram) -> list[dict]:
    return [message for message in tg.sent(ADA) if "Time's up" in message["text"]]


async def hours_logged(engine: AsyncEngine) -> dict[date, Decimal]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(m.HourLog.logged_on, func.sum(m.HourLog.hours)).group_by(m.HourLog.logged_on)
        )
        return {day: Decimal(str(hours)) for day, hours in rows}


async def pressed(tg: FakeTelegram, message: dict, data: str, until: str) -> dict:
    """Presses a button of `message` and waits for the answer that says `until`."""
    tg.press(ADA, message["message_id"], data)
    await tg.wait_for(lambda t: until in t.sent(ADA)[-1]["text"])
    return tg.sent(ADA)[-1]


async def test_a_focus_session_its_check_in_and_five_more_on_telegram(
    tg: FakeTelegram, stack: Stack, clock: FrozenClock, engine: AsyncEngine
) -> None:
    clock.set(MONDAY_0750_BERLIN)
    await reply_to(tg, ADA, "/start")
    for line in ("tz Europe/Berlin", "quiz off"):
        await reply_to(tg, ADA, f"/settings {line}")
    started = await reply_to(tg, ADA, "/focus")
    assert "25 min on 1." in started["text"] and "until 08:15" in started["text"]
    assert buttons(started) == {"Stop": "a|focus:stop"}
    assert "left" in (await reply_to(tg, ADA, "/focus 50"))["text"]

    clock.advance(timedelta(minutes=24))
    await stack.deliver_due()
    assert check_ins(tg) == []
    clock.advance(timedelta(minutes=1))
    await stack.deliver_due()
    [check_in] = check_ins(tg)
    assert "25 min" in check_in["text"]
    assert sorted(buttons(check_in).values()) == [
        "a|done:w01-setup",
        "a|focus:more 5",
        "a|focus:stop",
    ]
    assert await hours_logged(engine) == {date(2026, 11, 16): Decimal("0.42")}

    more = buttons(check_in)["5 more"]
    assert "5 min on 1." in (await pressed(tg, check_in, more, "Focus:"))["text"]
    clock.advance(timedelta(minutes=5))
    await stack.deliver_due()
    second = check_ins(tg)[-1]
    assert second["message_id"] != check_in["message_id"]
    assert "5 min" in second["text"]
    tick = next(data for data in buttons(second).values() if data.startswith("a|done:"))
    await pressed(tg, second, tick, "done.")
    assert await hours_logged(engine) == {date(2026, 11, 16): Decimal("0.50")}
    progress = await reply_to(tg, ADA, "/progress")
    assert "Hours this calendar week: 0.5 of" in progress["text"]
    assert "Items done: 1 of" in progress["text"]
    rows = {(r.kind, r.status) for r in await stack.outbox()}
    assert ("focus_end", "sent") in rows


async def test_stop_logs_the_minutes_so_far_and_no_check_in_follows(
    tg: FakeTelegram, stack: Stack, clock: FrozenClock, engine: AsyncEngine
) -> None:
    clock.set(MONDAY_0750_BERLIN)
    await reply_to(tg, ADA, "/start")
    await reply_to(tg, ADA, "/settings quiz off")
    started = await reply_to(tg, ADA, "/focus 30")
    clock.advance(timedelta(minutes=18))
    stopped = await pressed(tg, started, buttons(started)["Stop"], "Stopped")
    assert "18 min" in stopped["text"]
    clock.advance(timedelta(minutes=30))
    await stack.deliver_due()
    assert check_ins(tg) == []
    assert await hours_logged(engine) == {date(2026, 11, 16): Decimal("0.30")}
    [row] = [r for r in await stack.outbox() if r.kind == "focus_end"]
    assert (row.status, row.outcome) == ("dropped", "stopped early")


async def test_focus_in_the_group_is_pointed_to_the_private_chat(
    tg: FakeTelegram, stack: Stack, engine: AsyncEngine
) -> None:
    tg.add_group(GROUP, "Backend cohort", admins=[ADA])
    await reply_to(tg, ADA, "/start")
    answer = await reply_to(tg, ADA, "/focus", chat=GROUP)
    assert "private chat" in answer["text"]
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(m.FocusSession)) == 0
