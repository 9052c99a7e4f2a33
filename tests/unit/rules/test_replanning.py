"""Falling behind and the three ways on: stretch, catch up, skip optional items, each
with the finish date it gives, on an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.commands import Replan
from core.learning.context import Context, learner_context
from core.learning.model import Replanning
from core.learning.replanning import BEHIND_AFTER, offer
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment, ticks

MONDAY = datetime(2026, 11, 16, 8, tzinfo=UTC)


async def context(
    coach: Coach, uow: MemoryUnitOfWorkFactory, who: Learner
) -> Context[MemoryUnitOfWork]:
    """The learner's context as a command sees it; its plan reads on after the unit ends."""
    async with uow() as work:
        snapshot = await work.learners.load(who.ref)
        assert snapshot is not None
        ctx = await learner_context(work, coach.library, who.ref, snapshot, coach.clock.now())
    assert ctx is not None
    return ctx


async def offered(coach: Coach, uow: MemoryUnitOfWorkFactory, who: Learner) -> Replanning | None:
    return offer(await context(coach, uow, who))


def actions(who: Learner) -> list[str]:
    assert who.last is not None
    return [button.action for row in who.last.buttons for button in row]


async def start_week_two(ada: Learner, clock: FrozenClock) -> None:
    """Ada starts on Monday and finishes week 1 at once: week 2, which has an optional
    item, opens that Monday."""
    clock.set(MONDAY)
    await ada.say("/start")
    for _ in range(7):
        await ada.say("/done")


async def test_the_offer_comes_once_an_item_is_a_few_study_days_late(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    clock.set(MONDAY)
    await ada.say("/start")  # Mon-Sat study days; item 1 is due today
    clock.set(MONDAY + timedelta(days=BEHIND_AFTER - 1))
    assert await offered(coach, uow, ada) is None
    assert "/replan" not in await ada.say("/today")
    clock.set(MONDAY + timedelta(days=BEHIND_AFTER))
    found = await offered(coach, uow, ada)
    assert found is not None and found.study_days_behind == BEHIND_AFTER
    assert found.overdue[0].number == 1
    assert "/replan" in await ada.say("/today")
    await ada.say("/replan")
    assert actions(ada) == [Replan("stretch").as_action(), Replan("catchup").as_action()]


async def test_a_week_behind_is_offered_three_dated_ways_and_stretch_moves_the_finish(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    await start_week_two(ada, clock)
    clock.set(MONDAY + timedelta(days=7))  # a week with nothing done
    found = await offered(coach, uow, ada)
    assert found is not None
    assert found.study_days_behind == 6  # Mon-Sat, the whole of last week
    assert [p.item.id for p in found.optional] == ["w02-conflict"]
    # The whole week is late: catching up over five days still ends it sooner than
    # opening it again today.
    assert found.stretched_finish > found.catch_up_finish > found.planned_finish
    reply = await ada.say("/plan")
    assert found.stretched_finish.strftime("%b") in reply
    assert Replan("skip").as_action() in actions(ada)

    await ada.press(Replan("stretch").as_action())
    ctx = await context(coach, uow, ada)
    plan = ctx.plan()
    assert not plan.day(ctx.today, ctx.enrollment.study_days).overdue
    assert plan.next_open() is not None and plan.next_open().due_on == ctx.today  # type: ignore[union-attr]
    assert ctx.planned_finish() == found.stretched_finish
    assert await offered(coach, uow, ada) is None
    assert "on plan" in await ada.press(Replan("stretch").as_action())  # a second tap


async def test_catch_up_spreads_the_late_items_over_the_coming_days_and_keeps_the_finish(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    await start_week_two(ada, clock)
    clock.set(MONDAY + timedelta(days=4))  # Friday: items due Mon-Thu are late
    found = await offered(coach, uow, ada)
    assert found is not None
    late = [p.item.id for p in found.overdue]
    await ada.press(Replan("catchup").as_action())
    ctx = await context(coach, uow, ada)
    plan = ctx.plan()
    assert not plan.day(ctx.today, ctx.enrollment.study_days).overdue
    new_days = {p.item.id: p.due_on for p in plan.items if p.item.id in late}
    assert set(new_days) == set(late)
    # Friday and Saturday are left of the week's plan: its end, and the finish, hold.
    assert set(new_days.values()) == {ctx.today, ctx.today + timedelta(days=1)}
    assert {day for day, _ in found.catch_up} == set(new_days.values())
    assert ctx.planned_finish() == found.catch_up_finish == found.planned_finish
    # Today's list now carries the extra items.
    today = await ada.say("/today")
    assert all(f"{p.number}. " in today for p in plan.items if p.due_on == ctx.today)


async def test_skipping_optional_items_settles_them_without_study(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    await start_week_two(ada, clock)
    clock.set(MONDAY + timedelta(days=7))
    before = await enrollment(uow, ada.ref)
    await ada.press(Replan("skip").as_action())
    skipped = [t for t in await ticks(uow, ada.ref) if t.skipped]
    assert [t.item_id for t in skipped] == ["w02-conflict"]
    after = await enrollment(uow, ada.ref)
    assert after.active_days == before.active_days  # a skip is not a day of study
    assert "no optional items" in await ada.press(Replan("skip").as_action())
    found = await offered(coach, uow, ada)
    assert found is not None and not found.optional
    await ada.say("/replan")
    assert Replan("skip").as_action() not in actions(ada)


async def test_skipping_the_last_open_items_closes_the_week(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    await start_week_two(ada, clock)
    ctx = await context(coach, uow, ada)
    for planned in ctx.plan().items:
        if not planned.item.optional:
            await ada.say(f"/done {planned.number}")
    await ada.say("/replan skip")
    e = await enrollment(uow, ada.ref)
    assert e.current_week_id == "w03" and e.week_opened_on == MONDAY.date()
    assert e.moved == {}


async def test_behind_is_counted_in_the_learners_own_days_across_a_clock_change(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    # New York leaves daylight time on Sunday 1 November 2026.
    clock.set(datetime(2026, 10, 29, 14, tzinfo=UTC))  # Thursday 10:00 in New York
    await ada.say("/start")
    await ada.say("/settings tz America/New_York")
    await ada.say("/settings days mon-fri")
    first_due = (await context(coach, uow, ada)).plan().items[0].due_on
    assert first_due == date(2026, 10, 29)
    # Tue 3 Nov, 23:30 in New York but the 4th in UTC: late since Thu, Fri and Mon.
    clock.set(datetime(2026, 11, 4, 4, 30, tzinfo=UTC))
    found = await offered(coach, uow, ada)
    assert found is not None and found.study_days_behind == 3
    await ada.press(Replan("catchup").as_action())
    ctx = await context(coach, uow, ada)
    assert ctx.today == date(2026, 11, 3)
    assert min(p.due_on for p in ctx.plan().open_items()) == date(2026, 11, 3)


async def test_a_typo_gets_the_choices_and_a_break_gets_resume(
    coach: Coach, ada: Learner, clock: FrozenClock
) -> None:
    clock.set(MONDAY)
    await ada.say("/start")
    assert "/replan stretch" in await ada.say("/replan sideways")
    assert "on plan" in await ada.say("/replan")
    await ada.say("/pause")
    assert "/resume" in await ada.say("/replan stretch")
