"""Fixtures shared by the end-to-end suites."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from discord.gateway import DiscordWebSocket
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.bot import DiscordAdapter, use_api_base
from adapters.telegram.bot import TelegramAdapter
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from core.progress.charts import ChartRenderer
from core.storage.engine import make_sessions
from core.storage.inbox import SqlInbox
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.e2e.discord_support import ADA_DC, BOB_DC, CHANNEL, GUILD, Running
from tests.e2e.telegram_support import ADA, BOB, TOKEN, polling
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram


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


@pytest.fixture
def charting_coach(engine: AsyncEngine, clock: FrozenClock) -> Iterator[Coach]:
    """A coach that draws charts, in its own worker processes, as `coach run` has."""
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    renderer = ChartRenderer()
    yield Coach(units, clock, BuiltinCatalog(), charts=renderer)
    renderer.close()
