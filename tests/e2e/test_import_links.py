"""`/import LINK` as learners meet it: real aiogram and discord.py talking to the fakes,
the coach downloading from a local web server with the adapter `coach run` wires in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from ipaddress import ip_network
from typing import Any

import pytest
from aiohttp import web
from discord.gateway import DiscordWebSocket
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.bot import use_api_base
from adapters.web.downloads import WebDownloads
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.e2e.db_support import count
from tests.e2e.discord_support import ADA_DC, Running, custom_ids, run, text
from tests.e2e.telegram_support import ADA, polling, reply_to
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

ROADMAP = b"""# Go in two weeks

## Week 1: Basics
- Packages and modules
- Slices and maps

## Week 2: Concurrency
- Goroutines
- Channels
"""


class RoadmapSite:
    """A web server on loopback with one roadmap, counting the requests it is sent."""

    def __init__(self) -> None:
        self.requests = 0
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def _roadmap(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.Response(body=ROADMAP, content_type="text/markdown")

    async def __aenter__(self) -> RoadmapSite:
        app = web.Application()
        app.router.add_get("/go.md", self._roadmap)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.fixture
async def site() -> AsyncIterator[RoadmapSite]:
    async with RoadmapSite() as serving:
        yield serving


def coach_with(engine: AsyncEngine, clock: FrozenClock, downloads: WebDownloads) -> Coach:
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    return Coach(units, clock, BuiltinCatalog(), downloads=downloads)


# Loopback stands in for the public web here; by default a learner's link may not reach it.
LOOPBACK_AS_PUBLIC = WebDownloads(allowed_networks=[ip_network("127.0.0.0/8")])


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_link_sent_on_telegram_is_downloaded_previewed_and_started(
    tg: FakeTelegram, engine: AsyncEngine, clock: FrozenClock, site: RoadmapSite
) -> None:
    async with polling(tg, coach_with(engine, clock, LOOPBACK_AS_PUBLIC)):
        preview = await reply_to(tg, ADA, f"/import {site.base}/go.md")
        assert "Go in two weeks: 2 weeks, 4 items" in preview["text"]
        assert site.requests == 1
        assert await count(engine, m.StoredTrack) == 1
        start = buttons(preview)[0]["callback_data"]
        tg.press(ADA, preview["message_id"], start)
        await tg.wait_for(lambda t: "Welcome" in t.last(ADA)["text"])
        week = await reply_to(tg, ADA, "/week")
        assert "Slices and maps" in week["text"]


async def test_a_learners_link_to_a_loopback_address_is_refused_before_any_request(
    tg: FakeTelegram, engine: AsyncEngine, clock: FrozenClock, site: RoadmapSite
) -> None:
    async with polling(tg, coach_with(engine, clock, WebDownloads())):
        answer = await reply_to(tg, ADA, f"/import {site.base}/go.md")
        assert "Nothing was saved" in answer["text"]
        answer = await reply_to(tg, ADA, "/import http://localhost:1/go.md")
        assert "Nothing was saved" in answer["text"]
    assert site.requests == 0
    assert await count(engine, m.StoredTrack) == 0


@pytest.fixture
def _restore_discord_endpoints() -> Iterator[None]:
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    yield
    use_api_base(None)
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest.mark.usefixtures("_restore_discord_endpoints")
async def test_a_link_given_to_discords_import_command_is_downloaded_and_previewed(
    dc: FakeDiscord, engine: AsyncEngine, clock: FrozenClock, site: RoadmapSite
) -> None:
    async with Running(dc, coach_with(engine, clock, LOOPBACK_AS_PUBLIC)):
        interaction = await run(dc, ADA_DC, "import", {"link": f"{site.base}/go.md"})
        preview = interaction.messages[0]
        assert "Go in two weeks: 2 weeks, 4 items" in text(preview)
        assert len(custom_ids(preview)) == 4  # a start button per pace, and week 1
        renamed = await run(dc, ADA_DC, "import", {"name": "Gophers"})
        assert "Gophers" in text(renamed.messages[0])
    assert site.requests == 1
