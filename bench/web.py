"""The web view's answers, served by aiohttp as `coach run` serves it, over a real socket:

    python -m bench.web [--requests 200]

A learner in week 5 of the built-in 24-week track (a dozen ticks and logged hours, so
the calendar and the burn-up have something to draw), on SQLite and on PostgreSQL. For
each, the time from request to the last byte of the answer, median and 95th percentile:

* sign-in: opening a fresh one-time link (redeemed, a session opened, the redirect to
  the page followed, the page read);
* the page: the whole roadmap (24 weeks), the calendar, the burn-up and the settings;
* a tick: the form post of Done (the same command as /done) and its redirect, with the
  item then taken back with /undo outside the timing, so each tick ticks the same item.

The page must be "well under a second" on these machines; the figures say by how much.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer

from adapters.web.app import web_app
from bench.commands import POSTGRES_ADMIN_URL
from bench.scheduler import cpu_model
from core.app.coach import Coach
from core.app.web import WebCoach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from core.storage.engine import make_engine, make_sessions
from core.storage.migrate import upgrade
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import free_port

START = datetime(2026, 9, 14, 8, 0, tzinfo=UTC)  # a Monday; five weeks before "now"
ADDRESS_PATTERN = re.compile(r"http://127\.0\.0\.1:\d+/signin/\S+")
FORM_TOKEN = re.compile(r'name="form_token" value="([0-9a-f]+)"')


async def _learner_in_week_five(coach: Coach, clock: FrozenClock, who: LearnerRef) -> None:
    await coach.handle(who, "/start")
    for day in range(28):  # four weeks of study: each day's items, and an hour logged
        clock.set(START + timedelta(days=day, hours=10))
        await coach.handle(who, "/done")
        await coach.handle(who, "/done")
        await coach.handle(who, "/log 1")
    clock.set(START + timedelta(days=30, hours=10))


async def _timed(times: list[float], request: Callable[[], Awaitable[object]]) -> None:
    started = time.perf_counter()
    await request()
    times.append(time.perf_counter() - started)


def _figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


async def _measure(database_url: str, requests: int) -> dict[str, list[float]]:
    engine = make_engine(database_url)
    await upgrade(engine)
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    clock = FrozenClock(START)
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    coach = Coach(units, clock, BuiltinCatalog(), web_address=address)
    server = TestServer(web_app(WebCoach(coach, units)), host="127.0.0.1", port=port)
    await server.start_server()
    who = LearnerRef("bench", "learner", "Learner")
    await _learner_in_week_five(coach, clock, who)
    times: dict[str, list[float]] = {"sign-in": [], "page": [], "tick": []}
    try:
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as browser:
            for _ in range(requests):
                said = await coach.handle(who, "/web")
                assert isinstance(said, Reply)
                link = ADDRESS_PATTERN.search(said.plain_text())
                assert link is not None
                # Opening the link follows its redirect: the page comes with it.
                await _timed(times["sign-in"], partial(_read, browser, link.group(0)))
                await _timed(times["page"], partial(_read, browser, f"{address}/"))
                token = FORM_TOKEN.search(await _read(browser, f"{address}/"))
                assert token is not None
                form = {"item": "1", "form_token": token.group(1)}
                await _timed(times["tick"], partial(_post, browser, f"{address}/done", form))
                await coach.handle(who, "/undo")
    finally:
        await server.close()
        await engine.dispose()
    return times


async def _read(browser: ClientSession, url: str) -> str:
    async with browser.get(url) as response:
        assert response.status == 200, response.status
        return await response.text()


async def _post(browser: ClientSession, url: str, form: dict[str, str]) -> None:
    async with browser.post(url, data=form, allow_redirects=False) as response:
        assert response.status == 303, response.status
        await response.read()


async def _postgres_url() -> str:
    import asyncpg
    from sqlalchemy.engine import make_url

    name = "coach_bench_web"
    admin = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def main(requests: int) -> None:
    print(f"machine: {cpu_model()}, {platform.python_version()}")
    with tempfile.TemporaryDirectory() as folder:
        sqlite = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        for name, url in (("SQLite", sqlite), ("PostgreSQL", await _postgres_url())):
            times = await _measure(url, requests)
            for what, taken in times.items():
                print(f"{name:10} {what:8} {_figures(taken)}   ({len(taken)} requests)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    asyncio.run(main(parser.parse_args().requests))
