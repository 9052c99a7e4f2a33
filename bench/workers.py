"""Three workers' combined send rate, with N learners due for their morning message at once.

Three `python -m bot` processes share one fresh PostgreSQL database and one bot on the
fake Bot API in this process (long polling: the workers elect one poller), which enforces
Telegram's limits (30 messages a second for the bot, one a second per private chat, 20 a
minute per group) and counts the 429s it answers. The scheduler is on, ticking every
second, on a clock frozen at Tuesday 09:00 UTC. The learners were made by /start through
the core an hour before (UTC, mornings at 09:00 by default), so all of them are due at
that instant; Tuesday is no quiz day, so each is owed exactly one message.

Measured from the instants the fake accepted the messages: the rate over the steady part
(the middle 80% of the messages, leaving out the workers' start and the tail) and that
rate over Telegram's 30/s; the 429s; the chats that got two messages within a second;
and whether every learner got exactly one message. Run once with COACH_TELEGRAM_SEND_RATE
at the limit (30) and once at the coach's default.

    python -m bench.workers [--quick] [--learners 1500] [--workers 3] [--rates 30,default]

Timings on a shared machine are noisy; compare the runs within one sitting.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.coach_support import (
    STARTUP,
    TOKEN,
    Coach,
    coach_env,
    create_database,
    database_url,
    drop_database,
    imported_from,
    load,
    machine,
    sends,
    server_version,
    timed,
    wait_until,
)
from core.app.coach import Coach as CoreCoach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_engine, make_sessions
from core.storage.migrate import upgrade
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes.telegram import FakeTelegram

FIRST_USER = 820_000_000
LIMIT = 30.0  # Telegram's messages a second for one bot, as the fake enforces it
STARTED_AT = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # a Tuesday: no quiz day by default
MORNING = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # the default nudge time, in UTC
STEADY = (0.1, 0.9)  # the share of messages left out at the start and kept until
SEED_CONCURRENCY = 8
QUIET = 15.0  # seconds without a new message after which the run is over


@dataclass(frozen=True)
class Run:
    rate: str  # COACH_TELEGRAM_SEND_RATE, or "default"
    learners: int
    instants: list[float]  # every accepted message, in order
    per_chat: dict[int, list[float]]
    too_many_requests: int
    early_retries: int
    most_in_one_second: int
    outbox: dict[str, int]
    senders: int  # workers that were elected to send
    pollers: int

    @property
    def steady_rate(self) -> float:
        n = len(self.instants)
        first, last = int(n * STEADY[0]), max(int(n * STEADY[1]) - 1, 0)
        span = self.instants[last] - self.instants[first] if n else 0.0
        return (last - first) / span if span > 0 else 0.0

    @property
    def overall_rate(self) -> float:
        n = len(self.instants)
        span = self.instants[-1] - self.instants[0] if n > 1 else 0.0
        return (n - 1) / span if span > 0 else 0.0

    @property
    def close_pairs(self) -> int:
        """Chats that got two messages less than a second apart."""
        return sum(
            any(b - a < 1.0 for a, b in itertools.pairwise(instants))
            for instants in self.per_chat.values()
        )

    @property
    def missing(self) -> int:
        return self.learners - len(self.per_chat)

    @property
    def duplicates(self) -> int:
        return sum(len(instants) - 1 for instants in self.per_chat.values())


async def seed(url: str, learners: list[int]) -> None:
    """Each learner's /start through the core, an hour before their first morning."""
    engine = make_engine(url, pool_size=SEED_CONCURRENCY)
    try:
        await upgrade(engine)
        coach = CoreCoach(
            SqlUnitOfWorkFactory(make_sessions(engine)), FrozenClock(STARTED_AT), BuiltinCatalog()
        )
        queue = list(reversed(learners))

        async def start() -> None:
            while queue:
                user = queue.pop()
                reply = await coach.handle(LearnerRef("telegram", str(user), "Learner"), "/start")
                if not isinstance(reply, Reply):
                    raise AssertionError(f"/start was answered {reply!r}")

        await asyncio.gather(*(start() for _ in range(SEED_CONCURRENCY)))
        async with engine.connect() as connection:
            due = await connection.scalar(
                select(func.count())
                .select_from(m.Enrollment)
                .where(m.Enrollment.next_nudge_at <= MORNING)
            )
        if due != len(learners):
            raise AssertionError(f"{due} of {len(learners)} learners are due at {MORNING}")
    finally:
        await engine.dispose()


def elected(worker: Coach, election: str) -> bool:
    return any(election in line and "this worker is elected" in line for line in worker.lines)


async def outbox_statuses(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(m.OutboxMessage.status, func.count()).group_by(m.OutboxMessage.status)
            )
            return {str(status): int(count) for status, count in rows.all()}
    finally:
        await engine.dispose()


async def until_sent(tg: FakeTelegram, workers: list[Coach], expected: int, within: float) -> None:
    """Until every message is out, or none came for a while (one postponed past the frozen
    clock never comes): the run is over either way, and the report counts what is missing."""
    deadline = time.monotonic() + within
    last_count, last_change = 0, time.monotonic()
    while True:
        for worker in workers:
            worker.check_alive()
        count = len(tg.send_times())
        now = time.monotonic()
        if count != last_count:
            last_count, last_change = count, now
        if count >= expected:
            return
        if (count and now - last_change > QUIET) or now > deadline:
            print(f"  stopped waiting at {count:,} of {expected:,} messages")
            return
        await asyncio.sleep(0.2)


async def one_run(template: str, rate: str, learners: list[int], workers: int, tick: float) -> Run:
    name = await create_database(template)
    url = database_url(name)
    try:
        async with FakeTelegram(token=TOKEN) as tg:
            for user in learners:
                tg.add_user(user, f"Learner {user}")
            tg.enforce_rates()  # Telegram's: 30/s for the bot, 1/s a chat, 20/min a group
            settings = {
                "DATABASE_URL": url,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE": tg.base_url,
                "COACH_TICK_SECONDS": f"{tick:g}",
                "COACH_FROZEN_TIME": MORNING.isoformat(),
                "COACH_OPS_LISTEN": "off",  # workers on one host would want one port
                "LOG_LEVEL": "INFO",  # the elections are logged at INFO
            }
            env = coach_env(**settings)
            env.pop("COACH_TELEGRAM_SEND_RATE", None)
            if rate != "default":
                env["COACH_TELEGRAM_SEND_RATE"] = rate
            with tempfile.TemporaryDirectory() as folder:
                cwd = Path(folder)
                print(f"  coach code: {imported_from(env, cwd)}")
                started = [await Coach.start(env, cwd) for _ in range(workers)]
                try:
                    with timed("workers elected a poller and a sender"):
                        await wait_until(
                            lambda: all(
                                any(elected(w, election) for w in started)
                                for election in ("outbox-sender", "telegram-polling:")
                            ),
                            within=STARTUP,
                            what="a sender elected",
                            coaches=started,
                        )
                    with timed("sent"):
                        within = 120 + 3 * len(learners) / LIMIT
                        await until_sent(tg, started, len(learners), within)
                    await asyncio.sleep(3)  # a late duplicate would show by now
                    # Counted before stopping: a stopping leader hands its lead on.
                    senders = sum(elected(w, "outbox-sender") for w in started)
                    pollers = sum(elected(w, "telegram-polling:") for w in started)
                finally:
                    for worker in started:
                        await worker.stop()
            per_chat: dict[int, list[float]] = defaultdict(list)
            instants: list[float] = []
            for chat, at in sends(tg):
                per_chat[chat].append(at)
                instants.append(at)
            instants.sort()
            return Run(
                rate=rate,
                learners=len(learners),
                instants=instants,
                per_chat=dict(per_chat),
                too_many_requests=tg.too_many_requests,
                early_retries=len(tg.early_retries),
                most_in_one_second=tg.max_sends_in_window(1.0),
                outbox=await outbox_statuses(url),
                senders=senders,
                pollers=pollers,
            )
    finally:
        await drop_database(name)


def report(runs: list[Run]) -> None:
    def rate_name(run: Run) -> str:
        return f"R = {run.rate}" if run.rate != "default" else "R = default (25)"

    rows: list[tuple[str, list[str], str]] = [
        ("learners due", [f"{r.learners:,}" for r in runs], ""),
        ("messages accepted", [f"{len(r.instants):,}" for r in runs], ""),
        ("steady rate, middle 80% (msg/s)", [f"{r.steady_rate:.2f}" for r in runs], ""),
        (
            f"steady rate ÷ limit ({LIMIT:g}/s)",
            [f"{r.steady_rate / LIMIT:.3f}" for r in runs],
            "≥ 0.95",
        ),
        ("first to last message (msg/s)", [f"{r.overall_rate:.2f}" for r in runs], ""),
        ("most messages in any 1 s", [f"{r.most_in_one_second}" for r in runs], f"≤ {LIMIT:g}"),
        ("429s answered", [f"{r.too_many_requests}" for r in runs], "0"),
        ("sends during a 429's wait", [f"{r.early_retries}" for r in runs], "0"),
        ("chats with 2 messages within 1 s", [f"{r.close_pairs}" for r in runs], "0"),
        ("learners with no message", [f"{r.missing}" for r in runs], "0"),
        ("messages beyond one a learner", [f"{r.duplicates}" for r in runs], "0"),
        (
            "outbox rows by status",
            [", ".join(f"{k} {v:,}" for k, v in sorted(r.outbox.items())) for r in runs],
            "",
        ),
        ("workers elected to send", [f"{r.senders}" for r in runs], "1"),
        ("workers elected to poll", [f"{r.pollers}" for r in runs], "1"),
    ]
    head = ["figure", *(rate_name(r) for r in runs), "goal"]
    cells = [head, *([name, *values, goal] for name, values, goal in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    print()
    print("| " + " | ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)) + " |")
    rule = ["-" * (widths[0] + 2)] + ["-" * (w + 1) + ":" for w in widths[1:-1]]
    print("|" + "|".join([*rule, "-" * (widths[-1] + 2)]) + "|")
    for row in cells[1:]:
        name, *values, goal = row
        line = [name.ljust(widths[0])]
        line += [v.rjust(w) for v, w in zip(values, widths[1:-1], strict=True)]
        line.append(goal.ljust(widths[-1]))
        print("| " + " | ".join(line) + " |")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="300 learners")
    parser.add_argument("--learners", type=int, help="learners due at once (1,500)")
    parser.add_argument("--workers", type=int, default=3, help="coach processes")
    parser.add_argument("--tick", type=float, default=1.0, help="COACH_TICK_SECONDS")
    parser.add_argument(
        "--rates",
        default="30,default",
        help="COACH_TELEGRAM_SEND_RATE of each run; 'default' leaves it unset",
    )
    args = parser.parse_args()
    count = args.learners or (300 if args.quick else 1_500)
    learners = [FIRST_USER + n for n in range(count)]
    print(f"{machine()}; PostgreSQL {await server_version()}")
    print(
        f"{count:,} learners due at {MORNING:%a %Y-%m-%d %H:%M} UTC, {args.workers} workers, "
        f"a tick every {args.tick:g} s; the fake enforces {LIMIT:g}/s overall, 1/s a chat"
    )
    template = await create_database()
    try:
        with timed(f"seeded {count:,} learners through the core's /start"):
            await seed(database_url(template), learners)
        runs = []
        for rate in args.rates.split(","):
            print(f"\n[COACH_TELEGRAM_SEND_RATE={rate}] {load()}")
            runs.append(await one_run(template, rate, learners, args.workers, args.tick))
            print(f"  {load()}")
    finally:
        await drop_database(template)
    report(runs)


if __name__ == "__main__":
    asyncio.run(main())
