"""What the Discord end-to-end suites share: the fake's users, server and channel, the
adapter serving it, the outbox draining to it, and reading what users were shown."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.bot import DiscordAdapter
from adapters.discord.messenger import DiscordMessenger
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.commands import Command, Unparsed
from core.kernel.refs import LearnerRef
from core.kernel.reply import Outcome
from core.outreach.service import Outreach
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.limits import RateGate, RateLimits
from scheduler.sender import Sender, SenderSettings
from tests.fakes.discord import FakeDiscord, FakeInteraction

JsonDict = dict[str, Any]
ADA_DC = 2_000_000_000_000_000_001
BOB_DC = 2_000_000_000_000_000_002
CY_DC = 2_000_000_000_000_000_003
DI_DC = 2_000_000_000_000_000_004
GUILD = 3_000_000_000_000_000_001
CHANNEL = 3_000_000_000_000_000_002
EPHEMERAL = 64


class Running:
    """A DiscordAdapter serving the fake until stopped, as `coach run` serves it; `shards`
    are the adapter's shard_count and shard_ids, for a worker running some shards."""

    def __init__(self, dc: FakeDiscord, coach: Coach, **shards: Any) -> None:
        self.dc = dc
        self.adapter = DiscordAdapter(coach, dc.token, api_base=dc.api_base, **shards)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> DiscordAdapter:
        connected = len([c for c in self.dc.connections if c.session_id])
        self._task = asyncio.create_task(self.adapter.start())
        await self.dc.wait_identified(connected + 1)
        return self.adapter

    async def __aexit__(self, *exc: object) -> None:
        await self.adapter.stop()
        assert self._task is not None
        await asyncio.wait_for(asyncio.gather(self._task, return_exceptions=True), 10)


def text(message: JsonDict) -> str:
    """What the user reads: the content, then every embed's title and description."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    shown = "\n".join(part for part in parts if part)
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", shown)  # escapes are not shown


def custom_ids(message: JsonDict) -> list[str]:
    return [
        component["custom_id"]
        for row in message.get("components") or []
        for component in row.get("components", [])
        if "custom_id" in component
    ]


async def run(
    dc: FakeDiscord, user: int, command: str, options: dict[str, Any] | None = None, **where: Any
) -> FakeInteraction:
    interaction = await dc.slash(user, command, options, **where)
    await interaction.wait_for_messages(1, timeout=10)
    assert not interaction.failed
    return interaction


class RecordingCoach:
    """The real core, noting each command and the update it came in as an adapter hands
    it over."""

    def __init__(self, coach: Coach) -> None:
        self._coach = coach
        self.commands: list[Command | Unparsed] = []
        self.update_keys: list[str | None] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coach, name)

    async def run(self, who: LearnerRef, command: Command | Unparsed, **kwargs: Any) -> Outcome:
        self.commands.append(command)
        self.update_keys.append(kwargs.get("update_key"))
        return await self._coach.run(who, command, **kwargs)


class DmOutbox:
    """The scheduler's side against the fake: enqueue what is due, drain it by DM."""

    def __init__(
        self, adapter: DiscordAdapter, coach: Coach, engine: AsyncEngine, clock: FrozenClock
    ) -> None:
        self.clock = clock
        self.outreach = Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), clock)
        self.sender = Sender(
            self.outreach,
            # The default COACH_DISCORD_SEND_RATE, leaving Discord's 50 a second some room.
            {"discord": DiscordMessenger(adapter, RateGate(RateLimits(40.0, 1.0, None)))},
            worker="e2e",
            settings=SenderSettings(quick_wait=0.05),
        )

    async def deliver_at(self, moment: datetime) -> None:
        self.clock.set(moment)
        await self.outreach.enqueue_due()
        while await self.sender.drain_once():
            pass


# -- in a server channel ---------------------------------------------------------------


async def said_in(
    dc: FakeDiscord, user: int, command: str, channel: int = CHANNEL, **options: Any
) -> FakeInteraction:
    return await run(dc, user, command, options or None, channel_id=channel)


def shown(interaction: FakeInteraction) -> str:
    return "\n".join(text(message) for message in interaction.messages)


def posts(dc: FakeDiscord, channel: int = CHANNEL) -> list[JsonDict]:
    """What the channel shows everyone: the bot's messages that are not ephemeral."""
    return [msg for msg in dc.channel_messages(channel) if not msg["flags"] & EPHEMERAL]
