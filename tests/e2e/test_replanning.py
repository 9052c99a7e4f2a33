"""Falling behind, as learners meet it: the re-planning offer's buttons on Telegram (real
aiogram against the fake Bot API) and Discord (real discord.py against the fake Discord),
each carried out and agreed with by /today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.bot import DiscordAdapter
from adapters.telegram.bot import TelegramAdapter
from core.kernel.clock import FrozenClock
from core.storage import models as m
from tests.e2e.db_support import count
from tests.e2e.discord_support import ADA_DC, custom_ids, run, text
from tests.e2e.telegram_support import ADA, reply_to
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

MONDAY = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def test_telegram_a_learner_a_week_behind_stretches_the_plan_with_a_button(
    tg: FakeTelegram, adapter: TelegramAdapter, clock: FrozenClock
) -> None:
    clock.set(MONDAY)
    await reply_to(tg, ADA, "/start")
    clock.set(MONDAY + timedelta(days=7))  # a week with nothing ticked
    plan = await reply_to(tg, ADA, "/plan")
    offered = buttons(plan)
    [stretch] = [label for label in offered if label.startswith("Stretch to")]
    assert "Catch up" in offered
    finish = stretch.removeprefix("Stretch to ")
    assert finish in plan["text"]  # the button's date is the one the offer names

    tg.press(ADA, plan["message_id"], offered[stretch])
    await tg.wait_for(lambda t: "stretched" in t.last(ADA)["text"])
    assert finish in tg.last(ADA)["text"]
    today = await reply_to(tg, ADA, "/today")
    assert "Catch up first" not in today["text"] and "/replan" not in today["text"]
    again = await reply_to(tg, ADA, "/replan")
    assert "on plan" in again["text"] and not buttons(again)


async def test_telegram_catch_up_puts_the_late_items_on_the_days_left(
    tg: FakeTelegram, adapter: TelegramAdapter, clock: FrozenClock
) -> None:
    clock.set(MONDAY)
    await reply_to(tg, ADA, "/start")
    clock.set(MONDAY + timedelta(days=4))  # Friday: Mon-Thu's items are late
    offer = await reply_to(tg, ADA, "/replan")
    tg.press(ADA, offer["message_id"], buttons(offer)["Catch up"])
    await tg.wait_for(lambda t: "catch-up plan" in t.last(ADA)["text"])
    assert "Fri 20 Nov" in tg.last(ADA)["text"] and "Sat 21 Nov" in tg.last(ADA)["text"]
    today = await reply_to(tg, ADA, "/today")
    assert "Catch up first" not in today["text"]
    assert len(buttons(today)) >= 2  # a ✓ per item now due today


async def test_discord_the_offer_and_each_choice_as_buttons_and_typed_options(
    dc: FakeDiscord, discord_adapter: DiscordAdapter, clock: FrozenClock, engine: AsyncEngine
) -> None:
    clock.set(MONDAY)
    await run(dc, ADA_DC, "start")
    for _ in range(7):  # week 1 at once: week 2, with an optional item, opens Monday
        await run(dc, ADA_DC, "done")
    clock.set(MONDAY + timedelta(days=7))
    offer = (await run(dc, ADA_DC, "replan")).messages[0]
    assert "study days behind" in text(offer)
    ids = custom_ids(offer)
    assert ids == ["a:replan:stretch", "a:replan:catchup", "a:replan:skip"]

    skipped = await dc.press(ADA_DC, offer, "a:replan:skip")
    await skipped.wait_answered(timeout=10)
    assert not skipped.failed
    await dc.wait_for(
        lambda d: "Skipped 1 optional item" in text(d.message(int(offer["id"])) or {})
    )
    assert await count(engine, m.Completion) == 8  # week 1's seven and the skip

    caught_up = await run(dc, ADA_DC, "replan", {"choice": "catchup"})
    assert "catch-up plan" in text(caught_up.messages[0])
    today = (await run(dc, ADA_DC, "today")).messages[0]
    assert "Catch up first" not in text(today)
