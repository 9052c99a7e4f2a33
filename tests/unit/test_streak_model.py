"""The streak the coach reports, against a small model of the rules in docs/design.md
("Streaks"), over random days of ticks, undos, credits for yesterday, breaks, and changes
of study days and time zone."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.context import Context, learner_context
from core.learning.tracks import BuiltinCatalog
from tests.conftest import MONDAY_MORNING, Learner
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment, ticks

T = TypeVar("T")

STUDY_DAYS = {
    "mon-sat": frozenset(range(6)),
    "mon-fri": frozenset(range(5)),
    "mon,wed,fri": frozenset({0, 2, 4}),
    "every day": frozenset(range(7)),
    "tue,thu,sat,sun": frozenset({1, 3, 5, 6}),
}
# From -10 h to +13 h in November: a change of zone moves the date by one day at most,
# and between the two ends by one day almost always.
ZONES = ("UTC", "Asia/Tokyo", "Pacific/Auckland", "Pacific/Honolulu")


@dataclass
class Day:
    """What the model knows of one local date."""

    worked: int = 0  # ticks dated on it
    paused: bool = False  # a day of a break that has ended
    owed: bool = False  # at its last look: a study day, not paused, with an open item due
    kept_rest: bool = False  # a rest day under study days set after it ended


class StreakModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.uow = MemoryUnitOfWorkFactory(MemoryDatabase())
        self.clock = FrozenClock(MONDAY_MORNING)
        self.coach = Coach(self.uow, self.clock, BuiltinCatalog())
        self.ada = Learner(self.coach)
        self.zone = ZoneInfo("UTC")
        self.study_days = STUDY_DAYS["mon-sat"]
        self.days: dict[date, Day] = {}
        self.ticked: list[date] = []  # the model's ticks, in the order made
        self.paused_since: date | None = None
        self.run(self.ada.say("/start"))
        self.origin = self.today()

    def teardown(self) -> None:
        self.loop.close()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def day(self, on: date) -> Day:
        return self.days.setdefault(on, Day())

    # -- the reference ---------------------------------------------------------------

    def expected_streak(self) -> int:
        """Active days since the last missed owed day no freeze covered. A freeze is earned
        by as many worked study days (by weekday) as there are study days a week, with no
        owed day missed between; at most two are held; a missed owed day spends one."""
        today = self.today()
        worked = [on for on, record in self.days.items() if record.worked]
        last, on = max([today, *worked]), self.origin
        count = held = in_a_row = 0
        while on <= last:
            record = self.days.get(on, Day())
            on_break = record.paused or (self.paused_since is not None and on >= self.paused_since)
            rest = on.weekday() not in self.study_days or record.kept_rest
            if record.worked:
                count += 1
                in_a_row += on.weekday() in self.study_days
                if in_a_row >= len(self.study_days):
                    held, in_a_row = min(2, held + 1), 0
            elif on < today and record.owed and not rest and not on_break:
                in_a_row = 0
                if held:
                    held -= 1
                else:
                    count = 0
            on += timedelta(days=1)
        return count

    # -- reading the coach -------------------------------------------------------------

    async def context(self) -> Context[Any]:
        async with self.uow() as work:
            snapshot = await work.learners.load(self.ada.ref)
            assert snapshot is not None
            ctx = await learner_context(
                work, self.coach.library, self.ada.ref, snapshot, self.clock.now()
            )
        assert ctx is not None
        return ctx

    async def reported_streak(self) -> int:
        text = await self.ada.say("/progress")
        found = re.search(r"Streak: (\d+) days?\.", text)
        if found:
            return int(found.group(1))
        assert "Streak: starts" in text, text
        return 0

    async def tick_dates(self) -> list[date]:
        return [c.done_on for c in await ticks(self.uow, self.ada.ref)]

    # -- the learner's days ------------------------------------------------------------

    @rule(items=st.integers(min_value=1, max_value=3))
    def done(self, items: int) -> None:
        for _ in range(items):
            self._tick("/done", self.today())

    @rule()
    def done_yesterday(self) -> None:
        self._tick("/done yesterday", self.today() - timedelta(days=1))

    def _tick(self, command: str, on: date) -> None:
        before = self.run(self.tick_dates())
        self.run(self.ada.say(command))
        after = self.run(self.tick_dates())
        if len(after) > len(before):
            assert after[-1] == on, f"{command} dated its tick {after[-1]}, not {on}"
            self.day(on).worked += 1
            self.ticked.append(on)

    @rule()
    def undo(self) -> None:
        before = self.run(self.tick_dates())
        self.run(self.ada.say("/undo"))
        after = self.run(self.tick_dates())
        assert len(after) == len(before) - (1 if self.ticked else 0)
        if self.ticked:
            self.day(self.ticked.pop()).worked -= 1

    @rule()
    def pause(self) -> None:
        self.run(self.ada.say("/pause"))
        if self.paused_since is None:
            self.paused_since = self.today()

    @rule()
    def resume(self) -> None:
        self.run(self.ada.say("/resume"))
        if self.paused_since is not None:
            on = self.paused_since
            while on < self.today():
                self.day(on).paused = True
                on += timedelta(days=1)
            self.paused_since = None

    @rule(days=st.integers(min_value=0, max_value=3))
    def take_a_break(self, days: int) -> None:
        self.pause()
        self.clock.set(self.clock.now() + timedelta(days=days))
        self.resume()

    @rule()
    def next_day(self) -> None:
        self.later(24)

    @rule(hours=st.sampled_from([6, 12, 18]))
    def later(self, hours: int) -> None:
        """Time passes; the day that ends keeps the streak when it was worked or owed nothing."""
        ending = self.today()
        shown = self.run(self.reported_streak())
        self.clock.set(self.clock.now() + timedelta(hours=hours))
        record = self.day(ending)
        if self.today() != ending and (record.worked or not record.owed):
            assert self.run(self.reported_streak()) >= shown, f"the streak dropped after {ending}"

    @rule(change=st.one_of(st.sampled_from(sorted(STUDY_DAYS)), st.sampled_from(ZONES)))
    def change_settings(self, change: str) -> None:
        if change in STUDY_DAYS:
            self.change_study_days(change)
        else:
            self.change_zone(change)

    def change_study_days(self, days: str) -> None:
        self.run(self.ada.say(f"/settings days {days}"))
        new = STUDY_DAYS[days]
        assert self.run(enrollment(self.uow, self.ada.ref)).study_days == new
        if new != self.study_days:
            for n in range((self.today() - self.origin).days):
                on = self.origin + timedelta(days=n)
                if on.weekday() not in self.study_days:
                    self.day(on).kept_rest = True
        self.study_days = new

    def change_zone(self, zone: str) -> None:
        self.run(self.ada.say(f"/settings tz {zone}"))
        self.zone = ZoneInfo(zone)
        if self.paused_since is not None:
            self.paused_since = min(self.paused_since, self.today())  # a break holds today
        # A move west makes a day that was over today again: it is judged afresh.
        for on, record in self.days.items():
            if on >= self.today():
                record.paused = record.kept_rest = record.owed = False

    # -- what is checked after every step --------------------------------------------------

    @invariant()
    def the_coach_reports_the_models_streak(self) -> None:
        ctx = self.run(self.context())
        assert ctx.today == self.today()
        plan = ctx.plan()
        finished = plan.is_complete and ctx.track.week_after(plan.week.id) is None
        today = self.day(self.today())
        today.owed = (
            self.paused_since is None
            and self.today().weekday() in self.study_days
            and not finished
            and any(p.done_on is None and p.due_on <= self.today() for p in plan.items)
        )
        expected = self.expected_streak()
        assert ctx.streak() == expected
        assert self.run(self.reported_streak()) == expected


StreakModel.TestCase.settings = settings(max_examples=40, stateful_step_count=60, deadline=None)
TestStreakModel = StreakModel.TestCase
