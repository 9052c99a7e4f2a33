"""Focus sessions: `/focus` on today's item, one at a time, its check-in when the time is
up, and its minutes logged on the local days they were spent, across midnight, time zones
and DST changes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from core.app.coach import Coach
from core.groups.focusing import focusing_line, focusing_now
from core.kernel.clock import FrozenClock
from core.kernel.commands import Done, Focus, from_action
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Reply
from core.learning.focus import StartSession, StopSession, parse_focus, split_by_day
from core.learning.ports import FocusSession
from core.outreach.focus import focus_check_in
from core.outreach.model import Audience, Drop, Send
from core.outreach.service import Outreach
from tests.conftest import Learner
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions, finished, owed
from tests.unit.rules.support import enrollment, snapshot

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
FIRST_ITEM = "w01-setup"
T = TypeVar("T")


@pytest.fixture
def outreach(coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Outreach:
    return Outreach(coach, uow, clock)


@pytest.fixture
def decisions(clock: FrozenClock, outreach: Outreach) -> Decisions:
    return Decisions(clock, outreach)


def sessions(database: MemoryDatabase) -> list[FocusSession]:
    return sorted(database.focus_sessions.rows.values(), key=lambda s: s.id)


def running(database: MemoryDatabase) -> list[FocusSession]:
    return [s for s in sessions(database) if s.stopped_at is None]


async def hours_by_day(uow: MemoryUnitOfWorkFactory, who: LearnerRef) -> dict[date, float]:
    e = await enrollment(uow, who)
    async with uow() as work:
        return await work.journal.hours_by_day(e.id, since=date(2000, 1, 1))


async def after_yields(count: int, work: Awaitable[T]) -> T:
    """`work`, once the event loop has run others `count` times: a race run at each step."""
    for _ in range(count):
        await asyncio.sleep(0)
    return await work


def actions(reply: Reply) -> list[str]:
    return [button.action for button in reply.all_buttons]


async def started_in(
    coach: Coach, clock: FrozenClock, zone: str, at: datetime, name: str = "ada"
) -> Learner:
    """A learner in `zone` who started at `at`."""
    clock.set(at)
    learner = Learner(coach, name)
    await learner.say("/start")
    await learner.say(f"/settings tz {zone}")
    return learner


# -- what /focus takes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minutes", "more"),
    [
        ("", 25, False),
        ("50", 50, False),
        ("50m", 50, False),
        ("5 min", 5, False),
        ("180", 180, False),
        ("more", 5, True),
        ("more 10", 10, True),
    ],
)
def test_focus_takes_minutes_or_more(typed: str, minutes: int, more: bool) -> None:
    assert parse_focus(typed) == StartSession(minutes, more=more)
    assert parse_focus(" STOP ") == StopSession()


@pytest.mark.parametrize("typed", ["4", "181", "0", "-5", "soon", "25 50", "more soon", "1e3"])
async def test_a_length_out_of_range_or_junk_starts_nothing_and_says_how(
    ada: Learner, database: MemoryDatabase, typed: str
) -> None:
    await ada.say("/start")
    answer = await ada.say(f"/focus {typed}")
    assert "/focus 50" in answer and "Nothing was started" in answer
    assert sessions(database) == []


# -- a session on today's item ------------------------------------------------------


async def test_focus_starts_25_minutes_on_the_next_open_item_and_owes_a_check_in(
    ada: Learner, database: MemoryDatabase, clock: FrozenClock
) -> None:
    await ada.say("/start")
    await ada.say("/done")  # item 1: the session goes to item 2
    assert "25 min on 2." in await ada.say("/focus")
    assert actions(ada.last or Reply()) == [Focus("stop").as_action()]
    [session] = sessions(database)
    assert session.item_id != FIRST_ITEM and session.item_id is not None
    assert (session.started_at, session.ends_at) == (
        clock.now(),
        clock.now() + timedelta(minutes=25),
    )
    assert owed(database, Audience.FOCUS) == [("focus_end", date(2026, 11, 16))]


async def test_a_second_focus_says_how_long_is_left_and_offers_stop(
    ada: Learner, database: MemoryDatabase, clock: FrozenClock
) -> None:
    await ada.say("/start")
    await ada.say("/focus 50")
    clock.advance(timedelta(minutes=20))
    for typed in ("/focus", "/focus 25", "/focus more 5"):
        answer = await ada.say(typed)
        assert "30 min left" in answer, typed
        assert actions(ada.last or Reply()) == [Focus("stop").as_action()]
    assert len(sessions(database)) == 1


async def test_two_focus_at_once_start_one_session(
    coach: Coach, ada: Learner, database: MemoryDatabase
) -> None:
    await ada.say("/start")
    answers = await asyncio.gather(*(coach.handle(ada.ref, "/focus") for _ in range(4)))
    texts = [a.plain_text() for a in answers if isinstance(a, Reply)]
    assert len(texts) == 4
    assert sum("Focus: 25 min" in t for t in texts) == 1
    assert sum("left" in t for t in texts) == 3
    assert len(sessions(database)) == 1
    assert len(owed(database, Audience.FOCUS)) == 1


async def test_stop_logs_the_minutes_so_far_and_the_check_in_is_dropped(
    ada: Learner,
    database: MemoryDatabase,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    await ada.say("/start")
    await ada.say("/focus 50")
    clock.advance(timedelta(minutes=12))
    assert "12 min on 1." in await ada.say("/focus stop")
    assert await hours_by_day(uow, ada.ref) == {date(2026, 11, 16): 0.2}
    assert running(database) == []
    assert "enjoy the break" in await ada.say("/focus stop")
    clock.advance(timedelta(minutes=40))
    await decisions.drain()
    assert decisions.sent == []
    assert ("focus_end", date(2026, 11, 16), "dropped", "stopped early") in finished(database)
    assert await hours_by_day(uow, ada.ref) == {date(2026, 11, 16): 0.2}


async def test_a_session_stopped_as_it_began_logs_nothing(
    ada: Learner, database: MemoryDatabase, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    await ada.say("/start")
    await ada.say("/focus")
    clock.advance(timedelta(seconds=50))
    assert "nothing was logged" in await ada.say("/focus stop")
    assert await hours_by_day(uow, ada.ref) == {}
    assert running(database) == []


async def test_stop_with_nothing_running_says_so(ada: Learner) -> None:
    await ada.say("/start")
    assert "No focus session is running" in await ada.say("/focus stop")
    assert actions(ada.last or Reply()) == [Focus("").as_action()]


async def test_a_learner_on_a_break_starts_no_session(
    ada: Learner, database: MemoryDatabase
) -> None:
    await ada.say("/start")
    await ada.say("/pause")
    assert "on a break" in await ada.say("/focus")
    assert sessions(database) == []


# -- the check-in ---------------------------------------------------------------------


async def test_the_check_in_comes_when_the_time_is_up_with_tick_more_and_break(
    ada: Learner,
    database: MemoryDatabase,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    await ada.say("/start")
    await ada.say("/focus")
    clock.advance(timedelta(minutes=24, seconds=59))
    await decisions.tick()
    assert decisions.sent == []
    clock.advance(timedelta(seconds=1))
    await decisions.tick()
    [check_in] = decisions.of("focus", ada.ref)
    assert "Time's up: 25 min" in check_in.text
    assert actions(check_in.reply) == [
        Done(FIRST_ITEM).as_action(),
        Focus("more 5").as_action(),
        Focus("stop").as_action(),
    ]
    [session] = sessions(database)
    assert session.stopped_at == session.ends_at
    assert await hours_by_day(uow, ada.ref) == {date(2026, 11, 16): 0.42}
    # Once: the row is finished, and nothing more is owed.
    await decisions.tick()
    assert len(decisions.of("focus")) == 1
    assert owed(database, Audience.FOCUS) == []


async def test_five_more_continues_on_the_same_item_and_done_ticks_it(
    ada: Learner,
    database: MemoryDatabase,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    await ada.say("/start")
    await ada.say("/focus")
    clock.advance(timedelta(minutes=25))
    await decisions.drain()
    [first] = decisions.of("focus")
    clock.advance(timedelta(minutes=2))
    more = next(a for a in actions(first.reply) if a.startswith("focus:more"))
    assert "5 min on 1." in await ada.press(more)
    assert [s.item_id for s in sessions(database)] == [FIRST_ITEM, FIRST_ITEM]
    clock.advance(timedelta(minutes=5))
    await decisions.drain()
    second = decisions.of("focus")[-1]
    assert "Time's up: 5 min" in second.text
    tick = next(a for a in actions(second.reply) if isinstance(from_action(a), Done))
    assert "done." in await ada.press(tick)
    found = await snapshot(uow, ada.ref)
    assert found is not None and FIRST_ITEM in found.week_done
    assert await hours_by_day(uow, ada.ref) == {date(2026, 11, 16): 0.5}
    # The item is done: the next /focus goes to the next one.
    assert "on 2." in await ada.say("/focus")


async def test_the_check_in_names_the_item_when_it_can_read_the_track(
    coach: Coach,
    ada: Learner,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    outreach: Outreach,
) -> None:
    await ada.say("/start")
    await ada.say("/focus")
    clock.advance(timedelta(minutes=25))
    [item] = await outreach.claim("worker", 10)
    async with uow() as work:
        decision = await focus_check_in(work, item, {"test"}, clock.now(), coach.library)
        await work.commit()
    assert isinstance(decision, Send) and decision.to == ada.ref
    assert "Time's up: 25 min on 1. Install Python" in decision.reply.plain_text()
    tick = decision.reply.buttons[0][0]
    assert tick.label.startswith("✓ 1.") and tick.action == Done(FIRST_ITEM).as_action()


async def test_a_check_in_racing_a_stop_logs_the_session_once(
    coach: Coach,
    ada: Learner,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    outreach: Outreach,
) -> None:
    await ada.say("/start")
    for round_ in range(6):
        await ada.say("/focus")
        clock.advance(timedelta(minutes=26))
        [item] = await outreach.claim("worker", 10)
        decision, _ = await asyncio.gather(
            after_yields(3 * round_, outreach.compose(item, {"test"})),
            coach.handle(ada.ref, "/focus stop"),
        )
        if isinstance(decision, Send):
            await outreach.sent(item, decision)
        else:
            assert isinstance(decision, Drop)
            await outreach.dropped(item, decision.why)
        logged = await hours_by_day(uow, ada.ref)
        assert logged == {date(2026, 11, 16): pytest.approx(0.42 * (round_ + 1))}


async def test_a_session_whose_time_is_up_ends_at_its_time_when_the_next_begins(
    ada: Learner,
    database: MemoryDatabase,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    """The sender was behind: the next /focus ends the last session at its end, with all
    its minutes, and its check-in no longer goes."""
    await ada.say("/start")
    await ada.say("/focus")
    clock.advance(timedelta(minutes=40))
    assert "Focus: 25 min" in await ada.say("/focus")
    first, second = sessions(database)
    assert first.stopped_at == clock.now() and second.stopped_at is None
    assert await hours_by_day(uow, ada.ref) == {date(2026, 11, 16): 0.42}
    await decisions.drain()
    assert decisions.sent == []
    assert ("focus_end", date(2026, 11, 16), "dropped", "stopped after its time was up") in (
        finished(database)
    )


async def test_a_check_in_that_did_not_go_through_goes_again_and_logs_once(
    ada: Learner,
    database: MemoryDatabase,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    outreach: Outreach,
    decisions: Decisions,
) -> None:
    await ada.say("/start")
    await ada.say("/focus")
    clock.advance(timedelta(minutes=25))
    [item] = await outreach.claim("worker", 10)
    assert isinstance(await outreach.compose(item, {"test"}), Send)
    await outreach.failed(item, "the platform timed out", retry=True)
    clock.advance(timedelta(minutes=5))
    await decisions.drain()
    assert len(decisions.of("focus", ada.ref)) == 1
    assert await hours_by_day(uow, ada.ref) == {date(2026, 11, 16): 0.42}


async def test_a_failed_check_in_is_not_sent_again_once_another_session_began(
    ada: Learner, clock: FrozenClock, outreach: Outreach, decisions: Decisions
) -> None:
    await ada.say("/start")
    await ada.say("/focus")
    clock.advance(timedelta(minutes=25))
    [item] = await outreach.claim("worker", 10)
    assert isinstance(await outreach.compose(item, {"test"}), Send)
    await outreach.failed(item, "the platform timed out", retry=True)
    await ada.say("/focus 50")
    clock.advance(timedelta(minutes=5))
    await decisions.drain()
    assert decisions.sent == []
    assert [why for _, why in decisions.dropped] == ["another session began"]


async def test_paused_or_unreachable_learners_get_their_hours_without_a_check_in(
    coach: Coach,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    ada, bob = Learner(coach, "ada"), Learner(coach, "bob")
    for learner in (ada, bob):
        await learner.say("/start")
        await learner.say("/focus")
    await ada.say("/pause")
    await coach.mark_unreachable(bob.ref)
    clock.advance(timedelta(minutes=25))
    await decisions.drain()
    assert decisions.sent == []
    assert sorted(why for _, why in decisions.dropped) == ["no reachable chat", "paused"]
    for learner in (ada, bob):
        assert await hours_by_day(uow, learner.ref) == {date(2026, 11, 16): 0.42}


async def test_quiet_hours_silence_a_session_set_before_them_not_one_set_inside(
    ada: Learner,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    clock.set(datetime(2026, 11, 16, 21, 0, tzinfo=UTC))
    await ada.say("/start")
    await ada.say("/settings quiet 22:00-07:00")
    clock.set(datetime(2026, 11, 16, 21, 50, tzinfo=UTC))
    await ada.say("/focus")  # ends at 22:15, inside the quiet hours
    clock.advance(timedelta(minutes=25))
    await decisions.drain()
    assert decisions.sent == []
    assert [why for _, why in decisions.dropped] == ["quiet hours began during the session"]
    clock.set(datetime(2026, 11, 16, 23, 50, tzinfo=UTC))
    await ada.say("/focus")  # set inside them: the learner is up, and the timer rings
    clock.advance(timedelta(minutes=25))
    await decisions.drain()
    assert len(decisions.of("focus", ada.ref)) == 1
    assert await hours_by_day(uow, ada.ref) == {date(2026, 11, 16): 0.59, date(2026, 11, 17): 0.25}


# -- minutes on the local days they were spent ------------------------------------------


async def test_a_session_across_midnight_in_new_york_on_the_night_dst_ends(
    coach: Coach,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    """Saturday 31 October 2026, 23:50 EDT: 10 minutes that day, 15 on Sunday 1 November,
    the day clocks go back at 02:00."""
    ada = await started_in(
        coach, clock, "America/New_York", datetime(2026, 10, 26, 14, 0, tzinfo=UTC)
    )
    clock.set(datetime(2026, 10, 31, 23, 50, tzinfo=NEW_YORK))
    assert "until 00:15" in await ada.say("/focus")
    clock.advance(timedelta(minutes=25))
    await decisions.drain()
    assert len(decisions.of("focus", ada.ref)) == 1
    assert await hours_by_day(uow, ada.ref) == {date(2026, 10, 31): 0.17, date(2026, 11, 1): 0.25}


async def test_a_session_through_the_repeated_hour_counts_the_minutes_that_passed(
    coach: Coach,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    decisions: Decisions,
) -> None:
    """01:40 EDT, 50 minutes: the clock reads 01:30 EST when it ends, and 50 minutes count."""
    ada = await started_in(
        coach, clock, "America/New_York", datetime(2026, 10, 26, 14, 0, tzinfo=UTC)
    )
    clock.set(datetime(2026, 11, 1, 5, 40, tzinfo=UTC))  # 01:40 EDT
    assert "until 01:30" in await ada.say("/focus 50")
    clock.advance(timedelta(minutes=30))  # 01:10 EST, earlier on the wall than the start
    assert "20 min left" in await ada.say("/focus")
    clock.advance(timedelta(minutes=20))
    await decisions.drain()
    [check_in] = decisions.of("focus", ada.ref)
    assert "Time's up: 50 min" in check_in.text
    assert await hours_by_day(uow, ada.ref) == {date(2026, 11, 1): 0.83}


async def test_a_session_through_the_skipped_hour_in_spring(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    """8 March 2026, 01:50 EST: 25 minutes end at 03:15 EDT; stopped at 03:05, 15 count."""
    ada = await started_in(
        coach, clock, "America/New_York", datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    )
    clock.set(datetime(2026, 3, 8, 6, 50, tzinfo=UTC))
    assert "until 03:15" in await ada.say("/focus")
    clock.advance(timedelta(minutes=15))
    assert "15 min" in await ada.say("/focus stop")
    assert await hours_by_day(uow, ada.ref) == {date(2026, 3, 8): 0.25}


@pytest.mark.parametrize(
    ("zone", "local_start", "days"),
    [
        # Tokyo's midnight is 15:00 UTC: the cut falls there, not at UTC's.
        ("Asia/Tokyo", datetime(2026, 11, 17, 23, 50), {17: 0.17, 18: 0.25}),
        ("Europe/Berlin", datetime(2026, 11, 17, 23, 50), {17: 0.17, 18: 0.25}),
        ("America/Los_Angeles", datetime(2026, 11, 17, 23, 50), {17: 0.17, 18: 0.25}),
        # Quarter-hour offsets, and a session well inside one day.
        ("Asia/Kathmandu", datetime(2026, 11, 17, 23, 50), {17: 0.17, 18: 0.25}),
        ("Asia/Kolkata", datetime(2026, 11, 17, 12, 0), {17: 0.42}),
    ],
)
async def test_minutes_go_to_the_local_day_they_were_spent_in_any_zone(
    coach: Coach,
    uow: MemoryUnitOfWorkFactory,
    clock: FrozenClock,
    decisions: Decisions,
    zone: str,
    local_start: datetime,
    days: dict[int, float],
) -> None:
    ada = await started_in(coach, clock, zone, datetime(2026, 11, 16, 12, 0, tzinfo=UTC))
    clock.set(local_start.replace(tzinfo=ZoneInfo(zone)))
    await ada.say("/focus")
    clock.advance(timedelta(minutes=25))
    await decisions.drain()
    assert len(decisions.of("focus", ada.ref)) == 1
    assert await hours_by_day(uow, ada.ref) == {
        date(2026, 11, day): hours for day, hours in days.items()
    }


@pytest.mark.parametrize(
    ("zone", "start", "minutes", "expected"),
    [
        (NEW_YORK, datetime(2026, 11, 1, 3, 30, tzinfo=UTC), 180, {(10, 31): 30, (11, 1): 150}),
        (NEW_YORK, datetime(2026, 11, 2, 3, 30, tzinfo=UTC), 180, {(11, 1): 90, (11, 2): 90}),
        (TOKYO, datetime(2026, 11, 16, 14, 0, tzinfo=UTC), 120, {(11, 16): 60, (11, 17): 60}),
        # Berlin's spring change: 00:00-03:30 CEST on 29 March is 150 minutes.
        (BERLIN, datetime(2026, 3, 28, 22, 30, tzinfo=UTC), 180, {(3, 28): 30, (3, 29): 150}),
    ],
)
def test_split_by_day_cuts_at_local_midnights(
    zone: ZoneInfo, start: datetime, minutes: int, expected: dict[tuple[int, int], int]
) -> None:
    parts = split_by_day(start, start + timedelta(minutes=minutes), zone)
    assert {(d.month, d.day): span // timedelta(minutes=1) for d, span in parts} == expected
    assert sum((span for _, span in parts), timedelta()) == timedelta(minutes=minutes)


# -- the weekly hours ---------------------------------------------------------------------


async def test_sessions_count_toward_the_weeks_hours(
    ada: Learner, clock: FrozenClock, decisions: Decisions
) -> None:
    await ada.say("/start")
    await ada.say("/focus 60")
    clock.advance(timedelta(minutes=60))
    await decisions.drain()
    assert "Hours this calendar week: 1 of" in await ada.say("/progress")


# -- who is focusing, in a study group ----------------------------------------------------


async def test_the_group_sees_who_is_focusing_among_those_who_share_what_they_do(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    chat = ChatRef("test", "-100", "Backend cohort")

    async def admin() -> bool:
        return True

    names = {"1": "Ada", "2": "Bob", "3": "Cy"}
    people = {key: LearnerRef("test", key, name) for key, name in names.items()}
    for key, who in people.items():
        if key == "1":
            await coach.handle(who, "/group setup", chat=ChatContext(chat, admin))
        await coach.handle(who, "/start")
        await coach.handle(who, "/join", chat=ChatContext(chat, admin))
    await coach.handle(people["2"], "/share done off", chat=ChatContext(chat, admin))
    await coach.handle(people["1"], "/focus 50")
    await coach.handle(people["2"], "/focus")
    clock.advance(timedelta(minutes=10))
    await coach.handle(people["3"], "/focus")

    async with uow() as work:
        group = await work.groups.find(chat)
        assert group is not None
        members = []
        for who in people.values():
            found = await work.learners.load(who)
            assert found is not None
            membership = await work.groups.membership(group.id, found.learner_id)
            assert membership is not None
            members.append(membership)
        focusing = await focusing_now(work, members, clock.now())
    assert [(f.name, f.until) for f in focusing] == [
        ("Cy", clock.now() + timedelta(minutes=25)),
        ("Ada", clock.now() + timedelta(minutes=40)),
    ]
    line = focusing_line(focusing, TOKYO)
    assert line is not None
    assert line.text == "Focusing now: Cy (until 17:35), Ada (until 17:50)"
    clock.advance(timedelta(minutes=40))
    async with uow() as work:
        assert await focusing_now(work, members, clock.now()) == []
    assert focusing_line([], TOKYO) is None


async def test_focus_in_a_group_chat_is_answered_in_private(coach: Coach) -> None:
    async def member() -> bool:
        return False

    who = LearnerRef("test", "ada", "Ada")
    await coach.handle(who, "/start")
    chat = ChatContext(ChatRef("test", "-100", "Backend cohort"), member)
    outcome = await coach.handle(who, "/focus", chat=chat)
    assert isinstance(outcome, Reply) and "Focus: 25 min" not in outcome.plain_text()
