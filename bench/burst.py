"""Answers per second and latency under a burst of commands, with and without one slow chat.

A real `python -m bot` process (Telegram by long polling, the scheduler off, the clock
frozen on a Wednesday noon) on a fresh PostgreSQL database answers the fake Bot API
running in this process. N new learners each send /start and, half the spread later,
/today: 2N commands spread evenly over the spread (default 4 s). A command's latency runs
from its update being enqueued in the fake to the first message of its answer the fake
accepted in the learner's chat (`CallRecord.at`); answers/s is the commands answered over
the time from the first enqueued to the last answered.

The second burst does the same with new learners after one more learner, whose chat
Telegram answers only after a stall (`FakeTelegram.stall_chat`), sent /start: how much
one slow chat costs everyone else, and that learner's own wait.

No flood limit is enforced, as in the end-to-end tests of answers: the overall 30/s would
otherwise be what is measured, and the coach paces a chat's answers itself.

    python -m bench.burst [--quick] [--learners 2000] [--spread 4] [--stall 20]
                          [--database-url URL]

Timings on a shared machine are noisy; compare the two bursts within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

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
from bench.commands import WEDNESDAY_NOON, percentile
from core.storage.engine import make_engine
from core.storage.migrate import upgrade
from tests.fakes.telegram import FakeTelegram

FIRST_USER = 810_000_000
COMMANDS = ("/start", "/today")
CLOCK = time.monotonic  # the fake's clock too: enqueue and answer instants compare


@dataclass(frozen=True)
class Sent:
    chat: int
    text: str
    at: float  # when the update was enqueued in the fake


@dataclass(frozen=True)
class Figures:
    name: str
    commands: int
    answered: int
    per_second: float
    latencies: list[float]  # seconds, of the commands answered

    def row(self) -> tuple[str, str, str, str, str, str]:
        ms = sorted(1000 * latency for latency in self.latencies)
        if not ms:
            return self.name, f"{self.commands:,}", "0", "–", "–", "–"
        middle = statistics.median(ms)
        return (
            self.name,
            f"{self.commands:,}",
            f"{self.answered:,}",
            f"{self.per_second:,.0f}" if self.commands > 1 else "–",
            f"{middle:,.1f}",
            f"{percentile(ms, 0.99):,.1f}",
        )


class Answers:
    """The messages the fake accepted, per chat, read once a burst is over."""

    def __init__(self, tg: FakeTelegram) -> None:
        self.by_chat: dict[int, list[float]] = defaultdict(list)
        for chat, at in sends(tg):
            self.by_chat[chat].append(at)
        for instants in self.by_chat.values():
            instants.sort()


async def send_burst(tg: FakeTelegram, learners: list[int], spread: float) -> list[Sent]:
    """Each learner's /start, then their /today half the spread later; all evenly spaced."""
    step = spread / (2 * len(learners))
    plan = sorted(
        (half * spread / 2 + n * step, n, text, learner)
        for half, text in enumerate(COMMANDS)
        for n, learner in enumerate(learners)
    )
    sent: list[Sent] = []
    started = CLOCK()
    for offset, _, text, learner in plan:
        wait = started + offset - CLOCK()
        if wait > 0.001:
            await asyncio.sleep(wait)
        sent.append(Sent(learner, text, CLOCK()))
        tg.send_text(learner, text)
    return sent


async def all_answered(tg: FakeTelegram, coach: Coach, expected: int, within: float) -> None:
    await wait_until(
        lambda: len(tg.send_times()) >= expected,
        within=within,
        what=f"{expected:,} messages accepted",
        coaches=[coach],
    )


def figures(
    name: str, sent: list[Sent], answers: Answers, parts: dict[str, int], after: float
) -> Figures:
    """Latency of each command to the first message of its answer. A learner's answers
    come in the order of their commands, so a command's first message is the one after
    the messages answering the learner's earlier commands."""
    latencies: list[float] = []
    answered_at: list[float] = []
    earlier: dict[int, int] = defaultdict(int)
    for command in sent:
        mine = [at for at in answers.by_chat.get(command.chat, []) if at >= after]
        index = earlier[command.chat]
        earlier[command.chat] += parts[command.text]
        if index < len(mine):
            latencies.append(mine[index] - command.at)
            answered_at.append(mine[index])
    span = max(answered_at, default=0.0) - min(s.at for s in sent)
    per_second = len(answered_at) / span if span > 0 else 0.0
    return Figures(name, len(sent), len(answered_at), per_second, latencies)


async def warm_up(tg: FakeTelegram, coach: Coach, learner: int) -> dict[str, int]:
    """One learner's /start and /today, one at a time: warms the coach up, and tells how
    many messages answer each command."""
    parts: dict[str, int] = {}
    for text in COMMANDS:
        before = len(tg.send_times())
        tg.send_text(learner, text)
        await all_answered(tg, coach, before + 1, within=30)
        await asyncio.sleep(1.0)  # any further parts of the answer
        parts[text] = len(tg.send_times()) - before
    return parts


async def run(args: argparse.Namespace) -> list[Figures]:
    learners = args.learners
    stall = args.stall
    url = args.database_url
    created = None
    if not url:
        created = await create_database()
        url = database_url(created)
    try:
        engine = make_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        async with FakeTelegram(token=TOKEN, clock=CLOCK) as tg:
            users = itertools.count(FIRST_USER)
            warm = next(users)
            calm = [next(users) for _ in range(learners)]
            slow = next(users)
            stalled = [next(users) for _ in range(learners)]
            for user in (warm, *calm, slow, *stalled):
                tg.add_user(user, f"Learner {user}")
            env = coach_env(
                DATABASE_URL=url,
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE=tg.base_url,
                COACH_SCHEDULER="false",
                COACH_FROZEN_TIME=WEDNESDAY_NOON.isoformat(),
                COACH_OPS_LISTEN="off",
                LOG_LEVEL="WARNING",
            )
            with tempfile.TemporaryDirectory() as folder:
                print(f"coach code: {imported_from(env, Path(folder))}")
                coach = await Coach.start(env, Path(folder))
                try:
                    with timed("coach started"):
                        await wait_until(
                            lambda: bool(tg.calls_of("getUpdates")),
                            within=STARTUP,
                            what="the coach polling",
                            coaches=[coach],
                        )
                    parts = await warm_up(tg, coach, warm)
                    print(f"  messages per answer: {parts}")
                    per_learner = sum(parts.values())
                    # Answers are paced within a chat, never past the whole burst's handling.
                    within = 120 + stall + 0.25 * 2 * learners

                    print(f"\n[burst: {learners:,} learners, {args.spread:g} s] {load()}")
                    first = CLOCK()
                    before = len(tg.send_times())
                    with timed("sent"):
                        calm_sent = await send_burst(tg, calm, args.spread)
                    with timed("answered"):
                        await all_answered(tg, coach, before + learners * per_learner, within)
                    calm_figures = figures("no stall", calm_sent, Answers(tg), parts, after=first)

                    print(
                        f"\n[burst: {learners:,} learners after one whose chat is stalled "
                        f"{stall:g} s] {load()}"
                    )
                    first = CLOCK()
                    before = len(tg.send_times())
                    tg.stall_chat(slow, stall)
                    slow_sent = [Sent(slow, "/start", CLOCK())]
                    tg.send_text(slow, "/start")
                    await asyncio.sleep(0.05)  # fetched before the others, as it came first
                    with timed("sent"):
                        stalled_sent = await send_burst(tg, stalled, args.spread)
                    with timed("answered"):
                        expected = before + learners * per_learner + parts["/start"]
                        await all_answered(tg, coach, expected, within)
                    answers = Answers(tg)
                    return [
                        calm_figures,
                        figures(
                            f"one chat stalled {stall:g} s: the others",
                            stalled_sent,
                            answers,
                            parts,
                            after=first,
                        ),
                        figures(
                            "one chat stalled: its own /start",
                            slow_sent,
                            answers,
                            parts,
                            after=first,
                        ),
                    ]
                finally:
                    await coach.stop()
                    print(f"  {load()}")
    finally:
        if created:
            await drop_database(created)


def report(rows: list[Figures]) -> None:
    head = ("burst", "commands", "answered", "answers/s", "p50 ms", "p99 ms")
    cells = [head, *(f.row() for f in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    print()
    print("| " + " | ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)) + " |")
    print(
        "|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths)) + "|"
    )
    for row in cells[1:]:
        first, *rest = row
        line = [
            first.ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)),
        ]
        print("| " + " | ".join(line) + " |")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="300 learners, a 5 s stall")
    parser.add_argument("--learners", type=int, help="learners per burst (2,000)")
    parser.add_argument("--spread", type=float, default=4.0, help="seconds the burst spans")
    parser.add_argument("--stall", type=float, help="seconds the slow chat waits (20)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to use")
    args = parser.parse_args()
    args.learners = args.learners or (300 if args.quick else 2_000)
    args.stall = args.stall if args.stall is not None else (5.0 if args.quick else 20.0)
    print(f"{machine()}; PostgreSQL {await server_version()}")
    rows = await run(args)
    report(rows)


if __name__ == "__main__":
    asyncio.run(main())
