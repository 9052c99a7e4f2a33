"""Where a command's time goes, layer by layer: the coach's own code, SQLAlchemy, the
database driver, the event loop, the socket calls, and waiting for the database.

Runs `/today` and `/done` through the core one after another (as `bench.commands` does
for its latency), first plain for the true wall and CPU time per command, then under
cProfile for each layer's share of the time. cProfile slows Python calls down, so the
shares lean towards the layers that make many small calls; read them as proportions.

    python -m bench.layers [--backends sqlite,postgres] [--commands 1500]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite

from bench.coach_support import create_database, database_url, drop_database
from bench.commands import WEDNESDAY_NOON, seed
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.learning.tracks import BuiltinCatalog
from core.storage.engine import make_engine, make_sessions
from core.storage.migrate import upgrade
from core.storage.unit_of_work import SqlUnitOfWorkFactory

ROOT = str(Path(__file__).resolve().parent.parent)
WAITING = ("<method 'poll' of 'select.epoll'", "<method 'acquire' of '_thread.lock'")
SOCKET = ("<method 'send' of '_socket.socket'", "<method 'recv' of '_socket.socket'")


def layer(file: str, function: str) -> str:
    if file == "~":
        if function.startswith(WAITING):
            return "waiting for the database"
        if function.startswith(SOCKET):
            return "socket send/recv (system calls)"
        if "greenlet" in function:
            return "SQLAlchemy"  # its async bridge
        return "built-ins called by the layers"
    if file.startswith(ROOT) and "site-packages" not in file:
        parts = Path(file).relative_to(ROOT).parts
        return f"coach: {'/'.join(parts[:2])}"
    if "site-packages/" in file:
        package = file.split("site-packages/")[1].split("/")[0]
        return {"sqlalchemy": "SQLAlchemy", "greenlet": "SQLAlchemy"}.get(package, package)
    if "/asyncio/" in file or file.endswith(("selectors.py", "threading.py")):
        return "event loop (asyncio, selectors, threads)"
    return "other standard library"


class Hops:
    """Counts the calls aiosqlite hands to its connection's thread, each a hop there and back."""

    def __init__(self) -> None:
        self.count = 0
        handed: Any = aiosqlite.Connection._execute

        async def counted(connection: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
            self.count += 1
            return await handed(connection, fn, *args, **kw)

        aiosqlite.Connection._execute = counted  # type: ignore[method-assign,assignment]


HOPS = Hops()


async def per_command(
    call: Callable[[int], Awaitable[object]], learners: range
) -> tuple[float, float, Counter[str], dict[str, float]]:
    started, cpu, hops = time.perf_counter(), time.process_time(), HOPS.count
    half = len(learners) // 2
    for learner in learners[:half]:
        await call(learner)
    wall = (time.perf_counter() - started) * 1000 / half
    cpu_ms = (time.process_time() - cpu) * 1000 / half
    counts = {"aiosqlite thread hops": (HOPS.count - hops) / half}

    profile = cProfile.Profile()
    profile.enable()
    for learner in learners[half:]:
        await call(learner)
    profile.disable()
    layers: Counter[str] = Counter()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (file, _, function), (_calls, _primitive, own, _cumulative, _callers) in stats.items():
        layers[layer(file, function)] += own
        if function.startswith("<method 'send' of '_socket.socket'"):
            counts["socket sends"] = _calls / (len(learners) - half)
    return wall, cpu_ms, layers, counts


async def bench_backend(url: str, commands: int) -> None:
    engine = make_engine(url, pool_size=8)
    try:
        await upgrade(engine)
        await seed(engine, 2 * commands + 100)
        coach = Coach(
            SqlUnitOfWorkFactory(make_sessions(engine)),
            FrozenClock(WEDNESDAY_NOON),
            BuiltinCatalog(),
        )

        def command(text: str) -> Callable[[int], Awaitable[object]]:
            async def call(learner: int) -> object:
                return await coach.handle(LearnerRef("bench", str(learner)), text)

            return call

        for learner in range(2 * commands + 1, 2 * commands + 51):  # warm the caches
            await command("/today")(learner)
        for text, learners in (
            ("/today", range(1, commands + 1)),
            ("/done", range(commands + 1, 2 * commands + 1)),
        ):
            wall, cpu, layers, counts = await per_command(command(text), learners)
            total = sum(layers.values())
            print(f"\n{text}: {wall:.2f} ms wall, {cpu:.2f} ms of this process's CPU per command")
            print(", ".join(f"{name} {count:.1f}" for name, count in counts.items() if count))
            print("| layer | share of the profiled time |")
            print("| --- | ---: |")
            for name, seconds in layers.most_common(10):
                print(f"| {name} | {100 * seconds / total:.0f}% |")
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--commands", type=int, default=1500)
    options = parser.parse_args()
    for backend in options.backends.split(","):
        print(f"\n[{backend}]")
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                await bench_backend(f"sqlite+aiosqlite:///{folder}/layers.db", options.commands)
        else:
            name = await create_database()
            try:
                await bench_backend(database_url(name), options.commands)
            finally:
                await drop_database(name)


if __name__ == "__main__":
    asyncio.run(main())
