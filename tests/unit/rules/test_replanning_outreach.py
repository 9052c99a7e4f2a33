"""The morning plan offers the ways on once a learner is far enough behind, worked out
when the plan goes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.commands import Replan, from_action
from core.outreach.service import Outreach
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions

TOKYO = ZoneInfo("Asia/Tokyo")


async def test_the_morning_plan_carries_the_offer_from_the_third_late_study_day(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    # Sunday evening in UTC is Monday morning in Tokyo: the learner's own days count.
    clock.set(datetime(2026, 11, 15, 22, 0, tzinfo=UTC))
    ada = Learner(coach)
    await ada.say("/start")
    await ada.say("/settings tz Asia/Tokyo")
    await ada.say("/settings quiz off")
    decisions = Decisions(clock, Outreach(coach, uow, clock))
    await decisions.run_until(datetime(2026, 11, 19, 12, 0, tzinfo=UTC), step_minutes=30)
    plans = decisions.of("plan")
    days = [p.at.astimezone(TOKYO).strftime("%a") for p in plans]
    assert days == ["Mon", "Tue", "Wed", "Thu"]
    offered = [
        any(isinstance(from_action(b.action), Replan) for b in plan.reply.all_buttons)
        for plan in plans
    ]
    assert offered == [False, False, False, True]
    assert "3 study days behind" in plans[-1].text
    # Taken from the plan's button, the catch-up clears what was late.
    catch_up = next(b.action for b in plans[-1].reply.all_buttons if "catchup" in b.action)
    await ada.press(catch_up)
    assert "/replan" not in await ada.say("/today")
