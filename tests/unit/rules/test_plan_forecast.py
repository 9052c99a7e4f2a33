"""/plan: the finish as planned and at the pace kept, read from the ticks and hours of the
last four weeks, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.context import learner_context
from core.learning.forecast import forecast
from core.learning.model import Forecast
from core.learning.tracks import BuiltinCatalog
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory

TRACK = BuiltinCatalog().get("python-backend")
assert TRACK is not None
ALL_ITEMS = sum(len(week.items) for week in TRACK.weeks)


async def read(coach: Coach, uow: MemoryUnitOfWorkFactory, learner: Learner) -> Forecast:
    async with uow() as work:
        snapshot = await work.learners.load(learner.ref)
        assert snapshot is not None
        ctx = await learner_context(work, coach.library, learner.ref, snapshot, coach.clock.now())
        assert ctx is not None
        return await forecast(ctx)


async def test_a_new_learner_has_a_planned_finish_and_no_pace_yet(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    f = await read(coach, uow, ada)
    assert f.items_left == ALL_ITEMS
    assert f.projected_finish is None and f.days_behind == 0
    # 24 track weeks at the standard pace: about 24 calendar weeks.
    weeks = (f.planned_finish - datetime(2026, 11, 16).date()).days / 7
    assert 22 <= weeks <= 25
    reply = await ada.say("/plan")
    assert str(f.planned_finish.day) in reply


async def test_half_the_plans_pace_projects_a_later_finish(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    await ada.say("/start")
    start = clock.now()
    for day in range(0, 28, 2):  # one item every other day for four weeks
        clock.set(start + timedelta(days=day))
        await ada.say("/done")
    clock.set(start + timedelta(days=28))
    f = await read(coach, uow, ada)
    assert f.recent_items == 14 and f.items_left == ALL_ITEMS - 14
    assert f.projected_finish is not None
    assert f.days_behind > 100  # a 24-week plan at half its pace
    assert "after the plan" in await ada.say("/plan")


async def test_a_fast_learner_projects_an_earlier_finish_and_hours_are_counted(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    await ada.say("/start")
    start = clock.now()
    for day in range(7):
        clock.set(start + timedelta(days=day))
        for _ in range(3):
            await ada.say("/done")
        await ada.say("/log 3")
    f = await read(coach, uow, ada)
    assert f.projected_finish is not None and f.days_behind < 0
    assert f.recent_hours == 21
    reply = await ada.say("/plan")
    assert "before the plan" in reply and "h a week" in reply


async def test_a_paused_learner_is_told_to_resume(
    coach: Coach, ada: Learner, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 16, 9, tzinfo=UTC))
    await ada.say("/start")
    await ada.say("/pause")
    assert "/resume" in await ada.say("/plan")
