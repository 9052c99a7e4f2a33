"""How fast `/today` and `/done` are, through the core exactly as an adapter calls it.

Seeds N learners (default 100,000) mid-way through week 1, then on each backend:

* statements per command, counted with SQLAlchemy's cursor events (sequential pass);
* p50 / p99 latency of each command (sequential pass);
* commands per second with several commands in flight on one pool (concurrent pass);
* the same figures for a baseline: one raw single-statement round trip per command
  (the identity lookup), on the same pool in the same run.

    python -m bench.commands [--learners 100000] [--commands 2000] [--backends sqlite,postgres]

Timings on a shared machine are noisy: compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog, builtin_track
from core.storage import models as m
from core.storage.engine import make_engine, make_sessions
from core.storage.migrate import upgrade
from core.storage.rows import days_to_mask
from core.storage.unit_of_work import SqlUnitOfWorkFactory

POSTGRES_ADMIN_URL = os.environ.get(
    "COACH_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
MONDAY = date(2026, 11, 16)
WEDNESDAY_NOON = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
SEED_CHUNK = 5_000
DONE_PER_LEARNER = 2  # items already ticked, so the week's completions join is not empty


@dataclass
class Figures:
    name: str
    statements: float
    p50_ms: float
    p99_ms: float
    per_second: float


class StatementCounter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


async def seed(engine: AsyncEngine, learners: int) -> None:
    week = builtin_track().weeks[0]
    created = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    study_days = days_to_mask(frozenset(range(6)))
    async with engine.begin() as connection:
        for start in range(1, learners + 1, SEED_CHUNK):
            ids = range(start, min(start + SEED_CHUNK, learners + 1))
            await connection.execute(
                insert(m.Learner), [{"id": i, "created_at": created} for i in ids]
            )
            await connection.execute(
                insert(m.Identity),
                [
                    {
                        "id": i,
                        "learner_id": i,
                        "platform": "bench",
                        "external_id": str(i),
                        "display_name": "",
                        "created_at": created,
                    }
                    for i in ids
                ],
            )
            await connection.execute(
                insert(m.Enrollment),
                [
                    {
                        "id": i,
                        "learner_id": i,
                        "track_id": "python-backend",
                        "active": True,
                        "started_on": MONDAY,
                        "pace": "standard",
                        "timezone": ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")[
                            i % 4
                        ],
                        "study_days": study_days,
                        "nudge_time": clock_time(9, 0),
                        "current_week_id": week.id,
                        "week_opened_on": MONDAY,
                        "active_days": b"\x03",
                        "paused_days": b"",
                        "next_nudge_at": datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
                        "created_at": created,
                    }
                    for i in ids
                ],
            )
            await connection.execute(
                insert(m.Completion),
                [
                    {
                        "enrollment_id": i,
                        "week_id": week.id,
                        "item_id": week.items[n].id,
                        "done_on": date(2026, 11, 16 + n),
                        "done_at": created,
                        "completes_week": False,
                    }
                    for i in ids
                    for n in range(DONE_PER_LEARNER)
                ],
            )
        if engine.dialect.name == "postgresql":
            for table in ("learners", "identities", "enrollments", "completions"):
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
            await connection.execute(text("ANALYZE"))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def drain(queue: list[int], call: Callable[[int], Awaitable[object]]) -> None:
    while queue:
        await call(queue.pop())


async def measure(
    name: str,
    call: Callable[[int], Awaitable[object]],
    learners: list[int],
    concurrent_rounds: list[list[int]],
    counter: StatementCounter,
    concurrency: int,
) -> Figures:
    # Sequential: statements and latency of each call on its own.
    latencies: list[float] = []
    before = counter.count
    for learner in learners:
        started = time.perf_counter()
        await call(learner)
        latencies.append((time.perf_counter() - started) * 1000)
    statements = (counter.count - before) / len(learners)

    # Concurrent: throughput with `concurrency` calls in flight on the same pool. Noise on a
    # shared machine only ever slows a round down, so the best of several rounds is reported.
    best = 0.0
    for round_learners in concurrent_rounds:
        queue = list(round_learners)

        started = time.perf_counter()
        await asyncio.gather(*(drain(queue, call) for _ in range(concurrency)))
        best = max(best, len(round_learners) / (time.perf_counter() - started))
    return Figures(
        name, statements, statistics.median(latencies), percentile(latencies, 0.99), best
    )


async def bench_backend(
    url: str, learners: int, commands: int, concurrency: int, rounds: int
) -> list[Figures]:
    engine = make_engine(url, pool_size=concurrency)
    try:
        await upgrade(engine)
        started = time.perf_counter()
        await seed(engine, learners)
        print(f"  seeded {learners:,} learners in {time.perf_counter() - started:.1f} s")
        coach = Coach(
            SqlUnitOfWorkFactory(make_sessions(engine)),
            FrozenClock(WEDNESDAY_NOON),
            BuiltinCatalog(),
        )
        counter = StatementCounter(engine)
        rng = random.Random(7)
        # Distinct learners for every /done pass, so each one ticks a fresh item.
        needed = commands * (1 + rounds)
        if needed > learners:
            raise SystemExit(
                f"need at least {needed:,} learners for {commands:,} commands x {rounds} rounds"
            )
        sample = rng.sample(range(1, learners + 1), needed)
        passes = [sample[i * commands : (i + 1) * commands] for i in range(1 + rounds)]

        def ref(learner: int) -> LearnerRef:
            return LearnerRef("bench", str(learner))

        async def today(learner: int) -> object:
            return await coach.handle(ref(learner), "/today")

        async def done(learner: int) -> object:
            reply = await coach.handle(ref(learner), "/done")
            if not isinstance(reply, Reply) or ": done." not in reply.plain_text():
                raise AssertionError(repr(reply))
            return reply

        lookup = text(
            "SELECT learner_id FROM identities WHERE platform = :platform AND external_id = :external_id"
        )

        async def round_trip(learner: int) -> object:
            async with engine.connect() as connection:
                return (
                    await connection.execute(
                        lookup, {"platform": "bench", "external_id": str(learner)}
                    )
                ).scalar()

        # Warm the pool and the statement caches.
        for learner in passes[0][:50]:
            await today(learner)
            await round_trip(learner)
        sequential, rounds_of_learners = passes[0], passes[1:]
        return [
            await measure(
                "baseline: 1 raw round trip",
                round_trip,
                sequential,
                rounds_of_learners,
                counter,
                concurrency,
            ),
            await measure("/today", today, sequential, rounds_of_learners, counter, concurrency),
            # Last, so the read-only passes above saw every learner mid-week.
            await measure("/done", done, sequential, rounds_of_learners, counter, concurrency),
        ]
    finally:
        await engine.dispose()


async def postgres_database() -> tuple[str, Callable[[], Awaitable[None]]]:
    name = f"coach_bench_{uuid.uuid4().hex[:8]}"
    admin_dsn = (
        make_url(POSTGRES_ADMIN_URL)
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    await admin(f'CREATE DATABASE "{name}"')

    async def drop() -> None:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(
        hide_password=False
    ), drop


def report(backend: str, figures: list[Figures]) -> None:
    baseline = figures[0]
    print(f"\n{backend}")
    print(f"| {'command':<28} | statements | p50 ms | p99 ms | commands/s | vs baseline |")
    print(f"|{'-' * 30}|-----------:|-------:|-------:|-----------:|------------:|")
    for f in figures:
        print(
            f"| {f.name:<28} | {f.statements:>10.2f} | {f.p50_ms:>6.2f} | {f.p99_ms:>6.2f} "
            f"| {f.per_second:>10.0f} | {f.per_second / baseline.per_second:>11.2f} |"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--commands", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--rounds", type=int, default=3, help="concurrent rounds; the best is reported"
    )
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    for backend in args.backends.split(","):
        print(f"\n[{backend}]")
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
                figures = await bench_backend(
                    url, args.learners, args.commands, args.concurrency, args.rounds
                )
        elif backend == "postgres":
            url, drop = await postgres_database()
            try:
                figures = await bench_backend(
                    url, args.learners, args.commands, args.concurrency, args.rounds
                )
            finally:
                await drop()
        else:
            raise SystemExit(f"unknown backend {backend!r}: use sqlite or postgres")
        report(backend, figures)


if __name__ == "__main__":
    asyncio.run(main())
