"""`/undo N`: taking back any tick of the current week, not only the last one."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.library import Defaults
from core.learning.tracks import builtin_track
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.short_track import ShortTrack
from tests.unit.rules.support import enrollment, snapshot, ticks

MONDAY = date(2026, 11, 16)
# Week 1 of the built-in track: 7 items over Mon-Sat, two on Monday, then one a day.
WEEK1 = builtin_track().weeks[0]
WEEK2 = builtin_track().weeks[1]


def on(clock: FrozenClock, day: int) -> None:
    """Moves the clock to `day` days after Monday 16 Nov."""
    clock.set(datetime(2026, 11, 16, 9, tzinfo=UTC) + timedelta(days=day))


async def streak(learner: Learner) -> int:
    text = await learner.say("/progress")
    found = re.search(r"Streak: (\d+) days?\.", text)
    return int(found.group(1)) if found else 0


async def ticked(uow: MemoryUnitOfWorkFactory, who: Learner) -> list[str]:
    """The ticked items' numbers in week 1, in the order ticked."""
    ids = [i.id for i in WEEK1.items]
    return [f"{ids.index(c.item_id) + 1}" for c in await ticks(uow, who.ref)]


async def week_done(uow: MemoryUnitOfWorkFactory, who: Learner) -> set[str]:
    found = await snapshot(uow, who.ref)
    assert found is not None
    return set(found.week_done)


def marked_done(week_text: str) -> set[int]:
    """The numbers /week shows ticked."""
    return {int(n) for n in re.findall(r"\[x\] (\d+)\.", week_text)}


async def test_undo_a_middle_item_keeps_the_later_ticks_and_the_days_still_worked(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/done")  # Monday: items 1 and 2
    on(clock, 1)
    await ada.say("/done")  # Tuesday: item 3
    on(clock, 2)
    await ada.say("/done")  # Wednesday: item 4, the last tick

    reply = await ada.say("/undo 2")
    assert WEEK1.items[1].title in reply
    assert await ticked(uow, ada) == ["1", "3", "4"]
    assert await week_done(uow, ada) == {WEEK1.items[i].id for i in (0, 2, 3)}
    assert marked_done(await ada.say("/week")) == {1, 3, 4}
    # Item 1 was done on Monday too: Monday stays an active day.
    days = (await enrollment(uow, ada.ref)).active_days.days()
    assert days == [MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)]

    await ada.say("/undo 3")  # Tuesday's only tick
    assert await ticked(uow, ada) == ["1", "4"]
    assert marked_done(await ada.say("/week")) == {1, 4}
    days = (await enrollment(uow, ada.ref)).active_days.days()
    assert days == [MONDAY, MONDAY + timedelta(days=2)]
    e = await enrollment(uow, ada.ref)
    assert (e.current_week_id, e.week_opened_on) == (WEEK1.id, MONDAY)


async def test_undo_of_an_item_done_ahead_makes_its_day_owed_again(
    ada: Learner, clock: FrozenClock
) -> None:
    await ada.say("/start")
    for _ in range(4):
        await ada.say("/done")  # Monday's two items, and those planned for Tue and Wed
    await ada.say("/undo 3")  # Tuesday's item is open again; Wednesday's stays done
    on(clock, 2)  # Wednesday: Tuesday owed its item and got nothing
    assert await streak(ada) == 0


async def test_undo_the_last_tick_by_number_is_undo_alone(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    by_number, alone = Learner(coach, "ada"), Learner(coach, "bob")
    replies = []
    for learner, typed in ((by_number, "/undo 3"), (alone, "/undo")):
        await learner.say("/start")
        for _ in range(3):
            await learner.say("/done")
        replies.append(await learner.say(typed))
        assert await ticked(uow, learner) == ["1", "2"]
    assert replies[0] == replies[1]
    assert WEEK1.items[2].title in replies[0]
    a, b = await enrollment(uow, by_number.ref), await enrollment(uow, alone.ref)
    assert (a.active_days, a.paused_days) == (b.active_days, b.paused_days)


async def test_undo_of_an_open_item_changes_nothing_and_says_it_is_not_ticked(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/done")
    before = await enrollment(uow, ada.ref)
    reply = await ada.say("/undo 5")
    assert f"5. {WEEK1.items[4].title}" in reply
    assert "/week" in reply
    assert await ticked(uow, ada) == ["1", "2"]
    assert await enrollment(uow, ada.ref) == before


async def test_undo_with_a_number_out_of_range_changes_nothing_and_shows_the_range(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await ada.say("/done")
    for typed in ("/undo 99", "/undo 0"):
        reply = await ada.say(typed)
        assert f"1–{len(WEEK1.items)}" in reply, typed
        assert await ticked(uow, ada) == ["1"], typed


async def test_done_by_number_works_again_after_undo_by_number(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    for _ in range(3):
        await ada.say("/done")
    await ada.say("/undo 2")
    reply = await ada.say("/done 2")
    assert WEEK1.items[1].title in reply and "already done" not in reply
    assert await ticked(uow, ada) == ["1", "3", "2"]
    assert marked_done(await ada.say("/week")) == {1, 2, 3}


async def test_a_week_reticked_after_undo_by_number_completes_on_its_last_open_item(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    for _ in range(len(WEEK1.items) - 1):
        await ada.say("/done")
    await ada.say("/undo 2")
    await ada.say("/done 7")  # six of seven done: the week stays open
    assert (await enrollment(uow, ada.ref)).current_week_id == WEEK1.id
    await ada.say("/done 2")
    assert (await enrollment(uow, ada.ref)).current_week_id == WEEK2.id
    completing = [c.item_id for c in await ticks(uow, ada.ref) if c.completes_week]
    assert completing == [WEEK1.items[1].id]


async def test_a_finished_track_takes_back_its_last_tick_first(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    learner = Learner(Coach(uow, clock, ShortTrack(), Defaults(track_id="short")))
    await learner.say("/start")
    for _ in range(3):
        await learner.say("/done")

    async def settled() -> list[tuple[str, bool]]:
        return [(c.item_id, c.completes_week) for c in await ticks(uow, learner.ref)]

    everything = [("s-a", False), ("s-b", False), ("s-r", True)]
    assert await settled() == everything
    # The track's completion is recorded on its last tick: item 1 alone cannot go.
    refused = await learner.say("/undo 1")
    assert "Review" in refused  # the tick /undo takes back
    assert "undo" in [b.action for b in learner.last.all_buttons]  # type: ignore[union-attr]
    assert await settled() == everything
    # The last tick by its number reopens the week; then any tick of it can go.
    await learner.say("/undo 3")
    assert await settled() == everything[:2]
    await learner.say("/undo 1")
    assert await settled() == [("s-b", False)]
    assert marked_done(await learner.say("/week")) == {2}
