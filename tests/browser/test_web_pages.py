"""The web view's pages in a real headless Chromium: opened from the chat's link, an item
ticked with a tap and the chat agreeing, a Telegram Mini App launched with genuine and
forged initData, a used link refused, and the Persian page laid out right to left. Each
page's screenshot is kept in test-artifacts/screenshots."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestServer
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.web.app import web_app
from core.app.coach import Coach
from core.app.web import WebCoach
from core.kernel.clock import FrozenClock
from core.kernel.i18n import written_right_to_left
from core.kernel.refs import ChatContext, ChatRef
from core.learning.tracks import BuiltinCatalog, builtin_track
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.browser.conftest import keep_screenshot
from tests.conftest import Learner, free_port
from tests.fakes.telegram import DEFAULT_TOKEN, mini_app_init_data

WEEK1 = builtin_track().weeks[0]
OPEN_ITEM_BUTTON = ".week.current .item:not(.done) form button"


@dataclass
class Site:
    coach: Coach
    address: str

    async def link_for(self, learner: Learner) -> str:
        said = await learner.say("/web")
        found = re.search(re.escape(self.address) + r"/signin/\S+", said)
        assert found, said
        return found.group(0)


@pytest.fixture
async def site(engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[Site]:
    """The web view on a real port of this machine, as `coach run` serves it."""
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    coach = Coach(units, clock, BuiltinCatalog(), web_address=address)
    server = TestServer(
        web_app(WebCoach(coach, units, telegram_token=DEFAULT_TOKEN)),
        host="127.0.0.1",
        port=port,
    )
    await server.start_server()
    try:
        yield Site(coach, address)
    finally:
        await server.close()


async def _an_admin() -> bool:
    return True


async def visit(browser: webdriver.Chrome, address: str) -> None:
    """Opens an address and waits for its page: the browser blocks, the server must not."""
    await asyncio.to_thread(browser.get, address)


def items_done(browser: webdriver.Chrome) -> list[str]:
    return [
        element.text
        for element in browser.find_elements(By.CSS_SELECTOR, ".week.current .item.done .title")
    ]


async def test_a_learner_opens_the_link_from_chat_and_ticks_an_item_with_a_tap(
    browser: webdriver.Chrome, site: Site
) -> None:
    ada = Learner(site.coach)
    await ada.say("/start")
    await visit(browser, await site.link_for(ada))
    assert browser.current_url == f"{site.address}/"
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".week.current .title")]
    assert titles == [item.title for item in WEEK1.items]
    keep_screenshot(browser, "learner-week")

    first = browser.find_element(By.CSS_SELECTOR, OPEN_ITEM_BUTTON)
    await asyncio.to_thread(first.click)
    await asyncio.to_thread(lambda: _wait_for(browser, ".untick"))
    assert items_done(browser) == [WEEK1.items[0].title]
    # The chat agrees: its /today no longer offers the first item to tick.
    await ada.say("/today")
    assert ada.last is not None
    offered = [button.label for button in ada.last.all_buttons]
    assert offered and not any(WEEK1.items[0].title[:20] in label for label in offered)
    keep_screenshot(browser, "learner-ticked")

    # With the keyboard alone: Tab to the next item's button, Enter ticks it.
    target = browser.find_element(By.CSS_SELECTOR, OPEN_ITEM_BUTTON)
    presses = 0
    while browser.switch_to.active_element != target and presses < 30:
        ActionChains(browser).send_keys(Keys.TAB).perform()
        presses += 1
    assert browser.switch_to.active_element == target
    await asyncio.to_thread(ActionChains(browser).send_keys(Keys.ENTER).perform)
    await asyncio.to_thread(lambda: _wait_for_count(browser, ".week.current .item.done", 2))
    assert items_done(browser) == [item.title for item in WEEK1.items[:2]]

    # The first tick taken back with a tap; the second stands, in the chat as well.
    untick = browser.find_element(By.CSS_SELECTOR, ".week.current .item.done .untick button")
    await asyncio.to_thread(untick.click)
    await asyncio.to_thread(lambda: _wait_for_count(browser, ".week.current .item.done", 1))
    assert items_done(browser) == [WEEK1.items[1].title]
    await ada.say("/week")
    assert ada.last is not None and WEEK1.items[0].title in ada.last.plain_text()
    keep_screenshot(browser, "learner-untick")

    # A link is good once: opened again, it signs nobody in.
    used = await site.link_for(ada)
    await visit(browser, used)
    browser.delete_all_cookies()
    await visit(browser, used)
    assert browser.find_elements(By.CSS_SELECTOR, ".path") == []
    keep_screenshot(browser, "link-used")


async def test_a_mini_app_signs_in_with_telegrams_initdata_and_a_forged_one_does_not(
    browser: webdriver.Chrome, site: Site, clock: FrozenClock
) -> None:
    telegram = Learner(site.coach, "5151", platform="telegram")
    await telegram.say("/start")
    # Telegram's client gives the page `Telegram.WebApp` with the initData it signed; the
    # real script from telegram.org is kept out, as it is unreachable here.
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*telegram.org*"]})

    launched: list[str] = []

    def launch_with(init_data: str, language: str = "en") -> None:
        """The next page load is a Mini App launch with this initData: the earlier launch's
        client goes, as a new launch starts a new page in Telegram."""
        for identifier in launched:
            browser.execute_cdp_cmd(
                "Page.removeScriptToEvaluateOnNewDocument", {"identifier": identifier}
            )
        fake_client = {
            "initData": init_data,
            "initDataUnsafe": {"user": {"language_code": language}},
        }
        script = f"window.Telegram = {{WebApp: {json.dumps(fake_client)}}};"
        script += "window.Telegram.WebApp.ready = function () {};"
        added = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})
        launched[:] = [added["identifier"]]

    user = {"id": 5151, "first_name": "Tg", "language_code": "en"}
    launch_with(mini_app_init_data("654321:ANOTHER-BOT", user, clock.now().timestamp()))
    await visit(browser, f"{site.address}/telegram")
    status = await asyncio.to_thread(
        lambda: _wait_for_text(browser, "#status", lambda t: "Telegram" in t or "/web" in t)
    )
    assert "/web" in status and browser.current_url.endswith("/telegram")
    keep_screenshot(browser, "mini-app-forged")
    # Told in the language of the user's Telegram, right to left for Persian.
    launch_with(mini_app_init_data("654321:ANOTHER-BOT", user, clock.now().timestamp()), "fa")
    await visit(browser, f"{site.address}/telegram")
    persian = await asyncio.to_thread(
        lambda: _wait_for_text(browser, "#status", lambda t: "/web" in t)
    )
    assert written_right_to_left([persian])
    assert browser.execute_script("return document.documentElement.dir") == "rtl"

    # Launched again, with the initData Telegram signed for this bot.
    launch_with(mini_app_init_data(DEFAULT_TOKEN, user, clock.now().timestamp()))
    await visit(browser, f"{site.address}/telegram")
    await asyncio.to_thread(lambda: _wait_for(browser, ".path"))
    assert browser.current_url == f"{site.address}/"
    keep_screenshot(browser, "mini-app")


async def test_the_persian_page_is_laid_out_right_to_left(
    browser: webdriver.Chrome, site: Site
) -> None:
    parvin = Learner(site.coach, "parvin")
    await parvin.say("/start")
    await parvin.say("/settings language fa")
    await visit(browser, await site.link_for(parvin))
    assert browser.execute_script("return document.documentElement.dir") == "rtl"
    assert browser.execute_script("return document.documentElement.lang") == "fa"
    direction = browser.execute_script(
        "return getComputedStyle(document.querySelector('main')).direction"
    )
    assert direction == "rtl"
    # Right to left: a week's coloured edge is on its right.
    edge = browser.execute_script(
        "return getComputedStyle(document.querySelector('.week.current')).borderRightWidth"
    )
    assert edge == "4px"
    keep_screenshot(browser, "learner-persian")


def _wait_for(browser: webdriver.Chrome, selector: str, seconds: float = 10) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, seconds).until(lambda b: b.find_elements(By.CSS_SELECTOR, selector))


def _wait_for_count(browser: webdriver.Chrome, selector: str, count: int) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, selector)) == count
    )


def _wait_for_text(
    browser: webdriver.Chrome, selector: str, done: Callable[[str], bool], seconds: float = 10
) -> str:
    from selenium.webdriver.support.ui import WebDriverWait

    def text() -> str:
        return str(browser.find_element(By.CSS_SELECTOR, selector).text)

    WebDriverWait(browser, seconds).until(lambda _: done(text()))
    return text()


async def test_a_member_follows_the_link_to_their_groups_page(
    browser: webdriver.Chrome, site: Site
) -> None:
    ada, bob = Learner(site.coach, "ada"), Learner(site.coach, "bob")
    in_group = ChatContext(ChatRef("test", "-700", "Backend evenings"), _an_admin)
    for learner in (ada, bob):
        await learner.say("/start")
    await site.coach.handle(ada.ref, "/group setup", chat=in_group)
    for learner in (ada, bob):
        await site.coach.handle(learner.ref, "/join", chat=in_group)
    await bob.say("/done")
    await visit(browser, await site.link_for(ada))
    group = browser.find_element(By.CSS_SELECTOR, ".groups a")
    assert group.text == "Backend evenings"
    await asyncio.to_thread(group.click)
    await asyncio.to_thread(lambda: _wait_for(browser, ".standings"))
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".standings tbody th bdi")]
    assert names == ["Bob", "Ada"]  # Bob ticked an item this week
    you = browser.find_element(By.CSS_SELECTOR, ".standings tr.you bdi")
    assert you.text == "Ada"
    keep_screenshot(browser, "group")

    # Someone else, signed in with their own link, is refused the group's page.
    group_page = browser.current_url
    cy = Learner(site.coach, "cy")
    await cy.say("/start")
    browser.delete_all_cookies()
    await visit(browser, await site.link_for(cy))
    assert browser.find_elements(By.CSS_SELECTOR, ".groups a") == []
    await visit(browser, group_page)
    assert browser.find_elements(By.CSS_SELECTOR, ".standings") == []
    keep_screenshot(browser, "group-refused")


async def test_a_mentor_who_never_joined_opens_the_groups_week_and_changes_its_schedule(
    browser: webdriver.Chrome, site: Site
) -> None:
    ada, mentor = Learner(site.coach, "ada"), Learner(site.coach, "mo")
    in_group = ChatContext(ChatRef("test", "-701", "Backend mornings"), _an_admin)
    await ada.say("/start")
    for learner, command in (
        (ada, "/group setup"),
        (ada, "/join"),
        (mentor, "/group report 19:00"),
    ):
        await site.coach.handle(learner.ref, command, chat=in_group)
    await visit(browser, await site.link_for(mentor))
    assert browser.find_elements(By.CSS_SELECTOR, ".path") == []  # no roadmap of their own
    keep_screenshot(browser, "mentor")
    await asyncio.to_thread(browser.find_element(By.CSS_SELECTOR, ".groups a").click)
    await asyncio.to_thread(lambda: _wait_for(browser, ".standings"))
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".standings tbody th bdi")]
    assert names == ["Ada"]
    items = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#week-title + ol bdi")]
    assert items == [item.title for item in WEEK1.items]

    # A time field is typed into as the browser's locale has it (20:30, or 08:30 PM): the
    # value is set as a time picker sets it.
    field = browser.find_element(By.ID, "group-report")
    browser.execute_script("arguments[0].value = '20:30'", field)
    await asyncio.to_thread(browser.find_element(By.CSS_SELECTOR, "#schedule form button").click)
    await asyncio.to_thread(lambda: _wait_for(browser, ".notices"))
    assert browser.find_element(By.ID, "group-report").get_attribute("value") == "20:30"
    keep_screenshot(browser, "mentor-group")
