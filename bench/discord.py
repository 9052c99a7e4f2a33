"""How fast the Discord adapter answers an interaction, as Discord sees it.

The real adapter — discord.py over HTTP and the gateway websocket — serves the fake
Discord of the tests (``tests/fakes/discord.py``) on 127.0.0.1. An interaction's time runs
from the fake dispatching INTERACTION_CREATE on the gateway to the interaction callback
(the answer) arriving at the fake, both stamped by the fake: the gateway frame
(zlib-stream), discord.py's parsing and command tree or dynamic items, the core,
rendering, and the callback's HTTP request on loopback. A baseline ``/echo`` command on
the same bot's tree, answering "ok" without the core, runs in the same run.

    python -m bench.discord [--learners 2000] [--interactions 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.gateway import DiscordWebSocket

from adapters.discord.bot import DiscordAdapter, use_api_base
from adapters.discord.render import ACTION_PREFIX
from bench.commands import WEDNESDAY_NOON, percentile, seed
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from core.storage.engine import make_engine, make_sessions
from core.storage.migrate import upgrade
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes.discord import FakeDiscord, FakeInteraction

FIRST_USER = 2_000_000_000_000_000_001
DEFERRED = frozenset({5, 6})  # "thinking…" and the deferred update of a pressed message
# How often a driver looks whether its interaction was answered. Latency is taken from the
# fake's own stamps, so this only paces the drivers.
POLL = 0.0005

Act = Callable[[int], Awaitable[FakeInteraction]]


@dataclass
class Row:
    name: str
    p50_ms: float
    p99_ms: float
    per_second: float
    interactions: list[FakeInteraction]


async def answered(interaction: FakeInteraction) -> FakeInteraction:
    """Once the bot's first callback was accepted, or the 3 s window closed without one."""
    while interaction.response_type is None and not interaction.failed:  # noqa: ASYNC110 - the fake has no event to wait on
        await asyncio.sleep(POLL)
    return interaction


def latency_ms(interaction: FakeInteraction) -> float:
    if interaction.answered_monotonic is None:
        raise AssertionError(f"{interaction!r} was not answered")
    return (interaction.answered_monotonic - interaction.created_monotonic) * 1000


async def settled(fake: FakeDiscord, since: int) -> None:
    """Until every request the bot made since `since` was answered, and a moment more for
    the bot to read the last answer, so sequential interactions do not overlap."""
    while any(record.status is None for record in fake.requests[since:]):  # noqa: ASYNC110
        await asyncio.sleep(POLL)
    await asyncio.sleep(0.001)


async def measure(
    name: str, fake: FakeDiscord, act: Act, users: list[int], concurrency: int
) -> Row:
    """Latency from the first half of `users` one at a time, throughput from the second
    half with `concurrency` interactions in flight."""
    half = len(users) // 2
    done: list[FakeInteraction] = []
    for user in users[:half]:
        since = len(fake.requests)
        done.append(await answered(await act(user)))
        await settled(fake, since)
    latencies = [latency_ms(interaction) for interaction in done]

    queue = list(reversed(users[half:]))
    flight: list[FakeInteraction] = []

    async def drain() -> None:
        while queue:
            flight.append(await answered(await act(queue.pop())))

    await asyncio.gather(*(drain() for _ in range(concurrency)))
    first = min(interaction.created_monotonic for interaction in flight)
    last = max(interaction.answered_monotonic or time.monotonic() for interaction in flight)
    await settled(fake, 0)
    return Row(
        name,
        statistics.median(latencies),
        percentile(latencies, 0.99),
        len(flight) / (last - first),
        done + flight,
    )


def echo_command() -> app_commands.Command[Any, ..., None]:
    async def echo(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("ok")

    return app_commands.Command(
        name="echo", description="Answers ok (the benchmark's baseline)", callback=echo
    )


def first_done(message: dict[str, Any]) -> str:
    """The custom_id of the first ✓ button of a /today message."""
    for row in message.get("components") or []:
        for component in row.get("components", []):
            custom_id = str(component.get("custom_id", ""))
            if custom_id.startswith(ACTION_PREFIX + "done:"):
                return custom_id
    raise AssertionError(f"no ✓ button on {message}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--learners", type=int, default=2_000)
    parser.add_argument("--interactions", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    n = args.interactions
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        await upgrade(engine)
        await seed(engine, args.learners)
        coach = Coach(
            SqlUnitOfWorkFactory(make_sessions(engine)),
            FrozenClock(WEDNESDAY_NOON),
            BuiltinCatalog(),
        )
        async with FakeDiscord() as fake:
            # n for the sequential pass and n more for the concurrent one.
            users = [FIRST_USER + i for i in range(2 * n)]
            for user in users:
                fake.add_user(user, f"l{user % 100_000}", f"L{user % 100_000}")
            adapter = DiscordAdapter(coach, fake.token, api_base=fake.api_base)
            adapter.bot.tree.add_command(echo_command())  # synced with the rest at login
            task = asyncio.create_task(adapter.start())
            try:
                await fake.wait_identified()

                # Seeded learners are identities ("bench", n); on Discord they are new
                # users, so each first /start makes its learner, outside the measurement.
                async def start(user: int) -> FakeInteraction:
                    return await fake.slash(user, "start")

                await measure("/start", fake, start, users, args.concurrency)

                async def echo(user: int) -> FakeInteraction:
                    return await fake.slash(user, "echo")

                async def today(user: int) -> FakeInteraction:
                    return await fake.slash(user, "today")

                echo_row = await measure(
                    "echo command (baseline)", fake, echo, users, args.concurrency
                )
                today_row = await measure("/today", fake, today, users, args.concurrency)
                # Each learner presses ✓ on the /today message they just got.
                todays = {i.user_id: i.original for i in today_row.interactions}

                async def tick(user: int) -> FakeInteraction:
                    message = todays[user]
                    assert message is not None
                    return await fake.press(user, message, first_done(message))

                tick_row = await measure(
                    "✓ button (/done + edit)", fake, tick, users, args.concurrency
                )
                rows = [echo_row, today_row, tick_row]
            finally:
                await adapter.stop()
                await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)
                use_api_base(None)
                DiscordWebSocket.DEFAULT_GATEWAY = gateway
            internal_errors = list(fake.internal_errors)
        await engine.dispose()

    measured = [i for row in rows for i in row.interactions]
    deferred = sum(1 for i in measured if i.response_type in DEFERRED)
    failed = sum(1 for i in measured if i.failed or i.response_type is None)
    refused = sum(1 for i in measured for _, status in i.callbacks if status != 200)
    slowest = max(latency_ms(i) for i in measured if i.answered_monotonic is not None)
    baseline = rows[0].per_second
    print(
        f"{n:,} sequential + {n:,} with {args.concurrency} in flight each,"
        f" {args.learners:,} seeded learners, database {engine.dialect.name}"
    )
    print(f"| {'interaction':<26} | p50 ms | p99 ms | interactions/s | vs echo |")
    print(f"|{'-' * 28}|-------:|-------:|---------------:|--------:|")
    for row in rows:
        print(
            f"| {row.name:<26} | {row.p50_ms:>6.2f} | {row.p99_ms:>6.2f}"
            f" | {row.per_second:>14.0f} | {row.per_second / baseline:>7.2f} |"
        )
    print(
        f"{len(measured):,} interactions: {deferred} deferred (response type 5/6),"
        f" {failed} past the 3 s deadline, {refused} callbacks refused,"
        f" slowest answer {slowest:.1f} ms; {len(internal_errors)} errors of the fake"
    )


if __name__ == "__main__":
    asyncio.run(main())
