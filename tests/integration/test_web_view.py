"""The web view through aiohttp's test client: signing in from a chat link, the learner's
page, ticking an item there and the chat agreeing, and everything refused that should be."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import time, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.web.app import (
    NOTICES_PACKED_AT_MOST,
    SESSION_COOKIE,
    packed_notices,
    unpacked_notices,
    web_app,
)
from core.app.coach import Coach
from core.app.web import WebCoach
from core.kernel import i18n
from core.kernel.clock import FrozenClock
from core.kernel.i18n import speaking
from core.kernel.refs import ChatContext, ChatRef
from core.kernel.reply import Checklist
from core.learning.tracks import BuiltinCatalog, builtin_track
from core.quizzes.bank import builtin_bank
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from core.web import views
from core.web.views import page_words
from tests.conftest import Learner
from tests.fakes import pseudo_locale
from tests.fakes.telegram import DEFAULT_TOKEN, mini_app_init_data

ADDRESS = "http://coach.test"
WEEK1 = builtin_track().weeks[0]
LINK = re.compile(re.escape(ADDRESS) + r"/signin/([A-Za-z0-9_-]+)")
FORM_TOKEN = re.compile(r'name="form_token" value="([0-9a-f]+)"')


@pytest.fixture
def web_coach(engine: AsyncEngine, clock: FrozenClock) -> tuple[Coach, WebCoach]:
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    coach = Coach(units, clock, BuiltinCatalog(), web_address=ADDRESS)
    return coach, WebCoach(coach, units)


@pytest.fixture
async def client(web_coach: tuple[Coach, WebCoach]) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(web_app(web_coach[1]))) as client:
        yield client


async def link_of(learner: Learner) -> str:
    said = await learner.say("/web")
    found = LINK.search(said)
    assert found, said
    return found.group(1)


async def done_this_week(learner: Learner) -> set[str]:
    """The items `/week` in the chat shows ticked."""
    await learner.say("/week")
    assert learner.last is not None
    return {
        item.text.split(". ", 1)[-1]
        for block in learner.last.blocks
        if isinstance(block, Checklist)
        for item in block.items
        if item.done
    }


async def signed_in(client: TestClient, learner: Learner) -> str:
    """Opens the learner's chat link in the client; the page's form token."""
    response = await client.get(f"/signin/{await link_of(learner)}", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/"
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    page = await client.get("/")
    assert page.status == 200
    found = FORM_TOKEN.search(await page.text())
    assert found
    return found.group(1)


async def test_a_learner_signs_in_from_chat_ticks_an_item_and_the_chat_agrees(
    web_coach: tuple[Coach, WebCoach], client: TestClient
) -> None:
    ada = Learner(web_coach[0])
    await ada.say("/start")
    token = await signed_in(client, ada)

    page = await client.get("/")
    html = await page.text()
    assert all(item.title in html for item in WEEK1.items)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"

    # A note written on an item in chat stands beside it on the page.
    await ada.say("/note 1 the venv lives in .venv")
    assert "the venv lives in .venv" in await (await client.get("/")).text()

    ticked = await client.post(
        "/done", data={"item": "1", "form_token": token}, allow_redirects=False
    )
    assert ticked.status == 303
    assert await done_this_week(ada) == {WEEK1.items[0].title}
    # The pictures are drawn by the browser: today's cell shows the tick, the burn-up
    # says in words what it draws.
    html = await (await client.get("/")).text()
    assert html.count('<rect class="cell') == 7 * 12
    assert html.count('class="cell level-1"') == 1
    assert '<figure class="burn-up">' in html and "1 of 172 items done" in html
    # The chat's tick shows on the page, and the page can take it back.
    await ada.say("/done 2")
    html = await (await client.get("/")).text()
    assert WEEK1.items[1].title in html and 'action="/undo"' in html
    taken = await client.post("/undo", data={"form_token": token}, allow_redirects=False)
    assert taken.status == 303
    assert await done_this_week(ada) == {WEEK1.items[0].title}


async def test_a_link_works_once_and_for_ten_minutes(
    web_coach: tuple[Coach, WebCoach], client: TestClient, clock: FrozenClock
) -> None:
    ada = Learner(web_coach[0])
    await ada.say("/start")
    link = await link_of(ada)
    assert (await client.get(f"/signin/{link}", allow_redirects=False)).status == 303
    client.session.cookie_jar.clear()
    assert (await client.get(f"/signin/{link}", allow_redirects=False)).status == 403

    late = await link_of(ada)
    clock.advance(timedelta(minutes=10, seconds=1))
    assert (await client.get(f"/signin/{late}", allow_redirects=False)).status == 403
    assert (await client.get("/signin/" + "A" * 43, allow_redirects=False)).status == 403
    # A newer link replaces an unused older one.
    older, newer = await link_of(ada), await link_of(ada)
    assert (await client.get(f"/signin/{older}", allow_redirects=False)).status == 403
    assert (await client.get(f"/signin/{newer}", allow_redirects=False)).status == 303


async def test_changes_need_the_sessions_form_token_and_a_session(
    web_coach: tuple[Coach, WebCoach], client: TestClient
) -> None:
    ada = Learner(web_coach[0])
    await ada.say("/start")
    token = await signed_in(client, ada)
    assert (await client.post("/done", data={"item": "1"})).status == 403
    assert (await client.post("/done", data={"item": "1", "form_token": "0" * 64})).status == 403
    assert await done_this_week(ada) == set()
    # Signed out, the session and its form token are worth nothing.
    assert (
        await client.post("/signout", data={"form_token": token}, allow_redirects=False)
    ).status == 303
    assert (await client.get("/")).status == 401
    assert (await client.post("/done", data={"item": "1", "form_token": token})).status == 401


async def test_each_learner_sees_only_their_own_page(
    web_coach: tuple[Coach, WebCoach], client: TestClient, engine: AsyncEngine
) -> None:
    coach = web_coach[0]
    ada, bob = Learner(coach, "ada"), Learner(coach, "bob")
    await ada.say("/start")
    await bob.say("/start")
    await ada.say("/done")
    await signed_in(client, bob)
    html = await (await client.get("/")).text()
    assert 'action="/undo"' not in html  # Ada's tick is not Bob's to take back
    assert '<li class="item done"' not in html
    # Without a session cookie there is no page at all.
    client.session.cookie_jar.clear()
    assert (await client.get("/")).status == 401


async def test_the_web_view_says_so_when_it_is_not_served(ada: Learner) -> None:
    await ada.say("/start")
    said = await ada.say("/web")
    assert "/signin/" not in said


async def test_a_telegram_mini_app_signs_in_with_the_initdata_telegram_signed(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    coach = Coach(units, clock, BuiltinCatalog(), web_address="https://coach.example.org")
    telegram = Learner(coach, "4242", platform="telegram")
    await telegram.say("/start")
    said = await telegram.say("/web")
    assert telegram.last is not None and telegram.last.link is not None
    assert telegram.last.link.mini_app and telegram.last.link.url.endswith("/telegram")
    assert "/signin/" in said  # a browser elsewhere still has the one-time link

    app = web_app(WebCoach(coach, units, telegram_token=DEFAULT_TOKEN), secure_cookies=True)

    def signed(user_id: int, token: str = DEFAULT_TOKEN) -> str:
        return mini_app_init_data(
            token, {"id": user_id, "first_name": "T"}, clock.now().timestamp()
        )

    async with TestClient(TestServer(app)) as client:
        page = await client.get("/telegram")
        assert page.status == 200 and "telegram-web-app.js" in await page.text()
        assert "https://telegram.org" in page.headers["Content-Security-Policy"]
        forged = signed(4242, token="654321:OTHER")
        refused = await client.post("/telegram/signin", data={"init_data": forged})
        assert refused.status == 403
        stranger = await client.post("/telegram/signin", data={"init_data": signed(1)})
        assert stranger.status == 403  # Telegram's, but nobody the coach knows
        opened = await client.post("/telegram/signin", data={"init_data": signed(4242)})
        assert opened.status == 204
        cookie = opened.cookies[SESSION_COOKIE]
        # Telegram's web client frames the Mini App: only SameSite=None comes back there.
        assert cookie["samesite"] == "None" and cookie["secure"] and cookie["httponly"]


async def test_the_page_speaks_the_learners_language_right_to_left_for_persian(
    web_coach: tuple[Coach, WebCoach], client: TestClient
) -> None:
    coach = web_coach[0]
    parvin = Learner(coach, "parvin")
    await parvin.say("/start")
    await parvin.say("/settings language fa")
    await signed_in(client, parvin)
    html = await (await client.get("/")).text()
    assert '<html lang="fa" dir="rtl">' in html
    with speaking("fa"):
        words = page_words()
    assert words["sign_out"] in html and "Sign out" not in html
    # What the page says of itself when it refuses is in her language too.
    refused = await client.post("/done", data={"item": "1", "form_token": "0" * 64})
    with speaking("fa"):
        assert await refused.text() == views.form_out_of_date()
    not_hers = await (await client.get("/groups/999999")).text()
    assert '<html lang="fa" dir="rtl">' in not_hers


async def test_every_word_on_the_page_comes_through_a_catalog(
    web_coach: tuple[Coach, WebCoach], client: TestClient
) -> None:
    """The learner's page pseudo-localized: nothing on it but the track's own words
    escaped the catalogs."""
    ada = Learner(web_coach[0])
    await ada.say("/start")
    await ada.say("/done")
    await signed_in(client, ada)
    pseudo_locale.allow_built_in_content()
    pseudo_locale.take_escaped()
    i18n.mark_translations(True)
    try:
        html = await (await client.get("/")).text()
        body = html.split("<body>", 1)[1]  # the head's title repeats the track's name
        pseudo_locale.seen("web", body, markup="html")
    finally:
        i18n.mark_translations(False)
    assert pseudo_locale.take_escaped() == []
    assert i18n.TRANSLATED_OPENS in body  # the check saw marked words: it was on


def form_of(html: str) -> dict[str, str]:
    """The settings form's fields as the page fills them in."""
    section = html.split('id="settings"', 1)[1]
    fields = dict(
        re.findall(r'<input id="setting-[a-z]+" name="([a-z]+)" dir="ltr" value="([^"]*)"', section)
    )
    for name in ("pace", "language"):
        chosen = re.search(rf'name="{name}">.*?<option value="([^"]+)"[^>]*selected', section, re.S)
        assert chosen, name
        fields[name] = chosen.group(1)
    return fields


async def test_settings_change_on_the_page_with_the_chats_checks(
    web_coach: tuple[Coach, WebCoach], client: TestClient, engine: AsyncEngine
) -> None:
    ada = Learner(web_coach[0])
    await ada.say("/start")
    token = await signed_in(client, ada)
    shown = form_of(await (await client.get("/")).text())
    assert shown["tz"] == "UTC" and shown["days"] == "mon,tue,wed,thu,fri,sat"
    assert shown["pace"] == "standard" and shown["quiet"] == "off"

    changed = {
        **shown,
        "tz": "Europe/Berlin",
        "evening": "21:15",
        "quiz": "off",
        "form_token": token,
    }
    saved = await client.post("/settings", data=changed)
    html = await saved.text()
    assert 'role="status"' in html  # the coach's answers to each change, shown once
    now = form_of(html)
    assert (now["tz"], now["evening"], now["quiz"]) == ("Europe/Berlin", "21:15", "off")
    settings = await ada.say("/settings")
    assert "Europe/Berlin" in settings and "21:15" in settings
    assert 'role="status"' not in await (await client.get("/")).text()

    # What the chat would refuse, the page refuses, and says so; nothing changes.
    refused = await client.post(
        "/settings", data={**now, "quiet": "sometimes", "form_token": token}
    )
    assert form_of(await refused.text())["quiet"] == "off"
    assert "Nothing was changed" in await refused.text()
    # The language chosen on the page is the page's, and the chat's.
    persian = await client.post("/settings", data={**now, "language": "fa", "form_token": token})
    assert '<html lang="fa" dir="rtl">' in await persian.text()


async def test_the_page_downloads_all_the_learners_data_as_export_does(
    web_coach: tuple[Coach, WebCoach], client: TestClient
) -> None:
    ada = Learner(web_coach[0])
    await ada.say("/start")
    await ada.say("/done")
    token = await signed_in(client, ada)
    assert (await client.post("/export", data={})).status == 403
    download = await client.post("/export", data={"form_token": token})
    assert download.status == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(await download.read())
    assert len(data["completions"]) == 1


GROUP_CHAT = ChatRef("test", "-500", "Python evenings")


async def an_admin() -> bool:
    return True


async def study_group(coach: Coach, *members: Learner) -> None:
    """A group set up by the first member, which every member has joined."""
    for learner in members:
        await learner.say("/start")
    await coach.handle(members[0].ref, "/group setup", chat=ChatContext(GROUP_CHAT, an_admin))
    for learner in members:
        await coach.handle(learner.ref, "/join", chat=ChatContext(GROUP_CHAT, an_admin))


async def group_address(client: TestClient) -> str:
    found = re.search(r'href="(/groups/\d+)"', await (await client.get("/")).text())
    assert found
    return found.group(1)


async def test_a_member_sees_their_groups_standings_and_nobody_else_does(
    web_coach: tuple[Coach, WebCoach], client: TestClient
) -> None:
    coach = web_coach[0]
    ada, bob, cy = Learner(coach, "ada"), Learner(coach, "bob"), Learner(coach, "cy")
    await cy.say("/start")
    await study_group(coach, ada, bob)
    in_group = ChatContext(GROUP_CHAT, an_admin)
    await coach.handle(bob.ref, "/share done off", chat=in_group)
    await coach.handle(ada.ref, "/submit https://github.com/ada/calculator", chat=in_group)
    await coach.handle(bob.ref, "/review 1 Clear README, add tests", chat=in_group)
    await ada.say("/done")
    await ada.say("/done")

    await signed_in(client, ada)
    address = await group_address(client)
    assert "Python evenings" in await (await client.get("/")).text()
    page = await client.get(address)
    html = await page.text()
    assert page.status == 200
    rows = re.findall(
        r"<tr( class=\"you\"[^>]*)?>\s*<td>(\d+)</td>\s*<th scope=\"row\"><bdi>(\w+)</bdi>", html
    )
    assert [(bool(you), int(position), name) for you, position, name in rows] == [
        (True, 1, "Ada"),
        (False, 2, "Bob"),
    ]
    assert html.count('class="private"') == 1  # Bob keeps his items done to himself
    # No group quiz has closed yet: nothing to show of quizzes.
    assert 'class="quizzes"' not in html
    # The project Ada shared, and Bob's review of it.
    shared = html.split('class="submissions"', 1)[1]
    assert "https://github.com/ada/calculator" in shared
    assert "Bob" in shared and "Clear README, add tests" in shared
    assert all(item.title in html for item in WEEK1.items)

    # Cy is in no group: the same page is nothing to her, as a made-up group is.
    client.session.cookie_jar.clear()
    await signed_in(client, cy)
    assert (await client.get(address)).status == 404
    assert (await client.get("/groups/999999")).status == 404
    assert (await client.get("/groups/nope")).status == 404
    # A number no group could have is the same answer, not a failure in the database.
    assert (await client.get("/groups/" + "9" * 30)).status == 404


async def test_every_word_on_the_group_page_comes_through_a_catalog(
    web_coach: tuple[Coach, WebCoach], client: TestClient
) -> None:
    ada, bob = Learner(web_coach[0], "ada"), Learner(web_coach[0], "bob")
    await study_group(web_coach[0], ada, bob)
    in_group = ChatContext(GROUP_CHAT, an_admin)
    await web_coach[0].handle(ada.ref, "/submit my calculator", chat=in_group)
    await web_coach[0].handle(bob.ref, "/submit word counter", chat=in_group)
    await web_coach[0].handle(ada.ref, "/review 2 neat", chat=in_group)
    await signed_in(client, ada)
    address = await group_address(client)
    pseudo_locale.allow_built_in_content()
    # The chat's and the members' names, and what they typed.
    pseudo_locale.allow([GROUP_CHAT.title, "Ada", "Bob", "my calculator", "word counter", "neat"])
    pseudo_locale.take_escaped()
    i18n.mark_translations(True)
    try:
        body = (await (await client.get(address)).text()).split("<body>", 1)[1]
        pseudo_locale.seen("web", body, markup="html")
    finally:
        i18n.mark_translations(False)
    assert pseudo_locale.take_escaped() == []
    assert i18n.TRANSLATED_OPENS in body


async def test_the_group_page_shows_how_its_closed_quizzes_went(
    web_coach: tuple[Coach, WebCoach], client: TestClient, engine: AsyncEngine, clock: FrozenClock
) -> None:
    ada, bob = Learner(web_coach[0], "ada"), Learner(web_coach[0], "bob")
    await study_group(web_coach[0], ada, bob)
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    question = builtin_bank().questions[0]
    async with units() as uow:
        group = await uow.groups.find(GROUP_CHAT)
        assert group is not None
        quizzes = uow.group_quizzes
        quiz = await quizzes.add(
            group.id,
            question_id=question.id,
            option_order="0,1,2,3",
            correct_option=question.answer,
            local_date=clock.now().date(),
            at=clock.now(),
        )
        assert quiz is not None
        await quizzes.answer(
            quiz, ada.ref, None, chosen=question.answer, correct=True, at=clock.now()
        )
        await quizzes.answer(quiz, bob.ref, None, chosen=9, correct=False, at=clock.now())
        await quizzes.close(quiz, at=clock.now())
        await uow.commit()
    await signed_in(client, ada)
    html = await (await client.get(await group_address(client))).text()
    shown = html.split('class="quizzes"', 1)[1].split("</ul>", 1)[0]
    assert question.question.split("\n")[0] in shown
    assert re.search(r"<bdi>1</bdi> of <bdi>2</bdi>", shown)


async def test_a_group_admin_changes_the_schedule_on_the_page_and_the_group_is_told(
    web_coach: tuple[Coach, WebCoach], client: TestClient, engine: AsyncEngine, clock: FrozenClock
) -> None:
    coach = web_coach[0]
    ada, bob = Learner(coach, "ada"), Learner(coach, "bob")

    async def nobody() -> bool:
        return False

    for learner in (ada, bob):
        await learner.say("/start")
    # Ada is the chat's admin: she sets the group up and joins; Bob only joins.
    await coach.handle(ada.ref, "/group setup", chat=ChatContext(GROUP_CHAT, an_admin))
    await coach.handle(ada.ref, "/join", chat=ChatContext(GROUP_CHAT, an_admin))
    await coach.handle(bob.ref, "/join", chat=ChatContext(GROUP_CHAT, nobody))

    bobs_token = await signed_in(client, bob)
    address = await group_address(client)
    members_view = await (await client.get(address)).text()
    assert f'action="{address}/schedule"' not in members_view
    refused = await client.post(
        f"{address}/schedule", data={"time": "07:30", "form_token": bobs_token}
    )
    assert refused.status == 403

    client.session.cookie_jar.clear()
    await signed_in(client, ada)
    page = await (await client.get(address)).text()
    assert f'action="{address}/schedule"' in page
    token = FORM_TOKEN.search(page)
    assert token is not None
    changed = await client.post(
        f"{address}/schedule",
        data={"time": "07:30", "days": "mon-fri", "form_token": token.group(1)},
        allow_redirects=False,
    )
    assert changed.status == 303
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    async with units(read_only=True) as uow:
        group = await uow.groups.find(GROUP_CHAT)
    assert group is not None
    assert (group.digest_time, group.study_days) == (time(7, 30), frozenset(range(5)))
    # The group hears of each change in its chat, as when an admin types it there.
    async with engine.connect() as connection:
        told = await connection.scalar(
            select(func.count())
            .select_from(m.OutboxMessage)
            .where(
                m.OutboxMessage.chat_id == GROUP_CHAT.external_id, m.OutboxMessage.kind == "reply"
            )
        )
    assert told == 2
    # A bad value is refused as in the chat, and the page says so.
    shown = await client.post(
        f"{address}/schedule", data={"time": "25:99", "form_token": token.group(1)}
    )
    assert "Nothing was changed" in await shown.text()

    # Thirty days on, without a word from the platform, the web no longer takes her word.
    clock.advance(timedelta(days=31))
    client.session.cookie_jar.clear()
    await signed_in(client, ada)
    assert f'action="{address}/schedule"' not in await (await client.get(address)).text()


async def test_a_mentor_who_never_joined_sees_the_groups_week_and_changes_its_schedule(
    web_coach: tuple[Coach, WebCoach], client: TestClient, engine: AsyncEngine, clock: FrozenClock
) -> None:
    coach = web_coach[0]
    ada, bob, mentor = Learner(coach, "ada"), Learner(coach, "bob"), Learner(coach, "mo")
    await study_group(coach, ada, bob)
    # The mentor runs the group without a track: an admin command makes them known.
    await coach.handle(mentor.ref, "/group report 19:00", chat=ChatContext(GROUP_CHAT, an_admin))
    token = await signed_in(client, mentor)
    home = await (await client.get("/")).text()
    assert 'action="/settings"' not in home  # no track: nothing of one to show
    address = await group_address(client)
    page = await (await client.get(address)).text()
    assert all(item.title in page for item in WEEK1.items)
    names = re.findall(r'<th scope="row"><bdi>(\w+)</bdi>', page)
    assert names == ["Ada", "Bob"]  # the mentor studies with nobody: no row of theirs
    assert 'class="you"' not in page
    changed = await client.post(
        f"{address}/schedule", data={"quiz": "off", "form_token": token}, allow_redirects=False
    )
    assert changed.status == 303
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    async with units(read_only=True) as uow:
        group = await uow.groups.find(GROUP_CHAT)
    assert group is not None and group.quiz_days == frozenset()

    # A month on without a word from the platform, the group is no longer theirs to see.
    clock.advance(timedelta(days=31))
    client.session.cookie_jar.clear()
    await signed_in(client, mentor)
    home = await (await client.get("/")).text()
    assert "/groups/" not in home
    with speaking("en"):
        assert escape(views.no_track_words()["no_groups"]) in home
    assert (await client.get(address)).status == 404


async def test_a_page_for_nobody_signed_in_speaks_the_browsers_language(
    client: TestClient,
) -> None:
    def language_of(html: str) -> tuple[str, str]:
        found = re.search(r'<html lang="(\w+)" dir="(\w+)">', html)
        assert found
        return found.group(1), found.group(2)

    persian = {"Accept-Language": "de-DE, fa;q=0.9, ru;q=0.8, en;q=0.1"}
    refused = await client.get("/signin/" + "A" * 43, headers=persian)
    assert refused.status == 403
    assert language_of(await refused.text()) == ("fa", "rtl")
    with speaking("fa"):
        assert page_words()["title"] != "Your roadmap"  # Persian is spoken, not just named
        assert views.signed_out_page()["text"] in await refused.text()
    russian = {"Accept-Language": "fa;q=0, ru-RU;q=0.7, en;q=0.5, *;q=0.1"}
    assert language_of(await (await client.get("/", headers=russian)).text()) == ("ru", "ltr")
    unknown = {"Accept-Language": "de, ja;q=nonsense"}
    assert language_of(await (await client.get("/", headers=unknown)).text()) == ("en", "ltr")


async def test_every_word_a_mentor_or_a_stranger_reads_comes_through_a_catalog(
    web_coach: tuple[Coach, WebCoach], client: TestClient
) -> None:
    """The page of someone with no track, the refusal of a group not theirs, and the page
    for nobody signed in, pseudo-localized."""
    coach = web_coach[0]
    ada, mentor = Learner(coach, "ada"), Learner(coach, "mo")
    await study_group(coach, ada)
    await coach.handle(mentor.ref, "/group report 19:00", chat=ChatContext(GROUP_CHAT, an_admin))
    await signed_in(client, mentor)
    address = await group_address(client)
    pseudo_locale.allow([GROUP_CHAT.title])
    pseudo_locale.take_escaped()
    i18n.mark_translations(True)
    try:
        pages = [await (await client.get("/")).text()]
        not_theirs = await client.get("/groups/999999")
        assert not_theirs.status == 404
        pages.append(await not_theirs.text())
        client.session.cookie_jar.clear()
        pages.append(await (await client.get("/")).text())
        pages.append(await (await client.get("/signin/" + "A" * 43)).text())
        for html in pages:
            pseudo_locale.seen("web", html.split("<body>", 1)[1], markup="html")
    finally:
        i18n.mark_translations(False)
    assert pseudo_locale.take_escaped() == []
    assert all(i18n.TRANSLATED_OPENS in html for html in pages)
    assert address in pages[0]


async def test_any_tick_of_the_week_is_taken_back_on_the_page_as_undo_n_does(
    web_coach: tuple[Coach, WebCoach], client: TestClient
) -> None:
    ada = Learner(web_coach[0])
    await ada.say("/start")
    token = await signed_in(client, ada)
    for number in ("1", "2", "3"):
        await client.post("/done", data={"item": number, "form_token": token})
    page = await (await client.get("/")).text()
    untick = re.findall(
        r'<form method="post" action="/undo" class="untick">\s*.*?name="item" value="(\d+)"',
        page,
        re.S,
    )
    assert untick == ["1", "2", "3"]
    assert 'class="undo"' not in page  # every tick of this week has its own button

    taken = await client.post(
        "/undo", data={"item": "1", "form_token": token}, allow_redirects=False
    )
    assert taken.status == 303
    assert await done_this_week(ada) == {WEEK1.items[1].title, WEEK1.items[2].title}
    # A number of no item, or of one not ticked, changes nothing, and the page says why
    # as the chat would: here, that item 1 is not ticked.
    for number in ("1", "99"):
        said = await (await client.post("/undo", data={"item": number, "form_token": token})).text()
        notices = said.split('class="notices"', 1)[1].split("</div>", 1)[0]
        assert (WEEK1.items[0].title if number == "1" else "99") in notices
    assert await done_this_week(ada) == {WEEK1.items[1].title, WEEK1.items[2].title}
    refused = await client.post("/undo", data={"item": "¹", "form_token": token})
    assert refused.status == 400

    # The tick that closed the week is taken back from the page's own button: the week
    # opens again.
    for _ in WEEK1.items[2:]:  # two of them are ticked
        await ada.say("/done")
    page = await (await client.get("/")).text()
    assert 'class="undo"' in page and 'class="untick"' not in page
    assert "week-2" in page.split('aria-current="step"', 1)[0].rsplit("<li", 1)[1]
    await client.post("/undo", data={"form_token": token})
    assert len(await done_this_week(ada)) == len(WEEK1.items) - 1


def test_notices_too_long_for_a_cookie_keep_as_many_of_the_first_as_fit() -> None:
    notices = [f"notice {n}: " + "x" * 200 for n in range(40)]
    packed = packed_notices(notices)
    assert len(packed) <= NOTICES_PACKED_AT_MOST
    kept = unpacked_notices(packed)
    assert 0 < len(kept) < len(notices) and kept == notices[: len(kept)]
    assert unpacked_notices(packed_notices(["short"])) == ["short"]
