"""Focus sessions on Discord as a learner meets them: the `/focus` slash command, the
check-in by DM when the time is up, and its buttons pressed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.bot import DiscordAdapter
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.storage import models as m
from tests.e2e.discord_support import (
    ADA_DC,
    CHANNEL,
    EPHEMERAL,
    DmOutbox,
    JsonDict,
    custom_ids,
    run,
    text,
)
from tests.fakes.discord import FakeDiscord

MONDAY_0750_BERLIN = datetime(2026, 11, 16, 6, 50, tzinfo=UTC)


@pytest.fixture
def adapter(discord_adapter: DiscordAdapter) -> DiscordAdapter:
    return discord_adapter


@pytest.fixture
def outbox(
    adapter: DiscordAdapter, coach: Coach, engine: AsyncEngine, clock: FrozenClock
) -> DmOutbox:
    return DmOutbox(adapter, coach, engine, clock)


async def said(dc: FakeDiscord, command: str, **options: Any) -> JsonDict:
    return (await run(dc, ADA_DC, command, options or None)).messages[-1]


async def pressed(dc: FakeDiscord, message: JsonDict, custom_id: str) -> str:
    """Presses a button and returns what the answer shows (the message updated in place)."""
    interaction = await dc.press(ADA_DC, message, custom_id)
    await interaction.wait_answered(timeout=10)
    assert not interaction.failed
    return text(dc.message(int(message["id"])) or {})


def check_ins(dc: FakeDiscord) -> list[JsonDict]:
    return [msg for msg in dc.dm_messages(ADA_DC) if "Time's up" in text(msg)]


async def hours_logged(engine: AsyncEngine) -> dict[date, Decimal]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(m.HourLog.logged_on, func.sum(m.HourLog.hours)).group_by(m.HourLog.logged_on)
        )
        return {day: Decimal(str(hours)) for day, hours in rows}


async def started(dc: FakeDiscord, clock: FrozenClock) -> None:
    clock.set(MONDAY_0750_BERLIN)
    await said(dc, "start")
    await said(dc, "settings timezone", zone="Europe/Berlin")
    await said(dc, "settings quiz", days="off")


async def test_a_focus_session_its_check_in_by_dm_and_five_more_on_discord(
    dc: FakeDiscord, outbox: DmOutbox, clock: FrozenClock, engine: AsyncEngine
) -> None:
    await started(dc, clock)
    begun = await said(dc, "focus", minutes=30)
    assert "30 min on 1." in text(begun) and "until 08:20" in text(begun)
    assert custom_ids(begun) == ["a:focus:stop"]

    await outbox.deliver_at(clock.now() + timedelta(minutes=29))
    assert check_ins(dc) == []
    await outbox.deliver_at(clock.now() + timedelta(minutes=1))
    check_in = await dc.wait_for_dm(ADA_DC, lambda msg: "Time's up" in text(msg))
    assert "30 min" in text(check_in)
    assert sorted(custom_ids(check_in)) == [
        "a:done:w01-setup",
        "a:focus:more 5",
        "a:focus:stop",
    ]
    assert await hours_logged(engine) == {date(2026, 11, 16): Decimal("0.50")}

    assert "5 min on 1." in await pressed(dc, check_in, "a:focus:more 5")
    await outbox.deliver_at(clock.now() + timedelta(minutes=5))
    await dc.wait_for(lambda fake: len(check_ins(fake)) == 1 and check_ins(fake)[0] != check_in)
    [second] = check_ins(dc)
    assert "5 min" in text(second)
    assert "done." in await pressed(dc, second, "a:done:w01-setup")
    assert await hours_logged(engine) == {date(2026, 11, 16): Decimal("0.58")}
    async with engine.connect() as connection:
        outcomes = await connection.execute(
            select(m.OutboxMessage.status).where(m.OutboxMessage.focus_session_id.is_not(None))
        )
        assert [status for (status,) in outcomes] == ["sent", "sent"]


async def test_the_stop_option_ends_the_session_and_its_check_in(
    dc: FakeDiscord, outbox: DmOutbox, clock: FrozenClock, engine: AsyncEngine
) -> None:
    await started(dc, clock)
    await said(dc, "focus")
    clock.advance(timedelta(minutes=12))
    assert "12 min" in text(await said(dc, "focus", stop=True))
    await outbox.deliver_at(clock.now() + timedelta(minutes=20))
    assert check_ins(dc) == []
    assert await hours_logged(engine) == {date(2026, 11, 16): Decimal("0.20")}


async def test_focus_in_a_server_channel_is_answered_to_its_sender_alone(
    dc: FakeDiscord, adapter: DiscordAdapter, clock: FrozenClock
) -> None:
    await started(dc, clock)
    interaction = await run(dc, ADA_DC, "focus", {"minutes": 45}, channel_id=CHANNEL)
    assert interaction.ephemeral
    assert all(message["flags"] & EPHEMERAL for message in interaction.messages)
    assert "45 min on 1." in text(interaction.messages[-1])
