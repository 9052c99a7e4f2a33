"""Two `coach run` workers behind one Telegram webhook, sharing PostgreSQL: a learner's
updates, handed to whichever worker is free, race each other and none is lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import ClientSession, web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram.bot import TelegramAdapter, make_bot
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.inbox import SqlInbox
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import MONDAY_MORNING
from tests.e2e.telegram_support import TOKEN
from tests.fakes.telegram import SECRET_HEADER, FakeTelegram

pytestmark = pytest.mark.postgres

SECRET = "balanced-secret"
TRIALS = 8
TRACK = BuiltinCatalog().get("python-backend")
assert TRACK is not None
ITEMS = len(TRACK.first_week.items)


@dataclass
class Balancer:
    """What a load balancer does: each update to one worker, several at once."""

    tg: FakeTelegram
    urls: list[str]
    engine: AsyncEngine
    coach: Coach  # for getting a learner ready, straight to the core
    adapters: list[TelegramAdapter]

    async def ready(self, user: int, *, ticked: int = 0) -> None:
        self.tg.add_user(user, f"Racer {user}")
        who = LearnerRef("telegram", str(user), f"Racer {user}")
        for typed in ["/start", *(f"/done {n}" for n in range(1, ticked + 1))]:
            assert isinstance(await self.coach.handle(who, typed), Reply)

    async def post(self, update_id: int, worker: int) -> int:
        [update] = [u for u in self.tg.pending_updates() if u["update_id"] == update_id]
        async with (
            ClientSession() as session,
            session.post(self.urls[worker], json=update, headers={SECRET_HEADER: SECRET}) as sent,
        ):
            return sent.status

    async def race(self, *update_ids: int) -> None:
        statuses = await asyncio.gather(
            *(self.post(update_id, n % 2) for n, update_id in enumerate(update_ids))
        )
        assert statuses == [200] * len(update_ids)
        # 200 says each worker recorded its update; now both handle theirs, at once.
        await asyncio.gather(*(adapter.intake.drained() for adapter in self.adapters))

    async def week_and_ticks(self, user: int) -> tuple[str, int]:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(m.Enrollment.current_week_id, func.count(m.Completion.id))
                    .join(m.Identity, m.Identity.learner_id == m.Enrollment.learner_id)
                    .outerjoin(m.Completion, m.Completion.enrollment_id == m.Enrollment.id)
                    .where(m.Identity.external_id == str(user), m.Enrollment.active)
                    .group_by(m.Enrollment.current_week_id)
                )
            ).one()
        return row[0], row[1]


@pytest.fixture
async def balancer(two_engines: tuple[AsyncEngine, AsyncEngine]) -> AsyncIterator[Balancer]:
    engines = list(two_engines)
    clock = FrozenClock(MONDAY_MORNING)
    runners: list[web.AppRunner] = []
    bots = []
    adapters: list[TelegramAdapter] = []
    async with FakeTelegram(token=TOKEN) as tg:
        urls = []
        coaches = []
        for engine in engines:
            bot = make_bot(TOKEN, tg.base_url)
            bots.append(bot)
            coach = Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())
            coaches.append(coach)
            adapter = TelegramAdapter(coach, bot, inbox=SqlInbox(engine))
            adapters.append(adapter)
            await adapter.prepare()
            runner = web.AppRunner(adapter.webhook_app("/hook", SECRET))
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            runners.append(runner)
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            urls.append(f"http://127.0.0.1:{port}/hook")
        try:
            yield Balancer(tg, urls, engines[0], coaches[0], adapters)
        finally:
            for adapter in adapters:
                await adapter.stop()
            for runner in runners:
                await runner.cleanup()
            for bot in bots:
                await bot.session.close()


async def test_the_weeks_last_two_ticks_on_two_workers_close_the_week(balancer: Balancer) -> None:
    tg = balancer.tg
    for trial in range(TRIALS):
        user = 5000 + trial
        await balancer.ready(user, ticked=ITEMS - 2)
        sent_before = len(tg.sent(user))
        await balancer.race(
            tg.send_text(user, f"/done {ITEMS - 1}"), tg.send_text(user, f"/done {ITEMS}")
        )
        week, ticks = await balancer.week_and_ticks(user)
        assert (week, ticks) == ("w02", ITEMS), f"trial {trial}"
        # Each tick is answered, paced within the chat's limit.
        await tg.wait_for(lambda t, user=user, before=sent_before: len(t.sent(user)) >= before + 2)


async def test_a_tick_and_a_settings_change_on_two_workers_both_stick(balancer: Balancer) -> None:
    tg = balancer.tg
    for trial in range(TRIALS):
        user = 6000 + trial
        await balancer.ready(user)
        await balancer.race(tg.send_text(user, "/done"), tg.send_text(user, "/settings time 06:45"))
        async with balancer.engine.connect() as connection:
            nudge = await connection.scalar(
                select(m.Enrollment.nudge_time)
                .join(m.Identity, m.Identity.learner_id == m.Enrollment.learner_id)
                .where(m.Identity.external_id == str(user))
            )
        assert nudge is not None and nudge.strftime("%H:%M") == "06:45", f"trial {trial}"
        _, ticks = await balancer.week_and_ticks(user)
        assert ticks == 1
