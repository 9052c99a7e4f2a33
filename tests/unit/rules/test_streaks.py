"""Streaks through the coach: a day with nothing owed never breaks one, and the streak
shown once today's work is done is the one tomorrow shows."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.library import Defaults
from core.learning.tracks import Track, parse_track
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment, ticks

MONDAY = date(2026, 11, 16)
# The built-in track's week 1 has 7 items over Mon-Sat: two on Monday, then one a day.


def on(clock: FrozenClock, day: int, hour: int = 9) -> None:
    """Moves the clock to `day` days after Monday 16 Nov, at `hour` UTC."""
    clock.set(datetime(2026, 11, 16, hour, tzinfo=UTC) + timedelta(days=day))


async def streak(learner: Learner) -> int:
    """The streak /progress reports."""
    text = await learner.say("/progress")
    found = re.search(r"Streak: (\d+) days?\.", text)
    if found:
        return int(found.group(1))
    assert "Streak: starts" in text, text
    return 0


async def done(learner: Learner, times: int = 1, which: str = "") -> None:
    for _ in range(times):
        await learner.say(f"/done {which}".strip())


async def test_days_covered_by_work_done_ahead_keep_the_streak(
    ada: Learner, clock: FrozenClock
) -> None:
    await ada.say("/start")
    await done(ada, 5)  # Monday's two items, and those planned for Tue, Wed and Thu
    assert await streak(ada) == 1
    for day in (1, 2, 3):  # Tue-Thu: everything planned for them is already done
        on(clock, day)
        assert await streak(ada) == 1, f"day {day}"
    on(clock, 4)  # Friday: owes its item, and the streak holds until the day is over
    assert await streak(ada) == 1
    await done(ada)
    assert await streak(ada) == 2


async def test_the_streak_shown_after_finishing_today_is_the_one_tomorrow_shows(
    ada: Learner, clock: FrozenClock
) -> None:
    await ada.say("/start")
    await done(ada, 2)  # Monday's items
    on(clock, 1)
    await done(ada, 2)  # Tuesday's item and Wednesday's
    shown = await streak(ada)
    assert shown == 2
    on(clock, 2)  # Wednesday: nothing left for it; the learner rests
    assert await streak(ada) == shown
    on(clock, 3)
    assert await streak(ada) == shown
    on(clock, 4)  # Thursday's item was never done: Thursday breaks it
    assert await streak(ada) == 0


async def test_a_missed_day_with_work_owed_still_breaks(ada: Learner, clock: FrozenClock) -> None:
    await ada.say("/start")
    await done(ada, 3)  # Monday's and Tuesday's
    on(clock, 3)  # Thursday: Wednesday owed an item and nothing was done
    assert await streak(ada) == 0


async def test_the_day_after_resume_keeps_the_streak(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await done(ada, 2)  # Monday's items
    await ada.say("/pause")
    on(clock, 2)
    await ada.say("/resume")  # the plan moves two days: Monday's items now fall on Wednesday
    assert (await enrollment(uow, ada.ref)).week_opened_on == MONDAY + timedelta(days=2)
    assert await streak(ada) == 1
    on(clock, 3)  # Wednesday owed nothing: they were done before the break
    assert await streak(ada) == 1
    await done(ada)
    assert await streak(ada) == 2


async def test_done_yesterday_leaves_today_owing_nothing_it_had_done(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await done(ada, 2)  # Monday's items
    on(clock, 1)
    # Tuesday's item was done on Monday evening and not ticked: credit it to Monday.
    await done(ada, which="yesterday")
    assert [c.done_on for c in await ticks(uow, ada.ref)] == [MONDAY] * 3
    assert await streak(ada) == 1
    on(clock, 2)  # Tuesday owed nothing: its item was done on Monday
    assert await streak(ada) == 1


async def test_done_yesterday_keeps_todays_work(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await done(ada, 2)  # Monday's items
    on(clock, 1)
    await done(ada)  # Tuesday's item, today
    await done(ada, which="yesterday")  # Wednesday's item, done on Monday
    done_on = [c.done_on for c in await ticks(uow, ada.ref)]
    assert done_on == [MONDAY, MONDAY, MONDAY + timedelta(days=1), MONDAY]
    e = await enrollment(uow, ada.ref)
    assert e.active_days.days() == [MONDAY, MONDAY + timedelta(days=1)]
    assert await streak(ada) == 2
    on(clock, 2)  # Wednesday: its item is done; the learner rests
    assert await streak(ada) == 2
    on(clock, 3)
    assert await streak(ada) == 2


async def test_undo_of_work_ahead_makes_the_day_owed_again(
    ada: Learner, clock: FrozenClock
) -> None:
    await ada.say("/start")
    await done(ada, 3)  # Monday's and Tuesday's
    await ada.say("/undo")  # Tuesday's item is open again
    on(clock, 2)
    assert await streak(ada) == 0


async def test_a_change_of_study_days_keeps_past_rest_days(
    ada: Learner, clock: FrozenClock
) -> None:
    await ada.say("/start")
    await done(ada)  # Monday: one of its two items, so the week stays behind
    for day in range(1, 6):  # Tue-Sat: one item a day
        on(clock, day)
        await done(ada)
    on(clock, 7)  # Monday: Sunday was a rest day
    await done(ada)
    assert await streak(ada) == 7
    await ada.say("/settings days mon-sun")  # Sunday becomes a study day from now on
    assert await streak(ada) == 7
    on(clock, 8)
    assert await streak(ada) == 7


async def test_after_a_move_west_today_breaks_nothing_and_a_later_tick_counts(
    ada: Learner, clock: FrozenClock
) -> None:
    await ada.say("/start")
    await done(ada)  # one of Monday's two items
    on(clock, 2, hour=8)
    await ada.say("/settings tz Pacific/Auckland")  # Wednesday 21:00; Tuesday was missed
    await done(ada)
    assert await streak(ada) == 1
    await ada.say("/settings tz Pacific/Honolulu")  # Tuesday 22:00 again, still owing
    assert await streak(ada) == 2  # Wednesday's tick, and Monday's
    await done(ada)
    assert await streak(ada) == 3
    on(clock, 3, hour=8)  # Wednesday 22:00 in Honolulu
    assert await streak(ada) == 3


async def test_a_move_west_during_a_break_puts_the_new_today_on_it(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    tuesday = MONDAY + timedelta(days=1)
    await ada.say("/start")
    await done(ada, 2)  # Monday's items; Tuesday's is never done
    on(clock, 2, hour=8)
    await ada.say("/settings tz Pacific/Auckland")  # Wednesday 21:00
    await ada.say("/pause")
    await ada.say("/settings tz Pacific/Honolulu")  # Tuesday 22:00 again, on the break
    assert (await enrollment(uow, ada.ref)).paused_since == tuesday
    on(clock, 4, hour=8)  # Thursday 22:00 in Honolulu
    await ada.say("/resume")
    assert await streak(ada) == 1


def one_week_track() -> Track:
    items = [{"id": f"o-{n}", "kind": "learn", "title": f"Step {n}"} for n in range(5)]
    items.append({"id": "o-r", "kind": "review", "title": "Review"})
    return parse_track(
        {
            "id": "short",
            "title": "Short track",
            "version": 1,
            "weeks": [{"id": "o1", "number": 1, "title": "Only", "items": items}],
        }
    )


class OneTrack:
    def __init__(self, track: Track) -> None:
        self.track = track

    def get(self, track_id: str) -> Track | None:
        return self.track if track_id == self.track.id else None

    def all(self) -> tuple[Track, ...]:
        return (self.track,)


async def test_a_finished_track_owes_nothing(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    coach = Coach(uow, clock, OneTrack(one_week_track()), Defaults(track_id="short"))
    learner = Learner(coach)
    await learner.say("/start")
    await done(learner, 6)
    assert "finished" in learner.last.plain_text()  # type: ignore[union-attr]
    for day in (1, 2, 9):
        on(clock, day)
        assert await streak(learner) == 1, f"day {day}"
