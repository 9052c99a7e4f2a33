"""Study buddies across platforms: a learner on Telegram (real aiogram against the fake Bot
API) and one on Discord (real discord.py against the fake Discord) pair up with `/buddy`
and see each other's day, on one database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.bot import DiscordAdapter
from adapters.telegram.messenger import TelegramMessenger
from core.app.coach import Coach
from core.outreach.service import Outreach
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.limits import RateGate, RateLimits
from scheduler.sender import Sender, SenderSettings
from tests.e2e.discord_support import BOB_DC, run, text
from tests.e2e.telegram_support import ADA, polling, reply_to
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def discord(discord_adapter: DiscordAdapter) -> DiscordAdapter:
    return discord_adapter


async def on_discord(dc: FakeDiscord, command: str, **options: str) -> str:
    interaction = await run(dc, BOB_DC, command, options or None)
    return "\n".join(text(message) for message in interaction.messages)


async def on_telegram(tg: FakeTelegram, typed: str) -> str:
    return str((await reply_to(tg, ADA, typed))["text"])


def shared_streak(shown: str) -> int:
    found = re.search(r"shared streak: (\d+) days?", shown)
    return int(found[1]) if found else 0


async def seats(engine: AsyncEngine) -> dict[int, int | None]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(m.Buddy.learner_id, m.Buddy.buddy_id))
        return {row.learner_id: row.buddy_id for row in rows}


async def test_a_telegram_and_a_discord_learner_become_buddies_and_see_each_others_day(
    tg: FakeTelegram, dc: FakeDiscord, discord: DiscordAdapter, coach: Coach, engine: AsyncEngine
) -> None:
    assert "buddy" in dc.commands
    async with polling(tg, coach) as telegram:
        await on_telegram(tg, "/start")
        await on_discord(dc, "start")
        assert "buddy pool" in await on_telegram(tg, "/buddy")

        paired = await on_discord(dc, "buddy")
        assert "Your study buddy: Ada" in paired
        assert "Ada: done 0 of 2 today." in paired
        ada_id, bob_id = await seats(engine)
        assert await seats(engine) == {ada_id: bob_id, bob_id: ada_id}

        # Ada, who waited, hears of it on Telegram from the outbox.
        outreach = Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), coach.clock)
        gate = RateGate(RateLimits(30, 1, 20))
        sender = Sender(
            outreach,
            {"telegram": TelegramMessenger(telegram, gate)},
            worker="e2e",
            settings=SenderSettings(quick_wait=0.05),
        )
        while await sender.drain_once():
            pass
        assert "Your study buddy: Bob" in tg.last(ADA)["text"]

        # Ada ticks an item on Telegram; Bob sees it on Discord.
        await on_telegram(tg, "/done")
        seen = await on_discord(dc, "buddy", action="show")
        assert "Ada: done 1 of 2 today." in seen and "Ada's streak: 1 day." in seen
        assert shared_streak(seen) == 0

        # Bob ticks one on Discord; Ada sees it on Telegram, and a day they both studied.
        await on_discord(dc, "done")
        seen = await on_telegram(tg, "/buddy")
        assert "Your study buddy: Bob" in seen and "Bob: done 1 of 2 today." in seen
        assert shared_streak(seen) == 1

        # Bob keeps his items to himself: Ada sees only that he studied.
        assert "Items done today: private" in await on_discord(
            dc, "buddy", action="share", value="done off"
        )
        seen = await on_telegram(tg, "/buddy")
        assert "Bob studied today." in seen and "done 1 of" not in seen

        # Ada leaves on Telegram; Bob hears of it on Discord and is back in the pool.
        assert "no longer buddies" in await on_telegram(tg, "/buddy leave")
        assert "Ada left the pairing." in await on_discord(dc, "buddy")
        assert list((await seats(engine)).values()) == [None]
