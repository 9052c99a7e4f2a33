"""/web as learners meet it: on Telegram a button that opens the page inside the app (an
https address) or in the browser, on Discord a link button; the link signs in once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.web.app import web_app
from core.app.coach import Coach
from core.app.web import WebCoach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog, builtin_track
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.e2e.discord_support import ADA_DC, Running, run
from tests.e2e.telegram_support import ADA, BOB, GROUP, TOKEN, polling, reply_to, say
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram, mini_app_init_data

PUBLIC = "https://coach.example.org"
WEEK1 = builtin_track().weeks[0]


def coach_at(engine: AsyncEngine, clock: FrozenClock, address: str) -> tuple[Coach, WebCoach]:
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    coach = Coach(units, clock, BuiltinCatalog(), web_address=address)
    return coach, WebCoach(coach, units, telegram_token=TOKEN)


@pytest.fixture
async def page_server(
    engine: AsyncEngine, clock: FrozenClock
) -> AsyncIterator[tuple[Coach, TestClient]]:
    coach, web = coach_at(engine, clock, PUBLIC)
    async with TestClient(TestServer(web_app(web))) as client:
        yield coach, client


async def test_telegram_web_opens_the_page_inside_telegram_signed_in_by_telegram(
    tg: FakeTelegram, page_server: tuple[Coach, TestClient], clock: FrozenClock
) -> None:
    coach, client = page_server
    async with polling(tg, coach):
        await reply_to(tg, ADA, "/start")
        answer = await reply_to(tg, ADA, "/web")
    [[button]] = answer["reply_markup"]["inline_keyboard"]
    assert button["web_app"]["url"] == f"{PUBLIC}/telegram"
    assert f"{PUBLIC}/signin/" in answer["text"]
    # What Telegram hands the Mini App opened from that button signs Ada in.
    user = {"id": ADA, "first_name": "Ada", "language_code": "en"}
    init_data = mini_app_init_data(TOKEN, user, clock.now().timestamp())
    opened = await client.post("/telegram/signin", data={"init_data": init_data})
    assert opened.status == 204
    page = await client.get("/")
    html = await page.text()
    assert page.status == 200 and all(item.title in html for item in WEEK1.items)


async def test_on_a_local_address_telegram_gets_a_link_button_that_signs_in_once(
    tg: FakeTelegram, engine: AsyncEngine, clock: FrozenClock
) -> None:
    coach, web = coach_at(engine, clock, "http://127.0.0.1:8321")
    async with polling(tg, coach):
        await reply_to(tg, ADA, "/start")
        answer = await reply_to(tg, ADA, "/web")
    [[button]] = answer["reply_markup"]["inline_keyboard"]
    assert "web_app" not in button  # Telegram opens Mini Apps from https addresses only
    token = re.fullmatch(r"http://127\.0\.0\.1:8321/signin/(\S+)", button["url"])
    assert token is not None
    async with TestClient(TestServer(web_app(web))) as client:
        first = await client.get(f"/signin/{token.group(1)}", allow_redirects=False)
        again = await client.get(f"/signin/{token.group(1)}", allow_redirects=False)
    assert (first.status, again.status) == (303, 403)


async def test_discord_web_is_a_link_button_for_the_learners_eyes_only(
    dc: FakeDiscord, engine: AsyncEngine, clock: FrozenClock
) -> None:
    coach, _ = coach_at(engine, clock, PUBLIC)
    async with Running(dc, coach):
        await run(dc, ADA_DC, "start")
        answer = await run(dc, ADA_DC, "web")
    [message] = answer.messages
    [row] = message["components"]
    [button] = row["components"]
    assert button["style"] == 5 and button["url"].startswith(f"{PUBLIC}/signin/")
    assert "custom_id" not in button


async def test_a_telegram_mentor_who_never_joined_opens_their_group_from_the_mini_app(
    tg: FakeTelegram, page_server: tuple[Coach, TestClient], clock: FrozenClock
) -> None:
    """Bob, the chat's admin, runs the group without studying in it: his admin command in
    the group is all the coach knows of him, and the Mini App opens the group's page."""
    coach, client = page_server
    tg.add_group(GROUP, "Backend cohort", admins=[BOB], owner=ADA)
    async with polling(tg, coach):
        await reply_to(tg, ADA, "/start")
        await say(tg, ADA, "/group setup")
        await say(tg, BOB, "/group report 19:30")  # Telegram says Bob is an admin
        answer = await reply_to(tg, BOB, "/web")
    [[button]] = answer["reply_markup"]["inline_keyboard"]
    assert button["web_app"]["url"] == f"{PUBLIC}/telegram"
    user = {"id": BOB, "first_name": "Bob", "language_code": "en"}
    init_data = mini_app_init_data(TOKEN, user, clock.now().timestamp())
    assert (await client.post("/telegram/signin", data={"init_data": init_data})).status == 204
    home = await (await client.get("/")).text()
    found = re.search(r'href="(/groups/\d+)"><bdi>Backend cohort</bdi>', home)
    assert found, home
    group = await (await client.get(found.group(1))).text()
    assert all(item.title in group for item in WEEK1.items)
    assert 'name="report" dir="ltr" value="19:30"' in group  # his to change
