"""Streak freezes through the coach, with an injected clock: a week of steady study earns
one, a missed study day spends it and the streak goes on, the next morning's plan says
so, and /progress shows the freezes held; in a zone whose clocks change that week."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.activity import DayBitmap, streak_record
from core.learning.context import learner_context
from core.outreach.views import morning_plan
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment

NEW_YORK = ZoneInfo("America/New_York")
# Monday 26 October 2026 in New York; its clocks go back on Sunday 1 November.
FIRST_MONDAY = date(2026, 10, 26)


def at(clock: FrozenClock, day: date, hour: int = 10) -> None:
    clock.set(datetime.combine(day, time(hour), tzinfo=NEW_YORK))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.combine(FIRST_MONDAY, time(8), tzinfo=NEW_YORK).astimezone(UTC))


async def figures(learner: Learner) -> tuple[int, int]:
    """The streak and the freezes /progress reports."""
    text = await learner.say("/progress")
    found = re.search(r"Streak: (\d+) days?", text)
    held = re.search(r"Streak freezes held: (\d+)", text)
    assert held is not None, text
    return (int(found.group(1)) if found else 0), int(held.group(1))


async def test_a_week_of_study_earns_a_freeze_that_keeps_the_streak_through_a_miss(
    coach: Coach, ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    for setting in ("/settings tz America/New_York", "/settings days mon-fri"):
        await ada.say(setting)
    for offset in range(5):  # Monday to Friday, a tick each study day
        at(clock, FIRST_MONDAY + timedelta(days=offset))
        await ada.say("/done")
    assert await figures(ada) == (5, 1)

    second_tuesday = FIRST_MONDAY + timedelta(days=8)  # Monday the 2nd goes by untouched
    at(clock, second_tuesday, hour=8)
    assert await figures(ada) == (5, 0)  # kept, and the freeze spent on Monday
    e = await enrollment(uow, ada.ref)
    async with uow() as work:
        snapshot = await work.learners.load(ada.ref)
        assert snapshot is not None
        ctx = await learner_context(work, coach.library, ada.ref, snapshot, clock.now())
        assert ctx is not None
        record = ctx.streak_record()
    assert record.frozen == (FIRST_MONDAY + timedelta(days=7),)
    plan = morning_plan(
        ctx.track,
        ctx.plan(),
        second_tuesday,
        e.study_days,
        record.days,
        frozen=record.frozen[-1],
        freezes=record.freezes,
    )
    assert "freeze" in plan.plain_text()

    at(clock, FIRST_MONDAY + timedelta(days=9))  # Tuesday missed too: no freeze left
    assert await figures(ada) == (0, 0)


async def test_crediting_the_missed_day_afterwards_gives_the_freeze_back(
    coach: Coach, ada: Learner, clock: FrozenClock
) -> None:
    await ada.say("/start")
    for setting in ("/settings tz America/New_York", "/settings days mon-fri"):
        await ada.say(setting)
    for offset in range(5):
        at(clock, FIRST_MONDAY + timedelta(days=offset))
        await ada.say("/done")
    at(clock, FIRST_MONDAY + timedelta(days=8))  # Tuesday: Monday was frozen
    assert await figures(ada) == (5, 0)
    await ada.say("/done yesterday")
    assert await figures(ada) == (6, 1)


def test_at_most_two_freezes_are_held_and_rest_day_work_earns_none() -> None:
    start = date(2026, 11, 2)  # a Monday
    weekdays = frozenset(range(5))
    four_weeks = [
        start + timedelta(days=n) for n in range(28) if (start + timedelta(days=n)).weekday() < 5
    ]
    record = streak_record(
        start + timedelta(days=27),
        active=DayBitmap(start).with_days(four_weeks),
        paused=DayBitmap(start),
        paused_since=None,
        study_days=weekdays,
    )
    assert (record.days, record.freezes) == (20, 2)
    weekends = [
        start + timedelta(days=n) for n in range(28) if (start + timedelta(days=n)).weekday() >= 5
    ]
    idle = streak_record(
        start + timedelta(days=27),
        active=DayBitmap(start).with_days(weekends),
        paused=DayBitmap(start),
        paused_since=None,
        study_days=weekdays,
    )
    assert idle.freezes == 0
