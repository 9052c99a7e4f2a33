"""Two workers on one Discord token, each running its own gateway shards over one
database: an interaction reaches only the worker whose shard carries its server (a DM's,
shard 0's), and is answered once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.bot import DiscordAdapter, use_api_base
from bot.cli import main
from bot.config import load_settings
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from core.storage.engine import make_engine, make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import coach_env
from tests.e2e.discord_support import (
    ADA_DC,
    BOB_DC,
    CHANNEL,
    GUILD,
    RecordingCoach,
    Running,
    custom_ids,
    run,
    text,
)
from tests.fakes.discord import FakeDiscord, FakeInteraction, shard_for

# One more in the snowflake's timestamp bits: the server falls in the other of two shards.
OTHER_GUILD = GUILD + (1 << 22)
OTHER_CHANNEL = 3_000_000_000_000_000_003
SYNC = "PUT /applications/{application_id}/commands"


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Any:
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    yield
    use_api_base(None)
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


def worker_coach(engine: AsyncEngine, clock: FrozenClock) -> RecordingCoach:
    return RecordingCoach(
        Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())
    )


@pytest.fixture
async def workers(
    dc: FakeDiscord, engine: AsyncEngine, database_url: str, clock: FrozenClock
) -> AsyncIterator[tuple[RecordingCoach, RecordingCoach]]:
    """Shard 0 and shard 1 of two, each in a worker with its own engine, as two `coach run`
    processes have."""
    dc.add_guild(OTHER_GUILD, "Night owls", owner_id=BOB_DC)
    dc.add_channel(OTHER_GUILD, OTHER_CHANNEL, "late")
    dc.add_member(OTHER_GUILD, ADA_DC)
    assert (shard_for(GUILD, 2), shard_for(OTHER_GUILD, 2)) == (0, 1)
    other_engine = make_engine(database_url)
    first, second = worker_coach(engine, clock), worker_coach(other_engine, clock)
    try:
        async with (
            Running(dc, first, shard_count=2, shard_ids=[0]),  # type: ignore[arg-type]
            Running(dc, second, shard_count=2, shard_ids=[1]),  # type: ignore[arg-type]
        ):
            yield first, second
    finally:
        await other_engine.dispose()
    assert dc.internal_errors == []


def keys(*interactions: FakeInteraction) -> list[str]:
    return sorted(f"dc:{interaction.id}" for interaction in interactions)


async def test_each_interaction_is_answered_once_by_the_worker_of_its_shard(
    dc: FakeDiscord, workers: tuple[RecordingCoach, RecordingCoach]
) -> None:
    first, second = workers
    assert sorted(identify["shard"] for identify in dc.identifies) == [[0, 2], [1, 2]]
    # Only shard 0's worker registers the commands, so the workers never undo each other.
    assert len(dc.requests_to(SYNC)) == 1

    started = await run(dc, ADA_DC, "start")  # a DM: shard 0
    here = await run(dc, ADA_DC, "today", channel_id=CHANNEL)
    there = await run(dc, ADA_DC, "today", channel_id=OTHER_CHANNEL)
    [plan] = there.messages
    ticked = await dc.press(ADA_DC, plan, custom_ids(plan)[0])
    await ticked.wait_answered(timeout=10)
    # Shard 0's worker reads what shard 1's wrote: they share one database.
    progress = await run(dc, ADA_DC, "progress")
    assert "Items done: 1 of 172" in text(progress.messages[0])

    on_first, on_second = (started, here, progress), (there, ticked)
    assert sorted(first.update_keys, key=str) == keys(*on_first)
    assert sorted(second.update_keys, key=str) == keys(*on_second)
    for interaction in on_first:
        assert interaction.delivered_to == [(0, 2)]
    for interaction in on_second:
        assert interaction.delivered_to == [(1, 2)]
    for interaction in (*on_first, *on_second):
        # One answer: a second worker's callback would have been refused with 40060.
        assert [status for _, status in interaction.callbacks] == [200], interaction
        assert not interaction.failed


@pytest.mark.postgres
@pytest.mark.usefixtures("two_engines")  # an emptied PostgreSQL database
async def test_two_coach_run_workers_split_discord_by_shard(
    dc: FakeDiscord, migrated_postgres_url: str, tmp_path: Path
) -> None:
    dc.add_guild(OTHER_GUILD, "Night owls", owner_id=BOB_DC)
    dc.add_channel(OTHER_GUILD, OTHER_CHANNEL, "late")
    dc.add_member(OTHER_GUILD, ADA_DC)
    env = coach_env()
    env.update(
        DATABASE_URL=migrated_postgres_url,
        DISCORD_BOT_TOKEN=dc.token,
        DISCORD_API_BASE=dc.api_base,
        DISCORD_SHARD_COUNT="2",
        COACH_FROZEN_TIME="2026-11-16T09:00:00+00:00",
        COACH_OPS_LISTEN="off",  # two workers on one machine
    )
    workers = [
        await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot"),
            env={**env, "DISCORD_SHARD_IDS": str(shard)},
            cwd=str(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for shard in (0, 1)
    ]
    try:
        await dc.wait_for(lambda f: f.shards == [(0, 2), (1, 2)] and bool(f.commands), 60)
        started = await dc.slash(ADA_DC, "start")
        await started.wait_for_messages(1, timeout=15)
        there = await dc.slash(ADA_DC, "today", channel_id=OTHER_CHANNEL)
        await there.wait_for_messages(1, timeout=15)
    finally:
        for worker in workers:
            worker.terminate()
        ended = [await asyncio.wait_for(worker.communicate(), 30) for worker in workers]
    for worker, (_, stderr) in zip(workers, ended, strict=True):
        assert worker.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr, stderr.decode()
    assert (started.delivered_to, there.delivered_to) == ([(0, 2)], [(1, 2)])
    for interaction in (started, there):
        assert [status for _, status in interaction.callbacks] == [200]
    assert "Welcome" in text(started.messages[0])
    assert len(dc.requests_to(SYNC)) == 1


async def test_a_worker_runs_every_shard_unless_told_which(coach: Coach) -> None:
    alone = DiscordAdapter(coach, "token")
    every = DiscordAdapter(coach, "token", shard_count=3)
    second = DiscordAdapter(coach, "token", shard_count=3, shard_ids=[2, 1])
    try:
        assert not isinstance(alone.bot, commands.AutoShardedBot)
        assert alone.bot.shard_count is None and alone.syncs_commands
        assert isinstance(every.bot, commands.AutoShardedBot)
        assert (every.bot.shard_count, every.bot.shard_ids) == (3, [0, 1, 2])
        assert every.syncs_commands
        assert isinstance(second.bot, commands.AutoShardedBot)
        assert second.bot.shard_ids == [1, 2] and not second.syncs_commands
    finally:
        for adapter in (alone, every, second):
            await adapter.bot.close()
    with pytest.raises(ValueError, match="from 0 to 1"):
        DiscordAdapter(coach, "token", shard_count=2, shard_ids=[2])


def test_shard_settings_name_this_worker_s_shards(
    clean_settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_settings_env.chdir(tmp_path)  # no .env of the machine's
    assert (load_settings().discord_shard_count, load_settings().discord_shard_ids) == (None, None)
    clean_settings_env.setenv("DISCORD_SHARD_COUNT", "4")
    assert (load_settings().discord_shard_count, load_settings().discord_shard_ids) == (4, None)
    clean_settings_env.setenv("DISCORD_SHARD_IDS", " 3, 1")
    assert load_settings().discord_shard_ids == (3, 1)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,2"}, "shard 2 is not below"),
        ({"DISCORD_SHARD_IDS": "1"}, "set DISCORD_SHARD_COUNT too"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0;1"}, "separated by commas"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,1"}, "named twice"),
        ({"DISCORD_SHARD_COUNT": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_shard_settings_stop_the_coach_with_one_line(
    clean_settings_env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    problem: str,
) -> None:
    clean_settings_env.chdir(tmp_path)
    for name, value in env.items():
        clean_settings_env.setenv(name, value)
    assert main(["run"]) == 2
    said = capsys.readouterr().err
    name = "DISCORD_SHARD_IDS" if "DISCORD_SHARD_IDS" in env else "DISCORD_SHARD_COUNT"
    assert said.startswith(f"configuration error: {name}: ")
    assert problem in said and said.count("\n") == 1
