"""A learner's days on a track: start, today, done, undo, the week, settings, pause, hours,
notes, export and forget."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.reply import ALREADY_HANDLED, Reply
from core.learning.library import Defaults
from core.learning.pace import Pace
from core.learning.tracks import Track, builtin_track, parse_track
from tests.conftest import Learner
from tests.fakes.memory import DatabaseError, MemoryDatabase, MemoryTicks, MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment, rows, snapshot, ticks

WEEK1 = builtin_track().weeks[0]
WEEK2 = builtin_track().weeks[1]


def done_actions(reply: Reply | None) -> list[str]:
    assert reply is not None
    return [b.action for b in reply.all_buttons if b.action.startswith("done:")]


async def test_start_then_today_works_at_once(ada: Learner) -> None:
    welcome = await ada.say("/start")
    assert builtin_track().title in welcome
    assert WEEK1.title in welcome
    today = await ada.say("/today")
    assert "Mon 16 Nov" in today
    assert WEEK1.items[0].title in today
    # One ✓ button per open item of today, each a done action for that item.
    assert done_actions(ada.last)[:1] == [f"done:{WEEK1.items[0].id}"]


async def test_commands_before_start_ask_to_start(ada: Learner, database: MemoryDatabase) -> None:
    for command in ("/today", "/done", "/week", "/progress", "/log 1", "/settings"):
        assert "/start" in await ada.say(command), command
    assert rows(database, "learners") == 0


async def test_start_twice_keeps_one_learner(ada: Learner, database: MemoryDatabase) -> None:
    first = await ada.say("/start")
    again = await ada.say("/start")
    assert again != first and "back" in again
    assert (rows(database, "learners"), rows(database, "enrollments")) == (1, 1)


async def test_a_full_week_completes_and_opens_the_next(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    for day in range(6):  # Mon..Sat, ticking what each day asks for
        clock.set(datetime(2026, 11, 16 + day, 18, 0, tzinfo=UTC))
        await ada.say("/today")
        for action in done_actions(ada.last):
            await ada.press(action)
    closing = ada.last.plain_text() if ada.last else ""
    assert "Week 1 complete" in closing and "2026-11-21" in closing
    e = await enrollment(uow, ada.ref)
    assert (e.current_week_id, e.week_opened_on) == (WEEK2.id, date(2026, 11, 21))
    async with uow() as work:
        done = await work.ticks.of_enrollment(e.id)
    assert {c.item_id for c in done} == {i.id for i in WEEK1.items}
    assert [(c.week_id, c.done_on) for c in done if c.completes_week] == [
        (WEEK1.id, date(2026, 11, 21))
    ]
    progress = await ada.say("/progress")
    assert "Weeks completed: 1 of 24" in progress
    assert "Streak: 6 days" in progress
    # Sunday is a rest day: the streak holds.
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    assert "Streak: 6 days" in await ada.say("/progress")
    # Monday with nothing done yet: still holds until the day is over.
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert "Streak: 6 days" in await ada.say("/progress")
    # Tuesday: Monday was missed, and the freeze the steady week earned covers it.
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    progress = await ada.say("/progress")
    assert "Streak: 6 days" in progress and "freezes held: 0" in progress
    # Wednesday: Tuesday was missed too, with no freeze left: the streak starts over.
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    assert "Streak: starts" in await ada.say("/progress")


async def test_done_by_number_and_already_done(ada: Learner, uow: MemoryUnitOfWorkFactory) -> None:
    await ada.say("/start")
    assert WEEK1.items[2].title in await ada.say("/done 3")
    assert "already done" in await ada.say("/done 3")
    assert "already done" in await ada.press(f"done:{WEEK1.items[2].id}")
    assert [c.item_id for c in await ticks(uow, ada.ref)] == [WEEK1.items[2].id]


async def test_bad_done_changes_nothing(ada: Learner, uow: MemoryUnitOfWorkFactory) -> None:
    await ada.say("/start")
    assert "99" in await ada.say("/done 99")
    assert "0" in await ada.say("/done 0")
    assert "/done yesterday" in await ada.say("/done 1 2")
    assert "not in your current week" in await ada.press("done:w09-gone")
    assert "no yesterday" in await ada.say("/done yesterday")  # started today
    assert await ticks(uow, ada.ref) == []


async def test_a_double_tap_counts_once(ada: Learner, uow: MemoryUnitOfWorkFactory) -> None:
    await ada.say("/start")
    action = f"done:{WEEK1.items[0].id}"
    replies = await asyncio.gather(*(ada.coach.press(ada.ref, action) for _ in range(4)))
    texts = [r.plain_text() for r in replies if isinstance(r, Reply)]
    assert sum("already done" in t for t in texts) == 3
    assert len(await ticks(uow, ada.ref)) == 1


async def test_done_yesterday_keeps_the_streak(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await ada.say("/done")  # Monday
    clock.set(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))  # Wednesday; Tuesday forgotten
    reply = await ada.say("/done yesterday")
    assert "yesterday" in reply and "Streak: 2 days" in reply
    assert [c.done_on for c in await ticks(uow, ada.ref)] == [
        date(2026, 11, 16),
        date(2026, 11, 17),
    ]
    assert "Streak: 3 days" in await ada.say("/done")


async def test_undo_takes_back_the_last_tick_and_reopens_a_week(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    assert "nothing to undo" in await ada.say("/undo")
    for _ in WEEK1.items:
        await ada.say("/done")
    assert (await enrollment(uow, ada.ref)).current_week_id == WEEK2.id
    reply = await ada.say("/undo")
    assert WEEK1.items[-1].title in reply
    e = await enrollment(uow, ada.ref)
    assert (e.current_week_id, e.week_opened_on) == (WEEK1.id, date(2026, 11, 16))
    done = await ticks(uow, ada.ref)
    assert len(done) == len(WEEK1.items) - 1
    assert not any(c.completes_week for c in done)
    # Undo everything: today is no longer an active day.
    for _ in range(len(WEEK1.items) - 1):
        await ada.say("/undo")
    assert await ticks(uow, ada.ref) == []
    assert (await enrollment(uow, ada.ref)).active_days.days() == []
    assert "Streak: starts" in await ada.say("/progress")


async def test_today_in_the_learners_time_zone(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    assert "Pacific/Auckland" in await ada.say("/settings tz pacific/auckland")
    # 20:00 UTC on Monday is already Tuesday 09:00 in Auckland.
    clock.set(datetime(2026, 11, 16, 20, 0, tzinfo=UTC))
    assert "Tue 17 Nov" in await ada.say("/today")
    await ada.say("/done")
    found = await snapshot(uow, ada.ref)
    assert found is not None
    assert set(found.week_done.values()) == {date(2026, 11, 17)}


async def test_rest_day_and_overdue(ada: Learner, clock: FrozenClock) -> None:
    await ada.say("/start")
    clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))  # Sunday
    reply = await ada.say("/today")
    assert "Rest day" in reply
    assert "Catch up first" in reply  # the whole week slipped
    assert done_actions(ada.last)  # catching up still offers the items
    clock.set(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))  # Wednesday, nothing done
    reply = await ada.say("/today")
    assert "Catch up first" in reply
    assert "Today:" in reply


@pytest.mark.parametrize(
    "bad",
    [
        "/settings tz Mars/Olympus",
        "/settings time 25:99",
        "/settings days xyz",
        "/settings pace warp",
        "/settings track nope",
        "/settings colour blue",
    ],
)
async def test_a_bad_setting_changes_nothing(
    ada: Learner, uow: MemoryUnitOfWorkFactory, bad: str
) -> None:
    await ada.say("/start")
    before = await enrollment(uow, ada.ref)
    await ada.say(bad)
    assert await enrollment(uow, ada.ref) == before


async def test_settings_change_the_plan_and_the_next_nudge(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    assert "07:30" in await ada.say("/settings time 7:30")
    assert "Mon–Fri" in await ada.say("/settings days mon-fri")
    assert "accelerated" in await ada.say("/settings pace accelerated")
    e = await enrollment(uow, ada.ref)
    assert (e.nudge_time, e.study_days, e.pace) == (
        time(7, 30),
        frozenset(range(5)),
        Pace.ACCELERATED,
    )
    # The next nudge follows the new settings: Tuesday 07:30 UTC (Monday's has passed).
    assert e.next_nudge_at == datetime(2026, 11, 17, 7, 30, tzinfo=UTC)
    assert "already on" in await ada.say("/settings track python-backend")


async def test_pause_keeps_the_streak_and_shifts_the_plan(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/pause")
    paused = await enrollment(uow, ada.ref)
    assert (paused.next_nudge_at, paused.paused_since) == (None, date(2026, 11, 16))
    assert "on a break" in await ada.say("/today")
    assert "on a break" in await ada.say("/done")
    assert len(await ticks(uow, ada.ref)) == 1
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday next week
    assert "10 days later" in await ada.say("/resume")
    e = await enrollment(uow, ada.ref)
    assert (e.week_opened_on, e.paused_since) == (date(2026, 11, 26), None)
    assert e.next_nudge_at is not None
    assert "Streak: 1 day" in await ada.say("/progress")
    assert "Catch up first" not in await ada.say("/today")


@pytest.mark.parametrize("bad", ["/log abc", "/log -3", "/log 100", "/log", "/log 0"])
async def test_bad_hours_log_nothing_and_show_how(
    ada: Learner, database: MemoryDatabase, bad: str
) -> None:
    await ada.say("/start")
    assert "/log 1.5" in await ada.say(bad)
    assert rows(database, "hours") == 0


async def test_hours_are_logged_up_to_a_day(
    ada: Learner, database: MemoryDatabase, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    assert "1.5 h" in await ada.say("/log 1.5")
    assert "0.75 h" in await ada.say("/log 45m")
    await ada.say("/log 12")
    assert "24" in await ada.say("/log 12")  # over a day's hours: refused
    assert rows(database, "hours") == 3
    found = await snapshot(uow, ada.ref)
    assert found is not None
    async with uow() as work:
        assert await work.journal.hours_on(found.learner_id, date(2026, 11, 16)) == 14.25
    assert "Hours this calendar week: 14.25 of 10–15 h/week" in await ada.say("/progress")


async def test_notes(ada: Learner, uow: MemoryUnitOfWorkFactory) -> None:
    await ada.say("/start")
    assert "No notes" in await ada.say("/note")
    await ada.say("/note joins return NULLs for missing rows\nLEFT keeps the left side")
    assert "2 notes" in await ada.say("/note venv per project")
    assert "LEFT keeps the left side" in await ada.say("/note")
    assert "1,000" in await ada.say("/note " + "x" * 1500)
    e = await enrollment(uow, ada.ref)
    async with uow() as work:
        notes = await work.journal.week_notes(e.id, WEEK1.id)
    assert notes == [
        "joins return NULLs for missing rows\nLEFT keeps the left side",
        "venv per project",
    ]
    assert "Reflection notes this week: 2" in await ada.say("/week")


async def test_export_and_forget(
    ada: Learner, coach: Coach, database: MemoryDatabase, uow: MemoryUnitOfWorkFactory
) -> None:
    bob = Learner(coach, "bob")
    await bob.say("/start")
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/log 1")
    await ada.say("/note first note")
    await ada.say("/export")
    assert ada.last is not None and ada.last.attachment is not None
    data = json.loads(ada.last.attachment.content)
    assert data["identities"][0]["external_id"] == "ada"
    assert data["enrollments"][0]["active_days"] == ["2026-11-16"]
    assert data["enrollments"][0]["study_days"] == [0, 1, 2, 3, 4, 5]
    assert [c["item_id"] for c in data["completions"]] == [WEEK1.items[0].id]
    assert data["hours"][0]["hours"] == 1.0
    assert data["notes"][0]["text"] == "first note"
    # Forget asks first; cancelling keeps everything.
    await ada.say("/forget")
    confirm, cancel = (b.action for b in ada.last.all_buttons)
    assert confirm.startswith("forget:confirm ") and cancel.startswith("forget:cancel ")
    await ada.press(cancel)
    assert len(await ticks(uow, ada.ref)) == 1
    await ada.say("/forget")
    await ada.press(ada.last.all_buttons[0].action)
    assert await snapshot(uow, ada.ref) is None
    assert "/start" in await ada.say("/today")
    assert rows(database, "learners") == 1  # bob stays
    for table in ("completions", "hours", "notes"):
        assert rows(database, table) == 0, table
    assert "no data" in await ada.say("/forget confirm")


async def test_a_storage_failure_gives_an_apology_and_the_coach_goes_on(
    ada: Learner, uow: MemoryUnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ada.say("/start")
    with monkeypatch.context() as patch:

        async def broken(*args: object, **kwargs: object) -> None:
            raise DatabaseError("no such table: completions")

        patch.setattr(MemoryTicks, "add", broken)
        reply = await ada.coach.handle(ada.ref, "/done", update_key="test:9")
        assert "Sorry" in reply.plain_text()  # type: ignore[union-attr]
    assert await ticks(uow, ada.ref) == []
    # The failed update was not claimed: its redelivery is handled.
    again = await ada.coach.handle(ada.ref, "/done", update_key="test:9")
    assert isinstance(again, Reply)
    assert [c.item_id for c in await ticks(uow, ada.ref)] == [WEEK1.items[0].id]


async def test_an_unreachable_learners_failed_command_is_not_claimed_either(
    ada: Learner, uow: MemoryUnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Writing again makes a blocked learner reachable; that write must not commit the
    # update's claim ahead of the command's own effect.
    await ada.say("/start")
    await ada.coach.mark_unreachable(ada.ref)
    with monkeypatch.context() as patch:

        async def broken(*args: object, **kwargs: object) -> None:
            raise DatabaseError("disk I/O error")

        patch.setattr(MemoryTicks, "add", broken)
        await ada.coach.handle(ada.ref, "/done", update_key="test:10")
    loaded = await snapshot(uow, ada.ref)
    assert loaded is not None and not loaded.reachable  # rolled back with the rest
    again = await ada.coach.handle(ada.ref, "/done", update_key="test:10")
    assert isinstance(again, Reply)
    assert [c.item_id for c in await ticks(uow, ada.ref)] == [WEEK1.items[0].id]
    loaded = await snapshot(uow, ada.ref)
    assert loaded is not None and loaded.reachable


async def test_bad_input_gets_a_friendly_reply(ada: Learner) -> None:
    await ada.say("/start")
    assert "/help" in await ada.say("/frobnicate")
    assert "/today" in await ada.say("")
    assert "/today" in await ada.say("hello coach")
    assert "2,000" in await ada.say("/note " + "y" * 10_000)
    assert "/start" not in await ada.say("\x00\x1b[2J/today\x07")
    assert "/today" in await ada.say("/help")


async def test_week_shows_goal_project_and_resources(ada: Learner) -> None:
    await ada.say("/start")
    week = await ada.say("/week")
    assert WEEK1.goal in week
    assert WEEK1.projects[0] in week
    assert WEEK1.resources[0].url in week
    assert week.count("[ ]") == len(WEEK1.items)


async def test_a_dst_change_keeps_the_local_day(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    clock.set(datetime(2026, 10, 19, 8, 0, tzinfo=UTC))  # a Monday before Europe's fall-back
    await ada.say("/start")
    await ada.say("/settings tz Europe/Berlin")
    await ada.say("/settings time 02:30")
    # Saturday 24 Oct, 23:30 UTC is Sunday 01:30 CEST; Sunday 25 Oct is a rest day.
    clock.set(datetime(2026, 10, 24, 23, 30, tzinfo=UTC))
    assert "Sun 25 Oct" in await ada.say("/today")
    # After the change, 23:30 UTC on Sunday is Monday 00:30 CET.
    clock.set(datetime(2026, 10, 25, 23, 30, tzinfo=UTC))
    assert "Mon 26 Oct" in await ada.say("/today")
    # Set on Monday 19 (CEST), the next nudge is Tuesday 02:30 CEST.
    expected = datetime(2026, 10, 20, 0, 30, tzinfo=UTC)
    assert (await enrollment(uow, ada.ref)).next_nudge_at == expected
    # Set on Saturday (CEST), the next nudge falls on Monday after the change, in CET.
    clock.set(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    await ada.say("/settings time 02:30")
    expected = datetime(2026, 10, 26, 1, 30, tzinfo=UTC)
    assert (await enrollment(uow, ada.ref)).next_nudge_at == expected


class SwappableCatalog:
    """A catalog whose track can be replaced by a new version, as content updates do."""

    def __init__(self, track: Track) -> None:
        self.track = track

    def get(self, track_id: str) -> Track | None:
        return self.track if track_id == self.track.id else None

    def all(self) -> tuple[Track, ...]:
        return (self.track,)


def small_track(version: int, items: list[tuple[str, str, str]]) -> Track:
    return parse_track(
        {
            "id": "tiny",
            "title": "Tiny track",
            "version": version,
            "weeks": [
                {
                    "id": "t1",
                    "number": 1,
                    "title": "First",
                    "items": [{"id": i, "kind": k, "title": t} for i, k, t in items],
                },
                {
                    "id": "t2",
                    "number": 2,
                    "title": "Second",
                    "items": [{"id": "t2-a", "kind": "learn", "title": "A"}],
                },
            ],
        }
    )


async def test_progress_survives_a_new_version_of_the_track(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    v1 = small_track(
        1, [("t1-a", "learn", "Alpha"), ("t1-b", "learn", "Beta"), ("t1-r", "review", "Review")]
    )
    catalog = SwappableCatalog(v1)
    learner = Learner(Coach(uow, clock, catalog, Defaults(track_id="tiny")))
    await learner.say("/start")
    await learner.say("/done 2")  # Beta
    # Version 2 rewords Beta, inserts an item before it and drops nothing.
    catalog.track = small_track(
        2,
        [
            ("t1-a", "learn", "Alpha"),
            ("t1-new", "learn", "Gamma"),
            ("t1-b", "learn", "Beta, reworded"),
            ("t1-r", "review", "Review"),
        ],
    )
    week = await learner.say("/week")
    assert "[x] 3. Beta, reworded" in week
    assert "[ ] 2. Gamma" in week
    assert "(1/4 done)" in week
    for expected in ("t1-a", "t1-new", "t1-r"):
        await learner.say("/done")
        assert (await ticks(uow, learner.ref))[-1].item_id == expected
    assert "Week 1 complete" in learner.last.plain_text()  # type: ignore[union-attr]
    assert (await enrollment(uow, learner.ref)).current_week_id == "t2"


async def test_work_on_a_rest_day_counts_and_missing_one_never_breaks(
    ada: Learner, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))  # a Sunday: not a study day
    await ada.say("/start")
    assert "Streak: 1 day." in await ada.say("/done")
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert "Streak: 2 days." in await ada.say("/done")


async def test_a_redelivered_update_has_its_effect_once(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.coach.handle(ada.ref, "/start", update_key="test:1")
    first = await ada.coach.handle(ada.ref, "/done", update_key="test:2")
    again = await ada.coach.handle(ada.ref, "/done", update_key="test:2")
    assert isinstance(first, Reply)
    assert again == ALREADY_HANDLED
    assert len(await ticks(uow, ada.ref)) == 1
    await ada.coach.handle(ada.ref, "/done", update_key="test:3")
    assert len(await ticks(uow, ada.ref)) == 2


async def test_a_read_only_command_answers_a_redelivery_again(ada: Learner) -> None:
    await ada.say("/start")
    first = await ada.coach.handle(ada.ref, "/today", update_key="test:7")
    again = await ada.coach.handle(ada.ref, "/today", update_key="test:7")
    assert isinstance(first, Reply) and first == again


async def test_a_blocked_identity_is_unreachable_until_it_writes_again(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await ada.coach.mark_unreachable(ada.ref)
    found = await snapshot(uow, ada.ref)
    assert found is not None and not found.reachable
    await ada.say("/today")
    found = await snapshot(uow, ada.ref)
    assert found is not None and found.reachable
