"""Fixtures shared by the end-to-end suites."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from discord.gateway import DiscordWebSocket
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.bot import DiscordAdapter, use_api_base
from adapters.telegram.bot import TelegramAdapter
from core.app.coach import Coach
from core.kernel import i18n
from core.storage.inbox import SqlInbox
from tests.e2e.discord_support import ADA_DC, BOB_DC, CHANNEL, GUILD, Running
from tests.e2e.telegram_support import ADA, BOB, TOKEN, polling
from tests.fakes import pseudo_locale
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram


@pytest.fixture(autouse=True)
def pseudo_localized(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every end-to-end test runs pseudo-localized: a text a person sees that did not pass
    through a catalog fails the test (see tests/fakes/pseudo_locale.py)."""
    pseudo_locale.allow_roadmaps(monkeypatch)
    pseudo_locale.take_escaped()
    i18n.mark_translations(True)
    try:
        yield
    finally:
        i18n.mark_translations(False)
    found = pseudo_locale.take_escaped()
    report = os.environ.get("COACH_ESCAPED_REPORT")
    if report:  # a survey of the whole suite rather than a verdict on one test
        with Path(report).open("a", encoding="utf-8") as file:
            for one in found:
                file.write(f"{request.node.nodeid}\t{one.where}\t{one.words!r}\t{one.text!r}\n")
        return
    assert not found, "\n".join(f"{e.where}: {e.words!r} in {e.text!r}" for e in found[:5])


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        fake.add_user(ADA, "Ada")
        fake.add_user(BOB, "Bob")
        yield fake


@pytest.fixture
async def adapter(
    tg: FakeTelegram, coach: Coach, engine: AsyncEngine
) -> AsyncIterator[TelegramAdapter]:
    """The Telegram adapter polling the fake, its updates recorded in the database. The
    Discord suites define an `adapter` of their own, which overrides this one in their
    modules."""
    async with polling(tg, coach, inbox=SqlInbox(engine)) as serving:
        yield serving


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_user(ADA_DC, "ada", "Ada")
        fake.add_user(BOB_DC, "bob", "Bob")
        fake.add_guild(GUILD, "Study hall", owner_id=BOB_DC)
        fake.add_channel(GUILD, CHANNEL, "python")
        fake.add_member(GUILD, ADA_DC)
        yield fake


@pytest.fixture
async def discord_adapter(dc: FakeDiscord, coach: Coach) -> AsyncIterator[DiscordAdapter]:
    """The Discord adapter serving the fake; discord.py's endpoints are put back after."""
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    async with Running(dc, coach) as running:
        yield running
    use_api_base(None)
    DiscordWebSocket.DEFAULT_GATEWAY = gateway
    assert dc.internal_errors == []
