"""Learner input the coach must read as meant: odd amounts, numbers out of range, arguments a
command does not take, settings that contradict each other."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, time
from decimal import Decimal

from core.app import views as app_views
from core.app.coach import Coach
from core.kernel.commands import Pause, Undo, Week
from core.kernel.reply import Reply
from core.learning import daily
from core.learning import settings as learner_settings
from core.learning.context import Context, learner_context
from core.learning.ports import LearningUnitOfWork
from core.learning.tracks import builtin_track
from tests.conftest import Learner
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment, rows, ticks

TRACK = builtin_track()
WEEK1 = TRACK.weeks[0]

UseCase = Callable[[Context[LearningUnitOfWork]], Awaitable[Reply]]


async def call(
    coach: Coach, uow: MemoryUnitOfWorkFactory, who: Learner, use_case: UseCase
) -> Reply:
    """A use case called straight with its command, in one unit of work as the coach runs it."""
    async with uow() as work:
        found = await work.learners.load(who.ref)
        assert found is not None
        ctx = await learner_context(work, coach.library, who.ref, found, coach.clock.now())
        assert ctx is not None
        reply = await use_case(ctx)
        await work.commit()
    return reply


async def run(coach: Coach, uow: MemoryUnitOfWorkFactory, who: Learner, use_case: UseCase) -> str:
    return (await call(coach, uow, who, use_case)).plain_text()


def hour_rows(database: MemoryDatabase) -> list[Decimal]:
    return [row.hours for row in database.tables["hours"].rows.values()]


# -- /log ------------------------------------------------------------------------


async def test_an_amount_too_small_to_keep_is_refused_not_logged_as_zero(
    ada: Learner, database: MemoryDatabase
) -> None:
    await ada.say("/start")
    reply = await ada.say("/log 0.001")
    assert rows(database, "hours") == 0
    assert "0.01" in reply  # the smallest amount kept


async def test_hours_are_kept_to_the_hundredth_and_the_reply_says_what_was_kept(
    ada: Learner, database: MemoryDatabase
) -> None:
    await ada.say("/start")
    reply = await ada.say("/log 1.234")
    assert hour_rows(database) == [Decimal("1.23")]
    assert "1.23 h" in reply
    assert "1.234" not in reply


async def test_every_amount_over_the_limit_gets_the_same_answer_naming_it(
    ada: Learner, database: MemoryDatabase
) -> None:
    await ada.say("/start")
    replies = {await ada.say(f"/log {amount}") for amount in ("1000", "12.01", "800m", "99h")}
    assert len(replies) == 1
    assert "12 h" in replies.pop()
    assert rows(database, "hours") == 0


# -- /done -----------------------------------------------------------------------


async def test_done_with_a_number_below_one_shows_the_items_range(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    reply = await ada.say("/done -1")
    assert f"1–{len(WEEK1.items)}" in reply
    assert "any more" not in reply
    assert await ticks(uow, ada.ref) == []


async def test_done_with_a_digit_int_cannot_read_is_answered_not_an_apology(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    reply = await ada.say("/done ³")
    assert reply != app_views.apology().plain_text()
    assert f"1–{len(WEEK1.items)}" in reply
    assert await ticks(uow, ada.ref) == []


# -- /settings track ---------------------------------------------------------------


async def test_settings_track_without_a_name_lists_the_tracks_to_choose(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    before = await enrollment(uow, ada.ref)
    reply = await ada.say("/settings track")
    assert "“”" not in reply
    assert f"/settings track {TRACK.id}" in reply
    assert await enrollment(uow, ada.ref) == before


async def test_a_setting_without_a_value_shows_how_to_write_one(ada: Learner) -> None:
    await ada.say("/start")
    for key in ("time", "evening", "quiet", "pace"):
        reply = await ada.say(f"/settings {key}")
        assert "“”" not in reply, key
        assert "Nothing was changed" in reply, key


# -- arguments /week, /undo and /pause did not take ----------------------------------


async def test_week_with_a_number_shows_that_week_of_the_track(
    ada: Learner, coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    fifth = TRACK.weeks[4]
    reply = await run(coach, uow, ada, lambda ctx: daily.week(ctx, Week(5)))
    assert f"Week 5 of {len(TRACK.weeks)}" in reply
    assert fifth.title in reply and fifth.items[0].title in reply
    # Its own week, asked by number, is the usual /week.
    assert await run(coach, uow, ada, lambda ctx: daily.week(ctx, Week(1))) == await ada.say(
        "/week"
    )


async def test_a_finished_week_shows_what_was_done(
    ada: Learner, coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    for _ in WEEK1.items:
        await ada.say("/done")
    reply = await run(coach, uow, ada, lambda ctx: daily.week(ctx, Week(1)))
    assert f"Week 1 of {len(TRACK.weeks)}" in reply
    assert f"({len(WEEK1.items)}/{len(WEEK1.items)} done)" in reply


async def test_week_with_a_number_beyond_the_track_or_a_word_says_what_it_takes(
    ada: Learner, coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    beyond = await run(coach, uow, ada, lambda ctx: daily.week(ctx, Week(99)))
    assert f"1–{len(TRACK.weeks)}" in beyond
    word = await run(coach, uow, ada, lambda ctx: daily.week(ctx, Week(unread="soon")))
    assert "/week 2" in word and "soon" in word  # next week, as an example


async def test_undo_with_the_number_of_the_last_tick_undoes_it(
    ada: Learner, coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/done")
    reply = await run(coach, uow, ada, lambda ctx: daily.undo(ctx, Undo(2)))
    assert WEEK1.items[1].title in reply
    assert [c.item_id for c in await ticks(uow, ada.ref)] == [WEEK1.items[0].id]


async def test_undo_with_words_undoes_nothing_and_says_it_takes_the_last_tick(
    ada: Learner, coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/done")
    reply = await run(coach, uow, ada, lambda ctx: daily.undo(ctx, Undo(unread="everything")))
    assert WEEK1.items[1].title in reply  # the tick /undo would take back
    assert len(await ticks(uow, ada.ref)) == 2


async def test_pause_for_a_set_time_does_not_pause_and_says_a_pause_lasts_until_resume(
    ada: Learner, coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    refused = await call(coach, uow, ada, lambda ctx: learner_settings.pause(ctx, Pause("3 days")))
    assert "/resume" in refused.plain_text()
    assert "pause" in [b.action for b in refused.all_buttons]  # a pause until /resume, one tap
    e = await enrollment(uow, ada.ref)
    assert (e.paused_since, e.next_nudge_at is not None) == (None, True)
    await run(coach, uow, ada, lambda ctx: learner_settings.pause(ctx, Pause()))
    assert (await enrollment(uow, ada.ref)).paused_since == date(2026, 11, 16)


# -- settings that contradict each other ---------------------------------------------


async def test_an_evening_check_in_before_the_daily_plan_is_refused(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    before = await enrollment(uow, ada.ref)
    assert (before.nudge_time, before.evening_time) == (time(9), time(20))
    reply = await ada.say("/settings evening 07:00")
    assert "09:00" in reply and "Nothing was changed" in reply
    reply = await ada.say("/settings time 21:00")
    assert "20:00" in reply and "Nothing was changed" in reply
    reply = await ada.say("/settings evening 09:00")
    assert "Nothing was changed" in reply
    assert await enrollment(uow, ada.ref) == before


async def test_quiet_hours_over_the_daily_plan_say_it_will_wait(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    reply = await ada.say("/settings quiet 08:00-10:00")
    assert "09:00" in reply  # the plan they cover, which waits until 10:00
    assert (await enrollment(uow, ada.ref)).quiet_hours is not None
    # A check-in inside quiet hours that run past midnight never comes: said so.
    await ada.say("/settings quiet 22:00-07:00")
    reply = await ada.say("/settings evening 23:00")
    assert "quiet" in reply.lower()
    assert (await enrollment(uow, ada.ref)).evening_time == time(23)


async def test_quiet_hours_clear_of_both_messages_say_nothing_more(ada: Learner) -> None:
    await ada.say("/start")
    reply = await ada.say("/settings quiet 22:00-07:00")
    assert "09:00" not in reply and "20:00" not in reply


# -- /settings tz -----------------------------------------------------------------


async def test_a_city_as_time_zone_suggests_its_zone(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    for typed, zone in (("Berlin", "Europe/Berlin"), ("new york", "America/New_York")):
        assert zone in await ada.say(f"/settings tz {typed}")
        # One tap takes the suggestion.
        assert ada.last is not None
        assert [b.action for b in ada.last.all_buttons] == [f"settings:tz {zone}"]
    assert (await enrollment(uow, ada.ref)).timezone == "UTC"
    await ada.press("settings:tz Europe/Berlin")
    assert (await enrollment(uow, ada.ref)).timezone == "Europe/Berlin"
