"""Linking as a learner meets it: progress made in the console shows up in Telegram."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console.chat import PLATFORM, ConsoleChat
from adapters.telegram.bot import TelegramAdapter
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import builtin_track
from core.storage import models as m
from tests.e2e.telegram_support import ADA, reply_to
from tests.fakes import pseudo_locale
from tests.fakes.telegram import FakeTelegram

WEEK1 = builtin_track().weeks[0]


async def said(console: ConsoleChat, text: str) -> str:
    outcome = await console.send(text)
    assert isinstance(outcome, Reply), outcome
    return pseudo_locale.seen("console", outcome.plain_text())


async def test_a_telegram_user_takes_over_the_console_progress(
    tg: FakeTelegram,
    adapter: TelegramAdapter,
    coach: Coach,
    clock: FrozenClock,
    engine: AsyncEngine,
) -> None:
    console = ConsoleChat(
        coach, LearnerRef(PLATFORM, "local"), io.StringIO(), io.StringIO(), interactive=False
    )
    await console.send("/start")
    await console.send("/done")
    await console.send("/done")

    # Telegram has its own, fresher start; the console's code folds it in.
    await reply_to(tg, ADA, "/start")
    clock.set(datetime(2026, 11, 17, 18, 0, tzinfo=UTC))
    await reply_to(tg, ADA, "/done 3")
    issued = await said(console, "/link")
    code = re.search(r"send /link ([A-Z0-9]{6})", issued)
    assert code, issued

    linked = await reply_to(tg, ADA, f"/link {code[1].lower()}")
    assert "Linked: the console and Telegram now share one progress." in linked["text"]
    assert "Kept: your settings from the console." in linked["text"]
    assert "Merged 1 done item from here." in linked["text"]

    today = await reply_to(tg, ADA, "/today")
    assert "Tue 17 Nov" in today["text"]
    assert "Streak: 2 days." in today["text"]  # Monday in the console, Tuesday on Telegram
    week = await reply_to(tg, ADA, "/week")
    assert f"Week 1 of 24: {WEEK1.title} (3/7 done)" in week["text"]
    assert (await said(console, "/week")).startswith(
        f"== Week 1 of 24: {WEEK1.title} (3/7 done) =="
    )
    async with engine.connect() as connection:
        learners = await connection.scalar(select(func.count()).select_from(m.Learner))
    assert learners == 1

    # The command menu offers it.
    assert "link" in {c["command"] for c in tg.commands["all_private_chats"]}
