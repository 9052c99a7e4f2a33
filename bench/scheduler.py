"""How the scheduler copes with many learners: the tick, its memory, and the sender's pace.

On PostgreSQL, with learners in 24 time zones and the same number due at the tick instant
whatever the total (the others' next morning and evening moments fall later in the day):

* the tick (`Outreach.enqueue_due`) at a small and a large number of learners, each round
  on a fresh copy of the due state, best of several rounds: a tick that scales with the
  due work, not with the table, costs the same at both sizes;
* outbox rows enqueued per second during that tick;
* the peak RSS of a fresh process running one tick at the large size;
* the sender against a fake Bot API enforcing an overall limit R, paced by a `RateGate`
  set to the same R, through the real path (Outreach, Sender, TelegramMessenger,
  TelegramAdapter, aiogram over HTTP): how close to R it gets, and whether Telegram would
  have refused anything.

    python -m bench.scheduler [--quick] [--small 100000] [--large 1000000] [--due 2000]
                              [--rate 30] [--seconds 10]

Timings on a shared machine are noisy: compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import itertools
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.commands import MONDAY, POSTGRES_ADMIN_URL, StatementCounter, postgres_database
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog, builtin_track
from core.outreach.service import Outreach
from core.storage.engine import make_engine, make_sessions
from core.storage.migrate import upgrade
from core.storage.rows import days_to_mask
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.limits import TELEGRAM_LIMITS, RateGate, RateLimits
from scheduler.sender import Sender

# Half past noon on a Wednesday in UTC: local dates are Wednesday or Thursday, both study
# days, and every zone is at half past an hour, so no due moment of the last half hour
# lies on the local day before the tick's.
TICK_AT = datetime(2026, 11, 18, 12, 30, tzinfo=UTC)
# One zone per whole-hour offset in November, UTC-11 to UTC+12.
ZONES = (
    "Pacific/Pago_Pago",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/Sao_Paulo",
    "Atlantic/South_Georgia",
    "Atlantic/Azores",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Athens",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Brisbane",
    "Pacific/Noumea",
    "Pacific/Fiji",
)
# Due moments lie up to this many minutes before the tick: all within the outreach's
# lateness limit, so every due learner is enqueued and none is skipped.
DUE_SPREAD_MINUTES = 30
STUDY_DAYS = days_to_mask(frozenset(range(6)))
DEFAULT_QUIZ_DAYS = 21  # Mon, Wed, Fri: a due learner on one of them owes a plan and a quiz
TOKEN = "123456:BENCH"
FIRST_TELEGRAM_USER = 700_000_000
BYTES_PER_MB = 1024 * 1024
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROBE_TIMEOUT = 300.0

_LEARNERS = text(
    """
    INSERT INTO learners (id, created_at)
    SELECT i, CAST(:created AS timestamptz)
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
    """
)
_IDENTITIES = text(
    """
    INSERT INTO identities (id, learner_id, platform, external_id, display_name, reachable,
                            created_at)
    SELECT i, i, :platform, CAST(CAST(:external_base AS bigint) + i AS text), '', true,
           CAST(:created AS timestamptz)
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
    """
)
# Every `stride`-th learner, up to `due` of them, is due; the k-th of them takes its zone
# and lateness from k alone, so the due set looks the same whatever the total. The others'
# next moments fall 1 to 1439 minutes after the tick, spread over the day. Local times are
# derived from the instants, as the coach itself would have scheduled them.
_ENROLLMENTS = text(
    """
    WITH ranked AS (
        SELECT i, CASE WHEN i % :stride = 0 AND i / :stride <= :due THEN i / :stride END AS k
        FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
    ), seeded AS (
        SELECT i,
               (CAST(:zones AS text[]))[1 + coalesce(k, i) % cardinality(CAST(:zones AS text[]))]
                   AS tz,
               CASE WHEN k IS NOT NULL
                    THEN CAST(:tick AS timestamptz) - (k % :spread) * interval '1 minute'
                    ELSE CAST(:tick AS timestamptz)
                         + (1 + i * 7919 % 1439) * interval '1 minute'
               END AS nudge_at
        FROM ranked
    ), local AS (
        SELECT i, tz, nudge_at,
               (CAST(CAST(:tick AS timestamptz) AT TIME ZONE tz AS date) + time '20:00')
                   AT TIME ZONE tz AS evening_today
        FROM seeded
    )
    INSERT INTO enrollments (
        id, learner_id, track_id, active, started_on, pace, timezone, study_days, nudge_time,
        current_week_id, week_opened_on, active_days, paused_days, next_nudge_at,
        evening_time, next_evening_at, quiz_days, created_at)
    SELECT i, i, :track, true, CAST(:monday AS date), 'standard', tz, :study_days,
           CAST(nudge_at AT TIME ZONE tz AS time), :week, CAST(:monday AS date),
           CAST(:active_days AS bytea), CAST('' AS bytea), nudge_at, time '20:00',
           CASE WHEN evening_today > CAST(:tick AS timestamptz) THEN evening_today
                ELSE evening_today + interval '1 day' END,
           :quiz_days, CAST(:created AS timestamptz)
    FROM local
    """
)
_SAVE_DUE = text(
    """
    CREATE TABLE bench_due AS
    SELECT id, next_nudge_at, next_evening_at FROM enrollments
    WHERE next_nudge_at <= CAST(:tick AS timestamptz)
       OR next_evening_at <= CAST(:tick AS timestamptz)
    """
)
_RESTORE_DUE = text(
    """
    UPDATE enrollments AS e
    SET next_nudge_at = d.next_nudge_at, next_evening_at = d.next_evening_at
    FROM bench_due AS d WHERE e.id = d.id
    """
)


@dataclass(frozen=True)
class TickFigures:
    learners: int
    rows: int  # outbox rows the tick enqueued
    statements: int
    rounds_ms: list[float]

    @property
    def best_ms(self) -> float:
        return min(self.rounds_ms)

    @property
    def rows_per_second(self) -> float:
        return self.rows / (self.best_ms / 1000)


@dataclass(frozen=True)
class MemoryFigures:
    before_mb: float  # RSS of the fresh process just before its tick
    peak_mb: float  # the process's peak RSS (ru_maxrss), the tick included
    with_telegram_mb: float  # RSS after the tick once the Telegram adapter is imported too


@dataclass(frozen=True)
class SenderFigures:
    rate: float
    messages: int
    seconds: float  # from the sender's start to the last row finished
    first_to_last: float  # between the first and the last send the fake counted
    too_many_requests: int
    early_retries: int
    max_in_one_second: int
    longest_pause: float  # the longest time between two consecutive sends
    median_pause: float  # the usual one: 1/R when the gate spaces sends exactly
    rows_sent: int
    rows_total: int

    @property
    def achieved(self) -> float:
        """Sends per second in the steady state: n sends span n - 1 intervals."""
        if self.messages < 2 or self.first_to_last <= 0:
            return 0.0
        return (self.messages - 1) / self.first_to_last

    @property
    def overall(self) -> float:
        return self.messages / self.seconds


class FirstStatement:
    """Keeps the first statement run that contains `marker`, with its parameters, so its
    plan can be shown as PostgreSQL chose it, with no copy of the SQL here to drift."""

    def __init__(self, engine: AsyncEngine, marker: str) -> None:
        self.marker = marker
        self.statement: str | None = None
        self.parameters: Any = None
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.statement is None and self.marker in statement:
            self.statement, self.parameters = statement, parameters


# -- seeding ---------------------------------------------------------------------------


async def seed_learners(
    engine: AsyncEngine,
    *,
    learners: int,
    due: int,
    platform_name: str = "bench",
    external_base: int = 0,
    quiz_days: int = DEFAULT_QUIZ_DAYS,
) -> None:
    """Learners, their identities and enrollments in three INSERT … SELECT statements."""
    if not 0 < due <= learners:
        raise SystemExit(f"cannot have {due:,} due among {learners:,} learners")
    week = builtin_track().weeks[0]
    bounds: dict[str, Any] = {"first": 1, "last": learners, "created": TICK_AT}
    async with engine.begin() as connection:
        await connection.execute(_LEARNERS, bounds)
        await connection.execute(
            _IDENTITIES, {**bounds, "platform": platform_name, "external_base": external_base}
        )
        await connection.execute(
            _ENROLLMENTS,
            {
                **bounds,
                "zones": list(ZONES),
                "stride": learners // due,
                "due": due,
                "spread": DUE_SPREAD_MINUTES,
                "tick": TICK_AT,
                "track": "python-backend",
                "monday": MONDAY,
                "study_days": STUDY_DAYS,
                "week": week.id,
                "active_days": b"\x03",
                "quiz_days": quiz_days,
            },
        )
        for table in ("learners", "identities", "enrollments"):
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    await maintenance(engine, "VACUUM ANALYZE")


async def maintenance(engine: AsyncEngine, *statements: str) -> None:
    """Statements that cannot run in a transaction block, such as VACUUM."""
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in statements:
            await autocommit.execute(text(statement))


async def restore_due(engine: AsyncEngine) -> None:
    """Puts the due enrollments back as they were before a tick and empties the outbox;
    the vacuum leaves no dead index entries behind, so every round starts alike."""
    async with engine.begin() as connection:
        await connection.execute(_RESTORE_DUE)
        await connection.execute(text("TRUNCATE outbox"))
    await maintenance(engine, "VACUUM ANALYZE enrollments", "VACUUM ANALYZE outbox")


def make_outreach(engine: AsyncEngine) -> tuple[Coach, Outreach]:
    """The coach and its outreach as the app builds them, on a clock stopped at the tick."""
    clock = FrozenClock(TICK_AT)
    units = SqlUnitOfWorkFactory(make_sessions(engine))
    coach = Coach(units, clock, BuiltinCatalog())
    return coach, Outreach(coach, units, clock)


async def scalar(engine: AsyncEngine, sql: str) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql))).scalar()


# -- the tick --------------------------------------------------------------------------


async def tick_figures(url: str, learners: int, due: int, rounds: int) -> TickFigures:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        started = time.perf_counter()
        await seed_learners(engine, learners=learners, due=due)
        print(
            f"  seeded {learners:,} learners ({due:,} due) and ran VACUUM ANALYZE "
            f"in {time.perf_counter() - started:.1f} s"
        )
        async with engine.begin() as connection:
            await connection.execute(_SAVE_DUE, {"tick": TICK_AT})
        _, outreach = make_outreach(engine)
        counter = StatementCounter(engine)
        due_query = FirstStatement(engine, "next_nudge_at <=")
        rounds_ms: list[float] = []
        rows = statements = 0
        for number in range(1, rounds + 1):
            await restore_due(engine)
            before = counter.count
            started = time.perf_counter()
            report = await outreach.enqueue_due()
            rounds_ms.append((time.perf_counter() - started) * 1000)
            statements = counter.count - before
            rows = report.enqueued
            if report.due != due or report.skipped or rows < due:
                raise AssertionError(f"expected {due:,} due and enqueued, got {report}")
            print(
                f"  round {number}: {report.due:,} due, {rows:,} outbox rows, "
                f"{statements} statements, {rounds_ms[-1]:.1f} ms"
            )
        print(f"  due query plan: {await explain(engine, due_query)}")
        await restore_due(engine)  # a fresh due state for whoever ticks next
        return TickFigures(learners, rows, statements, rounds_ms)
    finally:
        await engine.dispose()


async def explain(engine: AsyncEngine, caught: FirstStatement) -> str:
    """The plan nodes of the tick's due query, outermost first."""
    if caught.statement is None:
        return "(the due query was not seen)"
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql(
            f"EXPLAIN (COSTS OFF) {caught.statement}", caught.parameters
        )
        lines = [str(row[0]) for row in result]
    nodes = [
        line.strip().removeprefix("->").strip()
        for number, line in enumerate(lines)
        if number == 0 or "->" in line
    ]
    return " > ".join(nodes)


# -- memory ----------------------------------------------------------------------------


def rss_bytes() -> int:
    """The process's resident set right now (ru_maxrss only ever gives the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def probe_memory(url: str, due: int) -> None:
    """Runs in a fresh process: one tick, then prints its RSS before and its peak as JSON."""
    engine = make_engine(url)
    try:
        _, outreach = make_outreach(engine)
        await scalar(engine, "SELECT 1")
        before = rss_bytes()
        report = await outreach.enqueue_due()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    finally:
        await engine.dispose()
    if report.due != due:
        raise AssertionError(f"expected {due:,} due, got {report}")
    # What a Telegram deployment adds: its scheduler shares the adapter's process.
    importlib.import_module("adapters.telegram.messenger")
    importlib.import_module("scheduler.service")
    with_telegram = rss_bytes()
    print(json.dumps({"before": before, "peak": peak, "with_telegram": with_telegram}))


async def memory_figures(url: str, due: int) -> MemoryFigures:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.scheduler",
        "--memory-probe",
        url,
        "--due",
        str(due),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=PROBE_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"the memory probe failed with exit code {process.returncode}")
    figures = json.loads(out.decode().strip().splitlines()[-1])
    return MemoryFigures(
        figures["before"] / BYTES_PER_MB,
        figures["peak"] / BYTES_PER_MB,
        figures["with_telegram"] / BYTES_PER_MB,
    )


# -- the sender ------------------------------------------------------------------------


async def sender_figures(url: str, rate: float, users: int) -> SenderFigures:
    """Every user is due one plan (no quiz days), so each outbox row is one message."""
    # Imported here, as the app does, so the memory probe's process holds only the tick.
    from adapters.telegram.bot import TelegramAdapter, make_bot
    from adapters.telegram.messenger import TelegramMessenger
    from tests.fakes.telegram import FakeTelegram

    engine = make_engine(url)
    try:
        await upgrade(engine)
        await seed_learners(
            engine,
            learners=users,
            due=users,
            platform_name="telegram",
            external_base=FIRST_TELEGRAM_USER,
            quiz_days=0,
        )
        coach, outreach = make_outreach(engine)
        async with FakeTelegram(token=TOKEN) as tg:
            for n in range(1, users + 1):
                tg.add_user(FIRST_TELEGRAM_USER + n, f"Learner {n}")
            tg.enforce_rates(overall_per_second=rate)
            gate = RateGate(
                RateLimits(
                    overall_per_second=rate,
                    per_chat_per_second=TELEGRAM_LIMITS.per_chat_per_second,
                    per_group_per_minute=TELEGRAM_LIMITS.per_group_per_minute,
                )
            )
            bot = make_bot(
                TOKEN, tg.base_url, on_flood=lambda seconds, chat: gate.hold(seconds, chat)
            )
            try:
                adapter = TelegramAdapter(coach, bot)
                sender = Sender(
                    outreach, {"telegram": TelegramMessenger(adapter, gate)}, worker="bench"
                )
                report = await outreach.enqueue_due()
                if report.enqueued != users:
                    raise AssertionError(f"expected {users:,} rows enqueued, got {report}")
                seconds = await drain(engine, sender, within=30 + 3 * users / rate)
            finally:
                await bot.session.close()
            times = tg.send_times()
            pauses = [later - earlier for earlier, later in itertools.pairwise(times)]
            return SenderFigures(
                rate=rate,
                messages=len(times),
                seconds=seconds,
                first_to_last=times[-1] - times[0] if times else 0.0,
                too_many_requests=tg.too_many_requests,
                early_retries=len(tg.early_retries),
                max_in_one_second=tg.max_sends_in_window(1.0),
                longest_pause=max(pauses, default=0.0),
                median_pause=statistics.median(pauses) if pauses else 0.0,
                rows_sent=int(
                    await scalar(engine, "SELECT count(*) FROM outbox WHERE status = 'sent'")
                ),
                rows_total=int(await scalar(engine, "SELECT count(*) FROM outbox")),
            )
    finally:
        await engine.dispose()


async def drain(engine: AsyncEngine, sender: Sender, *, within: float) -> float:
    """Runs the sender until no outbox row is pending; returns how long that took."""
    started = time.perf_counter()
    sending = asyncio.create_task(sender.run(asyncio.Event()))
    try:
        while await scalar(engine, "SELECT count(*) FROM outbox WHERE status = 'pending'"):
            if sending.done():
                await sending  # raises what stopped it, if anything did
                raise RuntimeError("the sender stopped before the outbox was drained")
            if time.perf_counter() - started > within:
                raise RuntimeError(f"the outbox was not drained in {within:.0f} s")
            await asyncio.sleep(0.05)
        return time.perf_counter() - started
    finally:
        sender.stop()
        await asyncio.wait_for(sending, timeout=15)


# -- the report ------------------------------------------------------------------------


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


@contextmanager
def section(title: str) -> Iterator[None]:
    print(f"\n[{title}]")
    started = time.perf_counter()
    yield
    print(f"  ({time.perf_counter() - started:.1f} s)")


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def report(
    small: TickFigures, large: TickFigures, memory: MemoryFigures, sender: SenderFigures
) -> None:
    ratio = large.best_ms / small.best_ms
    fraction = sender.achieved / sender.rate
    rows: list[tuple[str, str, str]] = [
        (f"tick, {small.learners:,} learners (best ms)", f"{small.best_ms:.1f}", ""),
        (f"tick, {large.learners:,} learners (best ms)", f"{large.best_ms:.1f}", ""),
        (
            f"ratio {large.learners:,} / {small.learners:,}",
            f"{ratio:.2f}",
            f"≤ 1.5: {verdict(ratio <= 1.5)}",
        ),
        (f"statements per tick, {large.learners:,}", f"{large.statements}", ""),
        (f"enqueue rate, {small.learners:,} (rows/s)", f"{small.rows_per_second:,.0f}", ""),
        (f"enqueue rate, {large.learners:,} (rows/s)", f"{large.rows_per_second:,.0f}", ""),
        (
            f"peak RSS, fresh process + 1 tick at {large.learners:,} (MB)",
            f"{memory.peak_mb:.0f}",
            f"< 200: {verdict(memory.peak_mb < 200)}",
        ),
        ("  of which before the tick (MB)", f"{memory.before_mb:.0f}", ""),
        (
            "  same process with the Telegram adapter imported (MB)",
            f"{memory.with_telegram_mb:.0f}",
            f"< 200: {verdict(memory.with_telegram_mb < 200)}",
        ),
        (
            f"sender, achieved / R (R = {sender.rate:g}/s)",
            f"{fraction:.3f}",
            f"≥ 0.95: {verdict(fraction >= 0.95)}",
        ),
        ("sender, messages/s first to last send", f"{sender.achieved:.2f}", ""),
        ("sender, messages/s start to drained", f"{sender.overall:.2f}", ""),
        (
            "sender, 429s answered",
            f"{sender.too_many_requests}",
            f"0: {verdict(sender.too_many_requests == 0)}",
        ),
        ("sender, sends after a 429 too early", f"{sender.early_retries}", ""),
        (
            "sender, median pause between sends (ms)",
            f"{sender.median_pause * 1000:.1f}",
            f"1/R = {1000 / sender.rate:.1f}",
        ),
        ("sender, longest pause between sends (ms)", f"{sender.longest_pause * 1000:.0f}", ""),
        (
            "sender, most sends in any 1 s",
            f"{sender.max_in_one_second}",
            f"R = {sender.rate:g}",
        ),
    ]
    width = max(len(name) for name, _, _ in rows)
    print("\n| " + "figure".ljust(width) + " |      value | goal")
    print("|" + "-" * (width + 2) + "|-----------:|-----------------")
    for name, value, goal in rows:
        print(f"| {name.ljust(width)} | {value:>10} | {goal}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10,000 and 100,000 learners")
    parser.add_argument("--small", type=int, help="learners for the first tick (100,000)")
    parser.add_argument("--large", type=int, help="learners for the second tick (1,000,000)")
    parser.add_argument("--due", type=int, default=2_000, help="learners due at the tick")
    parser.add_argument("--rounds", type=int, default=3, help="ticks per size; the best counts")
    parser.add_argument("--rate", type=float, default=30.0, help="R: sends a second, overall")
    parser.add_argument("--seconds", type=float, default=10.0, help="of sending at R")
    parser.add_argument("--memory-probe", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        await probe_memory(args.memory_probe, args.due)
        return
    small = args.small or (10_000 if args.quick else 100_000)
    large = args.large or (100_000 if args.quick else 1_000_000)
    users = max(2, round(args.rate * args.seconds))

    admin = make_engine(POSTGRES_ADMIN_URL)
    try:
        server = await scalar(admin, "SHOW server_version")
    finally:
        await admin.dispose()
    print(
        f"{cpu_model()}, {os.cpu_count()} cores; PostgreSQL {server}; "
        f"Python {platform.python_version()}"
    )
    print(
        f"Tick at {TICK_AT:%a %Y-%m-%d %H:%M} UTC; learners spread over {len(ZONES)} time "
        f"zones; {args.due:,} due at the tick, each round on a fresh due state."
    )

    with section(f"tick at {small:,} learners"):
        url, drop = await postgres_database()
        try:
            small_figures = await tick_figures(url, small, args.due, args.rounds)
        finally:
            await drop()
    with section(f"tick at {large:,} learners"):
        url, drop = await postgres_database()
        try:
            large_figures = await tick_figures(url, large, args.due, args.rounds)
            print(
                "  memory: a fresh process runs one tick; peak = its ru_maxrss, "
                "before = its VmRSS just before the tick"
            )
            memory = await memory_figures(url, args.due)
        finally:
            await drop()
    with section(f"sender at R = {args.rate:g}/s, {users:,} Telegram users"):
        url, drop = await postgres_database()
        try:
            sender = await sender_figures(url, args.rate, users)
        finally:
            await drop()
        print(
            f"  {sender.messages:,} messages in {sender.seconds:.1f} s; outbox rows sent: "
            f"{sender.rows_sent:,} of {sender.rows_total:,}"
        )
    report(small_figures, large_figures, memory, sender)


if __name__ == "__main__":
    asyncio.run(main())
