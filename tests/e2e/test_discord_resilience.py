"""Discord's answers that cannot go now are delivered later, and a stopping adapter
answers what it has in hand before it closes."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.messenger import DiscordMessenger
from core.app.coach import Coach
from core.app.views import restarting
from core.kernel.clock import FrozenClock
from core.kernel.commands import Command, Unparsed
from core.kernel.refs import LearnerRef
from core.kernel.reply import Outcome
from core.outreach.service import Outreach
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.limits import RateGate, RateLimits
from scheduler.sender import Sender
from tests.e2e.discord_support import ADA_DC, BOB_DC, CHANNEL, Running, run, text
from tests.fakes import pseudo_locale
from tests.fakes.discord import FakeDiscord

CALLBACK = "/interactions/{webhook_id}/{webhook_token}/callback"
EXPIRED = {"code": 10062, "message": "Unknown interaction"}


async def owed_replies(engine: AsyncEngine) -> list[m.OutboxMessage]:
    async with make_sessions(engine)() as session:
        rows = await session.scalars(select(m.OutboxMessage).where(m.OutboxMessage.kind == "reply"))
        return list(rows.all())


async def until_owed(engine: AsyncEngine, count: int) -> list[m.OutboxMessage]:
    async with asyncio.timeout(10):
        while len(rows := await owed_replies(engine)) < count:  # noqa: ASYNC110 - the database has no event to wait on
            await asyncio.sleep(0.02)
    return rows


def sender(adapter: Any, coach: Coach, engine: AsyncEngine, clock: FrozenClock) -> Sender:
    outreach = Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), clock)
    messenger = DiscordMessenger(adapter, RateGate(RateLimits(40.0, 1.0, None)))
    return Sender(outreach, {"discord": messenger}, worker="later")


async def test_an_answer_refused_by_a_server_error_is_delivered_later(
    dc: FakeDiscord, coach: Coach, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with Running(dc, coach) as adapter:
        await run(dc, ADA_DC, "start")
        # discord.py retried a 5xx until the interaction expired.
        dc.fail_next("POST", CALLBACK, 404, EXPIRED)
        await dc.slash(ADA_DC, "today")
        [row] = await until_owed(engine, 1)
        assert row.status == "pending" and row.chat_platform == "discord"
        assert await sender(adapter, coach, engine, clock).drain_once() == 1
        dm = dc.dm_channel_id(ADA_DC)
        assert dm is not None and int(row.chat_id or 0) == dm
        assert "Week 1 of 24" in text(dc.channel_messages(dm)[-1])
    [row] = await owed_replies(engine)
    assert row.status == "sent" and row.payload is None


async def test_a_personal_answer_in_a_server_goes_to_the_members_dms_later(
    dc: FakeDiscord, coach: Coach, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with Running(dc, coach) as adapter:
        await run(dc, ADA_DC, "start", channel_id=CHANNEL)
        dc.fail_next("POST", CALLBACK, 404, EXPIRED)
        await dc.slash(ADA_DC, "progress", channel_id=CHANNEL)
        await until_owed(engine, 1)
        assert await sender(adapter, coach, engine, clock).drain_once() == 1
        dm = dc.dm_channel_id(ADA_DC)
        assert dm is not None and "Items done" in text(dc.channel_messages(dm)[-1])
        assert not [message for message in dc.channel_messages(CHANNEL) if not message["flags"]]


async def test_a_stopping_adapter_answers_what_it_holds_and_says_it_takes_nothing_new(
    dc: FakeDiscord, coach: Coach
) -> None:
    release = asyncio.Event()
    in_core = asyncio.Event()

    class HeldCoach:
        def __getattr__(self, name: str) -> Any:
            return getattr(coach, name)

        async def run(self, who: LearnerRef, command: Command | Unparsed, **kwargs: Any) -> Outcome:
            in_core.set()
            await release.wait()
            return await coach.run(who, command, **kwargs)

    running = Running(dc, HeldCoach())  # type: ignore[arg-type]
    adapter = await running.__aenter__()
    first = await dc.slash(ADA_DC, "start")
    await asyncio.wait_for(in_core.wait(), 5)
    stopping = asyncio.create_task(adapter.stop(grace=10))
    await asyncio.sleep(0)
    late = await dc.slash(BOB_DC, "start")
    [note] = await late.wait_for_messages(1, timeout=5)
    assert note["content"] == pseudo_locale.unmarked(restarting().plain_text())
    assert late.ephemeral
    assert not stopping.done()  # still waiting for Ada's
    release.set()
    [welcome] = await first.wait_for_messages(1, timeout=5)
    assert "Welcome" in text(welcome)
    await asyncio.wait_for(stopping, 5)
    await running.__aexit__(None, None, None)
