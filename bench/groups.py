"""Digest planning for 10,000 study groups: the tick that owes them all, the tick that owes
nothing, and composing a digest.

Seeds N active study groups (default 10,000) in 40 time zones from UTC-11 to UTC+12, whole
and part-hour offsets, each with M members (default 8: 80,000 learners with an identity,
an enrollment on the group's track, two and a half weeks of ticks, quiz answers of their
own and on the group's Monday quiz). Every group's digest falls in the half hour before
the tick instant (Wed 11:45 UTC, a Wednesday in every zone: a study day and a quiz day),
so local digest times run from 00:16 to 23:45. Then, on each backend:

* the tick (`Outreach.enqueue_due`, the scheduler's real tick) that finds every group due
  at once and owes each a digest, a quiz and the quiz's close: wall time, groups/s, outbox
  rows written, statements; each round on a fresh due state and an empty outbox, best of
  several rounds;
* the steady-state tick right after, when nothing is due: the indexed scans alone (the
  whole tick, and the groups' part of it);
* composing a digest as the sender does (`Outreach.compose` of a `group_digest` row):
  p50 / p99 over a sample of groups, and the statements it takes.

    python -m bench.groups [--groups 10000] [--members 8] [--compose 500] [--rounds 3]
                           [--idle 200] [--backends sqlite,postgres]

Timings on a shared machine are noisy: compare figures within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.commands import StatementCounter, percentile, postgres_database
from bench.scheduler import cpu_model, maintenance
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.schedule import next_nudge_at
from core.learning.activity import DayBitmap
from core.learning.tracks import BuiltinCatalog, Track, builtin_track
from core.outreach.model import Kind, OutboxItem, Recipient, Send
from core.outreach.planner import GroupPlanner, Tick
from core.outreach.service import Outreach
from core.storage import models as m
from core.storage.engine import make_engine, make_sessions
from core.storage.migrate import upgrade
from core.storage.rows import days_to_mask
from core.storage.unit_of_work import SqlUnitOfWorkFactory

# Wednesday in every zone below, from 00:16 in Pago Pago to 23:45 in Fiji, for every due
# moment of the last half hour: a study day and a quiz day wherever a group is.
TICK_AT = datetime(2026, 11, 18, 11, 45, tzinfo=UTC)
TICK_DAY = date(2026, 11, 18)
MONDAY = date(2026, 11, 16)
STARTED_ON = date(2026, 11, 2)  # the groups are on week 3
DUE_SPREAD_MINUTES = 30
# Offsets in November 2026, UTC-11 to UTC+12, with the half and three-quarter hours.
ZONES = (
    "Pacific/Pago_Pago",
    "Pacific/Honolulu",
    "Pacific/Marquesas",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/Bogota",
    "America/New_York",
    "America/Halifax",
    "America/St_Johns",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Atlantic/South_Georgia",
    "Atlantic/Azores",
    "Europe/London",
    "Africa/Lagos",
    "Europe/Berlin",
    "Europe/Athens",
    "Africa/Cairo",
    "Europe/Moscow",
    "Asia/Tehran",
    "Asia/Dubai",
    "Asia/Kabul",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Yangon",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Australia/Eucla",
    "Asia/Tokyo",
    "Australia/Darwin",
    "Australia/Brisbane",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Noumea",
    "Pacific/Fiji",
    "Asia/Kamchatka",
)
STUDY_DAYS = frozenset(range(6))  # Mon-Sat: the report is Saturday's, not due at the tick
QUIZ_DAYS = frozenset({0, 2, 4})
REPORT_TIME = clock_time(18, 0)
PLATFORM = "bench"
GROUPS_PER_CHUNK = 500  # one bulk INSERT per table per chunk
OWED_PER_GROUP = 3  # digest, quiz, close


@dataclass(frozen=True)
class Figures:
    backend: str
    seed_s: float
    rows_seeded: int
    tick_rounds_ms: list[float]
    tick_due: int
    tick_rows: int
    tick_statements: int
    idle_ms: list[float]
    idle_statements: int
    idle_groups_ms: list[float]
    idle_groups_statements: int
    compose_ms: list[float]
    compose_statements: float

    @property
    def tick_best_ms(self) -> float:
        return min(self.tick_rounds_ms)


# -- seeding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    groups: int
    members: int

    def zone(self, group_id: int) -> str:
        return ZONES[group_id % len(ZONES)]

    def due_at(self, group_id: int) -> datetime:
        return TICK_AT - timedelta(minutes=group_id % DUE_SPREAD_MINUTES)

    def learner(self, group_id: int, member: int) -> int:
        return (group_id - 1) * self.members + member + 1


def at_day(day: date, hour: int = 18) -> datetime:
    return datetime.combine(day, clock_time(hour, 0), tzinfo=UTC)


def week_dates(first: date) -> list[date]:
    return [first + timedelta(days=n) for n in range(6)]


def done_items(track: Track, behind: bool) -> list[tuple[str, str, date, bool]]:
    """(week, item, done on, completes week) for a member on week 3, or behind on week 2:
    every item of the earlier weeks, then the current week's first items, Monday on."""
    rows = []
    full_weeks, current = (1, (1, 3)) if behind else (2, (2, 2))
    for index in range(full_weeks):
        week = track.weeks[index]
        days = week_dates(STARTED_ON + timedelta(days=7 * index))
        for n, item in enumerate(week.items):
            rows.append(
                (week.id, item.id, days[n * len(days) // len(week.items)], n == len(week.items) - 1)
            )
    week_index, count = current
    week = track.weeks[week_index]
    for n, item in enumerate(week.items[:count]):
        rows.append((week.id, item.id, MONDAY + timedelta(days=n % 2), False))
    return rows


def active_bits() -> tuple[bytes, bytes]:
    """Day histories since the groups started: every study day so far (a long streak), and
    one with a gap last week (a short one)."""
    days = [STARTED_ON + timedelta(days=n) for n in range((TICK_DAY - STARTED_ON).days)]
    study = [d for d in days if d.weekday() in STUDY_DAYS]
    steady = DayBitmap(STARTED_ON).with_days(study)
    patchy = steady.without_day(MONDAY - timedelta(days=3))
    return steady.bits, patchy.bits


async def seed(engine: AsyncEngine, population: Population) -> int:
    """Groups, members and all they read, in bulk inserts of GROUPS_PER_CHUNK groups."""
    track = builtin_track()
    created = at_day(STARTED_ON, 8)
    study_mask, quiz_mask = days_to_mask(STUDY_DAYS), days_to_mask(QUIZ_DAYS)
    steady, patchy = active_bits()
    plans = {behind: done_items(track, behind) for behind in (False, True)}
    rows = 0
    quiz_question = "w01-q1"
    async with engine.begin() as connection:
        for start in range(1, population.groups + 1, GROUPS_PER_CHUNK):
            chunk = range(start, min(start + GROUPS_PER_CHUNK, population.groups + 1))
            tables: dict[Any, list[dict[str, Any]]] = {
                m.StudyGroup: [],
                m.Learner: [],
                m.Identity: [],
                m.Enrollment: [],
                m.GroupMember: [],
                m.Completion: [],
                m.QuizDelivery: [],
                m.GroupQuiz: [],
                m.GroupQuizAnswer: [],
            }
            for g in chunk:
                zone_name = population.zone(g)
                zone = ZoneInfo(zone_name)
                due_at = population.due_at(g)
                local = due_at.astimezone(zone)
                if local.date() != TICK_DAY:
                    raise AssertionError(f"{zone_name}: a due digest on {local:%a %H:%M}")
                tables[m.StudyGroup].append(
                    {
                        "id": g,
                        "platform": PLATFORM,
                        "external_id": f"-100{g}",
                        "parent": None,
                        "title": f"Study group {g}",
                        "track_id": track.id,
                        "timezone": zone_name,
                        "digest_time": local.time().replace(tzinfo=None),
                        "report_time": REPORT_TIME,
                        "study_days": study_mask,
                        "quiz_days": quiz_mask,
                        "started_on": STARTED_ON,
                        "active": True,
                        "next_digest_at": due_at,
                        "next_report_at": next_nudge_at(
                            TICK_AT, zone=zone, at=REPORT_TIME, study_days=frozenset({5})
                        ),
                        "created_at": created,
                    }
                )
                tables[m.GroupQuiz].append(
                    {
                        "id": g,
                        "group_id": g,
                        "question_id": quiz_question,
                        "option_order": "0,1,2,3",
                        "correct_option": 0,
                        "local_date": MONDAY,
                        "platform": PLATFORM,
                        "poll_ref": f"group-poll-{g}",
                        "message_ref": f"group-message-{g}",
                        "created_at": at_day(MONDAY, 9),
                        "closed_at": at_day(MONDAY, 17),
                    }
                )
                # Each member's own nudges come later in the day: only the group is due.
                own_nudge = TICK_AT + timedelta(minutes=1 + g % 600)
                for j in range(population.members):
                    learner = population.learner(g, j)
                    behind = j == population.members - 1
                    tables[m.Learner].append({"id": learner, "created_at": created})
                    tables[m.Identity].append(
                        {
                            "id": learner,
                            "learner_id": learner,
                            "platform": PLATFORM,
                            "external_id": str(learner),
                            "display_name": f"Learner {learner}",
                            "created_at": created,
                        }
                    )
                    tables[m.Enrollment].append(
                        {
                            "id": learner,
                            "learner_id": learner,
                            "track_id": track.id,
                            "active": True,
                            "started_on": STARTED_ON,
                            "pace": "standard",
                            "timezone": zone_name,
                            "study_days": study_mask,
                            "nudge_time": clock_time(9, 0),
                            "current_week_id": track.weeks[1 if behind else 2].id,
                            "week_opened_on": MONDAY - timedelta(days=7) if behind else MONDAY,
                            "active_days": patchy if j % 3 == 2 else steady,
                            "paused_days": b"",
                            "next_nudge_at": own_nudge,
                            "next_evening_at": own_nudge + timedelta(hours=8),
                            "quiz_days": quiz_mask,
                            "created_at": created,
                        }
                    )
                    tables[m.GroupMember].append(
                        {
                            "group_id": g,
                            "learner_id": learner,
                            "external_id": str(learner),
                            "display_name": f"Learner {learner}",
                            "joined_at": created + timedelta(minutes=j),
                            "share_done": j != 1,  # one keeps what they do to themselves
                            "share_streak": True,
                            "share_quiz": True,
                            "mentions": behind,  # the one behind asked to be named
                        }
                    )
                    tables[m.Completion].extend(
                        {
                            "enrollment_id": learner,
                            "week_id": week_id,
                            "item_id": item_id,
                            "done_on": done_on,
                            "done_at": at_day(done_on),
                            "completes_week": completes,
                        }
                        for week_id, item_id, done_on, completes in plans[behind]
                    )
                    tables[m.QuizDelivery].extend(
                        {
                            "learner_id": learner,
                            "kind": "quiz",
                            "question_id": f"w0{1 + n}-q1",
                            "option_order": "0,1,2,3",
                            "correct_option": 0,
                            "platform": PLATFORM,
                            "poll_ref": f"poll-{learner}-{n}",
                            "sent_at": at_day(MONDAY + timedelta(days=n), 9),
                            "answered_at": at_day(MONDAY + timedelta(days=n), 10),
                            "chosen": (learner + n) % 2,
                            "correct": (learner + n) % 2 == 0,
                        }
                        for n in range(2)
                    )
                    if j < population.members - 2:  # most members answered Monday's quiz
                        tables[m.GroupQuizAnswer].append(
                            {
                                "quiz_id": g,
                                "platform": PLATFORM,
                                "external_id": str(learner),
                                "learner_id": learner,
                                "chosen": j % 2,
                                "correct": j % 2 == 0,
                                "answered_at": at_day(MONDAY, 10),
                            }
                        )
            for table, values in tables.items():
                if values:
                    await connection.execute(insert(table), values)
                    rows += len(values)
        if engine.dialect.name == "postgresql":
            for table_name in (
                "learners",
                "identities",
                "enrollments",
                "completions",
                "quiz_deliveries",
                "study_groups",
                "group_quizzes",
            ):
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                        f"(SELECT max(id) FROM {table_name}))"
                    )
                )
        await connection.execute(
            text(
                "CREATE TABLE bench_due AS "
                "SELECT id, next_digest_at, next_report_at FROM study_groups"
            )
        )
    if engine.dialect.name == "postgresql":
        await maintenance(engine, "VACUUM ANALYZE")
    return rows


async def restore_due(engine: AsyncEngine) -> None:
    """Every group due again as seeded, and an empty outbox, so each round starts alike."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                """
                UPDATE study_groups SET
                    next_digest_at = (SELECT d.next_digest_at FROM bench_due AS d
                                      WHERE d.id = study_groups.id),
                    next_report_at = (SELECT d.next_report_at FROM bench_due AS d
                                      WHERE d.id = study_groups.id)
                """
            )
        )
        await connection.execute(text("DELETE FROM outbox"))
    if engine.dialect.name == "postgresql":
        await maintenance(engine, "VACUUM ANALYZE study_groups", "VACUUM ANALYZE outbox")


# -- measuring ---------------------------------------------------------------------------


async def timed(
    call: Callable[[], Awaitable[object]], times: int, counter: StatementCounter
) -> tuple[list[float], int]:
    """Latencies in ms of `times` sequential calls, and the statements of the last one."""
    latencies: list[float] = []
    statements = 0
    for _ in range(times):
        before = counter.count
        started = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - started) * 1000)
        statements = counter.count - before
    return latencies, statements


def sample(groups: int, count: int) -> list[int]:
    """`count` group ids spread evenly over all of them (so over every zone)."""
    count = min(count, groups)
    return [1 + n * groups // count for n in range(count)]


async def bench_backend(url: str, population: Population, args: argparse.Namespace) -> Figures:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        started = time.perf_counter()
        rows = await seed(engine, population)
        seed_s = time.perf_counter() - started
        print(
            f"  seeded {population.groups:,} groups, "
            f"{population.groups * population.members:,} members ({rows:,} rows) "
            f"in {seed_s:.1f} s"
        )
        clock = FrozenClock(TICK_AT)
        units = SqlUnitOfWorkFactory(make_sessions(engine))
        coach = Coach(units, clock, BuiltinCatalog())
        outreach = Outreach(coach, units, clock)
        counter = StatementCounter(engine)
        expected_rows = population.groups * OWED_PER_GROUP

        # (a) every group due at once
        rounds_ms: list[float] = []
        statements = due = enqueued = 0
        for number in range(1, args.rounds + 1):
            await restore_due(engine)
            before = counter.count
            started = time.perf_counter()
            report = await outreach.enqueue_due()
            rounds_ms.append((time.perf_counter() - started) * 1000)
            statements = counter.count - before
            due, enqueued = report.due, report.enqueued
            if due != population.groups or enqueued != expected_rows or report.skipped:
                raise AssertionError(
                    f"expected {population.groups:,} due and {expected_rows:,} rows, got {report}"
                )
            print(
                f"  round {number}: {due:,} groups due, {enqueued:,} outbox rows, "
                f"{statements} statements, {rounds_ms[-1]:.1f} ms"
            )

        # (b) right after: nothing is due, the scans find nothing
        async def idle_tick() -> None:
            report = await outreach.enqueue_due()
            if report.due:
                raise AssertionError(f"expected nothing due, got {report}")

        async def idle_groups() -> None:
            report = await Tick(units, outreach.policy, GroupPlanner(outreach.policy)).run(TICK_AT)
            if report.due:
                raise AssertionError(f"expected no group due, got {report}")

        await timed(idle_tick, 10, counter)  # warm
        idle_ms, idle_statements = await timed(idle_tick, args.idle, counter)
        idle_groups_ms, idle_groups_statements = await timed(idle_groups, args.idle, counter)

        # (c) composing a digest, as the sender does when its row comes up
        items = [
            OutboxItem(
                id=g,
                recipient=Recipient.group(g),
                kind=Kind.GROUP_DIGEST,
                local_date=TICK_DAY,
                due_at=population.due_at(g),
                attempts=1,
            )
            for g in sample(population.groups, args.compose)
        ]
        platforms = {PLATFORM}

        async def compose(item: OutboxItem) -> None:
            decision = await outreach.compose(item, platforms)
            if not isinstance(decision, Send) or decision.what != "digest":
                raise AssertionError(f"group {item.recipient.id}: {decision}")

        for item in items[:20]:  # warm the statement caches
            await compose(item)
        compose_ms: list[float] = []
        before = counter.count
        for item in items:
            started = time.perf_counter()
            await compose(item)
            compose_ms.append((time.perf_counter() - started) * 1000)
        compose_statements = (counter.count - before) / len(items)
        await check_digest(outreach, items[0], population)
        return Figures(
            backend=engine.dialect.name,
            seed_s=seed_s,
            rows_seeded=rows,
            tick_rounds_ms=rounds_ms,
            tick_due=due,
            tick_rows=enqueued,
            tick_statements=statements,
            idle_ms=idle_ms,
            idle_statements=idle_statements,
            idle_groups_ms=idle_groups_ms,
            idle_groups_statements=idle_groups_statements,
            compose_ms=compose_ms,
            compose_statements=compose_statements,
        )
    finally:
        await engine.dispose()


async def check_digest(outreach: Outreach, item: OutboxItem, population: Population) -> None:
    """The composed digest reads what was seeded: yesterday's ticks, the member behind."""
    decision = await outreach.compose(item, {PLATFORM})
    assert isinstance(decision, Send)
    lines = decision.reply.plain_text().splitlines()
    finished = sum(1 for line in lines if line.startswith("Learner "))
    mention = next((line for line in lines if line.startswith("Catching up")), None)
    # Everyone who shares what they do ticked something yesterday (one does not share).
    if finished < population.members - 1 or mention is None:
        raise AssertionError("the digest does not show the seeded activity:\n" + "\n".join(lines))
    print(f"  a composed digest: {lines[0]}; {finished} members finished something yesterday")
    print(f"    {mention}")


# -- the report ------------------------------------------------------------------------


def report(all_figures: list[Figures], population: Population) -> None:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    groups = population.groups

    def each(render: Callable[[Figures], str]) -> list[str]:
        return [render(f) for f in all_figures]

    rows: list[tuple[str, list[str]]] = [
        (f"tick, {groups:,} groups due at once: best ms", each(lambda f: f"{f.tick_best_ms:,.0f}")),
        ("  rounds (ms)", each(lambda f: " / ".join(f"{ms:,.0f}" for ms in f.tick_rounds_ms))),
        (
            "  groups planned per second",
            each(lambda f: f"{f.tick_due / f.tick_best_ms * 1000:,.0f}"),
        ),
        ("  outbox rows written", each(lambda f: f"{f.tick_rows:,}")),
        ("  outbox rows per second", each(lambda f: f"{f.tick_rows / f.tick_best_ms * 1000:,.0f}")),
        ("  statements", each(lambda f: f"{f.tick_statements}")),
        ("idle tick, nothing due: p50 ms", each(lambda f: f"{statistics.median(f.idle_ms):.2f}")),
        ("  p99 ms", each(lambda f: f"{percentile(f.idle_ms, 0.99):.2f}")),
        ("  statements", each(lambda f: f"{f.idle_statements}")),
        (
            "  of which the groups' part: p50 ms",
            each(lambda f: f"{statistics.median(f.idle_groups_ms):.2f}"),
        ),
        ("    statements", each(lambda f: f"{f.idle_groups_statements}")),
        (
            f"digest compose, {population.members} members: p50 ms",
            each(lambda f: f"{statistics.median(f.compose_ms):.2f}"),
        ),
        ("  p99 ms", each(lambda f: f"{percentile(f.compose_ms, 0.99):.2f}")),
        ("  statements", each(lambda f: f"{f.compose_statements:.1f}")),
        (
            "  digests composed per second",
            each(lambda f: f"{1000 / statistics.fmean(f.compose_ms):,.0f}"),
        ),
        ("seeding (s)", each(lambda f: f"{f.seed_s:.1f}")),
    ]
    width = max(len(name) for name, _ in rows)
    columns = [names.get(f.backend, f.backend) for f in all_figures]
    widths = [max(len(c), *(len(values[i]) for _, values in rows)) for i, c in enumerate(columns)]
    print(
        "\n| "
        + "figure".ljust(width)
        + " | "
        + " | ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))
        + " |"
    )
    print("|" + "-" * (width + 2) + "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    for name, values in rows:
        print(
            f"| {name.ljust(width)} | "
            + " | ".join(v.rjust(w) for v, w in zip(values, widths, strict=True))
            + " |"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--groups", type=int, default=10_000, help="study groups, all due")
    parser.add_argument("--members", type=int, default=8, help="members per group")
    parser.add_argument("--compose", type=int, default=500, help="digests composed")
    parser.add_argument("--rounds", type=int, default=3, help="due ticks; the best counts")
    parser.add_argument("--idle", type=int, default=200, help="idle ticks timed")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    if args.groups < 1 or args.members < 2:
        raise SystemExit("need at least 1 group and 2 members a group")
    population = Population(args.groups, args.members)
    print(
        f"{cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}\n"
        f"{args.groups:,} study groups x {args.members} members in {len(ZONES)} time zones; "
        f"every digest due in the {DUE_SPREAD_MINUTES} minutes before "
        f"{TICK_AT:%a %Y-%m-%d %H:%M} UTC (a quiz day everywhere)"
    )
    results = []
    for backend in args.backends.split(","):
        print(f"\n[{backend}]")
        started = time.perf_counter()
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
                results.append(await bench_backend(url, population, args))
        elif backend == "postgres":
            url, drop = await postgres_database()
            try:
                results.append(await bench_backend(url, population, args))
            finally:
                await drop()
        else:
            raise SystemExit(f"unknown backend {backend!r}: use sqlite or postgres")
        print(f"  ({time.perf_counter() - started:.1f} s)")
    report(results, population)


if __name__ == "__main__":
    asyncio.run(main())
