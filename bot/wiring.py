"""Builds the coach from settings, inside the running event loop; nothing connects at import."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.leadership import Election
from bot.ops import Ops, build_ops
from core.app.coach import Coach
from core.app.web import WebCoach
from core.kernel.clock import Clock, FrozenClock, SystemClock
from core.learning.library import Defaults
from core.learning.tracks import BuiltinCatalog
from core.outreach.policy import OutreachPolicy
from core.outreach.ports import Messenger, SendGate
from core.outreach.service import Outreach
from core.progress.charts import ChartRenderer
from core.storage.engine import check_writable, make_engine, make_sessions
from core.storage.migrate import pending_revisions, upgrade
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from core.storage.urls import sqlite_file
from scheduler.service import CoachScheduler, SchedulerSettings


class NotMigrated(Exception):
    """The database cannot be used as it is: its schema is behind the code, or it has no folder."""


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    coach: Coach
    outreach: Outreach
    ops: Ops
    web: WebCoach

    @asynccontextmanager
    async def scheduler(
        self, messengers: Mapping[str, Messenger], gates: Mapping[str, SendGate] | None = None
    ) -> AsyncIterator[None]:
        """The scheduler beside the adapters, unless switched off; stops before they do.
        `gates` are the messengers' rate gates, which the sender tells of recent sends."""
        if not self.settings.scheduler:
            yield
            return
        async with CoachScheduler(
            self.outreach,
            messengers,
            SchedulerSettings(tick_seconds=self.settings.tick_seconds),
            observer=self.ops.observer,
            sending=Election(self.engine, "outbox-sender"),
            gates=gates,
        ):
            yield


def make_clock(settings: Settings) -> Clock:
    return FrozenClock(settings.frozen_time) if settings.frozen_time else SystemClock()


def check_sqlite_folder(settings: Settings) -> None:
    """A missing folder is said plainly, before a driver thread fails on it mid-connect."""
    if not settings.is_sqlite:
        return
    database = sqlite_file(settings.database_url)  # None (in memory) is refused by the settings
    if database is not None:
        folder = database.resolve().parent
        if not folder.is_dir():
            raise NotMigrated(f"the folder for the SQLite database does not exist: {folder}")


@asynccontextmanager
async def running_app(settings: Settings, *, pictures: bool = True) -> AsyncIterator[App]:
    """The app on its database; `pictures` warms the drawing process, which a command
    that draws none (`coach import`) goes without."""
    check_sqlite_folder(settings)
    engine = make_engine(settings.database_url)
    charts = ChartRenderer()
    try:
        if settings.is_sqlite:
            await upgrade(engine)  # the embedded database keeps itself current
        elif await pending_revisions(engine):
            raise NotMigrated("the database schema is not current: run `coach migrate` first")
        await check_writable(engine)
        if pictures:
            charts.start()  # the drawing process warms up in the background
        units = SqlUnitOfWorkFactory(make_sessions(engine))
        clock = make_clock(settings)
        ops = build_ops(settings, engine, clock)
        from adapters.web.downloads import WebDownloads  # aiohttp: for the processes that serve

        coach = Coach(
            units,
            clock,
            BuiltinCatalog(),
            Defaults(timezone=settings.default_timezone, nudge_time=settings.default_nudge_time),
            charts=charts,
            observer=ops.observer,
            downloads=WebDownloads(),
            web_address=settings.web_links,
        )
        outreach = Outreach(
            coach,
            units,
            clock,
            OutreachPolicy(lease=timedelta(seconds=settings.outbox_lease_seconds)),
        )
        token = settings.telegram_bot_token
        web = WebCoach(coach, units, token.get_secret_value() if token else None)
        yield App(settings, engine, coach, outreach, ops, web)
    finally:
        await asyncio.to_thread(charts.close)  # waits for a chart being drawn
        await engine.dispose()


@asynccontextmanager
async def serving_web(app: App) -> AsyncIterator[None]:
    """The web view for as long as the coach runs, unless switched off."""
    listen = app.settings.web_listen
    if listen is None:
        yield
        return
    from adapters.web.app import web_app
    from bot.ops import listening

    def unavailable(why: str) -> Exception:
        return WebUnavailable(
            f"cannot listen on {listen} for the web view (COACH_WEB_LISTEN): {why}"
        )

    secure = (app.settings.web_links or "").startswith("https://")
    # No access log: a sign-in address holds its one-time token.
    async with listening(web_app(app.web, secure_cookies=secure), listen, unavailable):
        yield


class WebUnavailable(Exception):
    """The web view's address is taken or not allowed; said in one line at start."""
