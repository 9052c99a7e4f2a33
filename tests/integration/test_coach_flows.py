"""The use cases end to end over a real database, on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach, Defaults
from core.kernel.clock import FrozenClock
from core.learning.tracks import Track, builtin_track, parse_track
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.store import SqlUnitOfWorkFactory
from tests.conftest import Learner

WEEK1 = builtin_track().weeks[0]
WEEK2 = builtin_track().weeks[1]


async def count(engine: AsyncEngine, model: type[m.Base]) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)) or 0)


async def enrollment_row(engine: AsyncEngine) -> m.Enrollment:
    async with engine.connect() as connection:
        return (await connection.execute(select(m.Enrollment.__table__))).one()  # type: ignore[return-value]


async def test_start_then_today_works_at_once(ada: Learner) -> None:
    welcome = await ada.say("/start")
    assert "Python Backend Developer" in welcome
    assert WEEK1.title in welcome
    today = await ada.say("/today")
    assert "Mon 16 Nov" in today
    assert f"1. {WEEK1.items[0].title}" in today
    # One ✓ button per open item of today, each a done action for that item.
    assert [b.action for b in ada.last.all_buttons][:1] == [f"done:{WEEK1.items[0].id}"]


async def test_commands_before_start_ask_to_start(ada: Learner, engine: AsyncEngine) -> None:
    for command in ("/today", "/done", "/week", "/progress", "/log 1", "/settings"):
        assert "/start" in await ada.say(command)
    assert await count(engine, m.Learner) == 0


async def test_start_twice_keeps_one_learner(ada: Learner, engine: AsyncEngine) -> None:
    await ada.say("/start")
    again = await ada.say("/start")
    assert "Welcome back" in again
    assert await count(engine, m.Learner) == 1
    assert await count(engine, m.Enrollment) == 1


async def test_a_full_week_completes_and_opens_the_next(
    ada: Learner, clock: FrozenClock, engine: AsyncEngine
) -> None:
    await ada.say("/start")
    for day in range(6):  # Mon..Sat, ticking what each day asks for
        clock.set(datetime(2026, 11, 16 + day, 18, 0, tzinfo=UTC))
        await ada.say("/today")
        for button in [b for b in ada.last.all_buttons if b.action.startswith("done:")]:
            await ada.press(button.action)
    assert "Week 1 complete" in ada.last.plain_text()
    assert "completed on 2026-11-21" in ada.last.plain_text()
    assert "Week 2 opens" in ada.last.plain_text()
    row = await enrollment_row(engine)
    assert row.current_week_id == WEEK2.id
    assert row.week_opened_on == date(2026, 11, 21)
    async with engine.connect() as connection:
        closing = (
            await connection.execute(
                select(m.Completion.week_id, m.Completion.done_on).where(
                    m.Completion.completes_week
                )
            )
        ).all()
    assert closing == [(WEEK1.id, date(2026, 11, 21))]
    progress = await ada.say("/progress")
    assert "Weeks completed: 1 of 24" in progress
    assert "Streak: 6 days" in progress
    # Sunday is a rest day: the streak holds.
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    assert "Streak: 6 days" in await ada.say("/progress")
    # Monday with nothing done yet: still holds until the day is over.
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert "Streak: 6 days" in await ada.say("/progress")
    # Tuesday: Monday was missed, the streak starts over.
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert "Streak: starts with your next item" in await ada.say("/progress")


async def test_done_by_number_and_already_done(ada: Learner, engine: AsyncEngine) -> None:
    await ada.say("/start")
    assert f"3. {WEEK1.items[2].title}: done" in await ada.say("/done 3")
    assert "already done" in await ada.say("/done 3")
    assert "already done" in await ada.press(f"done:{WEEK1.items[2].id}")
    assert await count(engine, m.Completion) == 1


async def test_bad_done_changes_nothing(ada: Learner, engine: AsyncEngine) -> None:
    await ada.say("/start")
    assert "no item 99" in await ada.say("/done 99")
    assert "no item 0" in await ada.say("/done 0")
    assert "/done yesterday" in await ada.say("/done 1 2")
    assert "not in your current week" in await ada.press("done:w09-gone")
    assert "no yesterday" in await ada.say("/done yesterday")  # started today
    assert await count(engine, m.Completion) == 0


async def test_double_tap_counts_once(ada: Learner, engine: AsyncEngine) -> None:
    await ada.say("/start")
    action = f"done:{WEEK1.items[0].id}"
    replies = await asyncio.gather(*(ada.coach.press(ada.ref, action) for _ in range(4)))
    texts = [r.plain_text() for r in replies]
    assert sum(": done." in t for t in texts) == 1
    assert sum("already done" in t for t in texts) == 3
    assert await count(engine, m.Completion) == 1


async def test_done_yesterday_keeps_the_streak(ada: Learner, clock: FrozenClock) -> None:
    await ada.say("/start")
    await ada.say("/done")  # Monday
    clock.set(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))  # Wednesday; Tuesday forgotten
    reply = await ada.say("/done yesterday")
    assert "done for yesterday" in reply
    assert "Streak: 2 days" in reply
    assert "Streak: 3 days" in await ada.say("/done")


async def test_undo_takes_back_the_last_tick_and_reopens_a_week(
    ada: Learner, clock: FrozenClock, engine: AsyncEngine
) -> None:
    await ada.say("/start")
    assert "nothing to undo" in await ada.say("/undo")
    for _ in WEEK1.items:
        await ada.say("/done")
    assert (await enrollment_row(engine)).current_week_id == WEEK2.id
    reply = await ada.say("/undo")
    assert WEEK1.items[-1].title in reply
    assert "open again" in reply
    row = await enrollment_row(engine)
    assert row.current_week_id == WEEK1.id
    assert row.week_opened_on == date(2026, 11, 16)
    assert await count(engine, m.Completion) == len(WEEK1.items) - 1
    # Undo everything: today is no longer an active day.
    for _ in range(len(WEEK1.items) - 1):
        await ada.say("/undo")
    assert "Streak: starts" in await ada.say("/progress")


async def test_today_in_the_learners_time_zone(ada: Learner, clock: FrozenClock) -> None:
    await ada.say("/start")
    assert "Time zone set to Pacific/Auckland" in await ada.say("/settings tz pacific/auckland")
    # 20:00 UTC on Monday is already Tuesday 09:00 in Auckland.
    clock.set(datetime(2026, 11, 16, 20, 0, tzinfo=UTC))
    assert "Tue 17 Nov" in await ada.say("/today")
    await ada.say("/done")
    async with ada.coach._uow_factory() as uow:
        snapshot = await uow.store.load("test", "ada")
    assert snapshot is not None
    assert set(snapshot.week_done.values()) == {date(2026, 11, 17)}


async def test_rest_day_and_overdue(ada: Learner, clock: FrozenClock) -> None:
    await ada.say("/start")
    clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))  # Sunday
    reply = await ada.say("/today")
    assert "Rest day" in reply
    assert "Catch up first" in reply  # the whole week slipped
    clock.set(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))  # Wednesday, nothing done
    reply = await ada.say("/today")
    assert "Catch up first" in reply
    assert "Today:" in reply


async def test_settings_change_and_bad_values_change_nothing(
    ada: Learner, engine: AsyncEngine
) -> None:
    await ada.say("/start")
    before = await enrollment_row(engine)
    for bad in (
        "/settings tz Mars/Olympus",
        "/settings time 25:99",
        "/settings days xyz",
        "/settings pace warp",
        "/settings track nope",
        "/settings colour blue",
    ):
        reply = await ada.say(bad)
        assert "Nothing was changed" in reply or "There is no track" in reply, bad
    assert await enrollment_row(engine) == before
    assert "07:30" in await ada.say("/settings time 7:30")
    assert "Mon–Fri" in await ada.say("/settings days mon-fri")
    assert "accelerated" in await ada.say("/settings pace accelerated")
    row = await enrollment_row(engine)
    assert (row.nudge_time.hour, row.nudge_time.minute, row.study_days, row.pace) == (
        7,
        30,
        0b11111,
        "accelerated",
    )
    # The next nudge follows the new settings: Tuesday 07:30 UTC (Monday's has passed).
    assert row.next_nudge_at == datetime(2026, 11, 17, 7, 30, tzinfo=UTC)
    assert "already on" in await ada.say("/settings track python-backend")


async def test_pause_keeps_the_streak_and_shifts_the_plan(
    ada: Learner, clock: FrozenClock, engine: AsyncEngine
) -> None:
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/pause")
    assert (await enrollment_row(engine)).next_nudge_at is None
    assert "on a break" in await ada.say("/today")
    assert "on a break" in await ada.say("/done")
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday next week
    assert "10 days later" in await ada.say("/resume")
    row = await enrollment_row(engine)
    assert row.week_opened_on == date(2026, 11, 26)
    assert row.next_nudge_at is not None
    assert "Streak: 1 day" in await ada.say("/progress")
    assert "Catch up first" not in await ada.say("/today")


async def test_log_hours_and_progress(ada: Learner, engine: AsyncEngine) -> None:
    await ada.say("/start")
    for bad in ("/log abc", "/log -3", "/log 100", "/log", "/log 0"):
        reply = await ada.say(bad)
        assert "/log 1.5" in reply, bad
    assert "Logged 1.5 h" in await ada.say("/log 1.5")
    assert "Logged 0.75 h" in await ada.say("/log 45m")
    for _ in range(1):
        await ada.say("/log 12")
    assert "a day has 24" in await ada.say("/log 12")
    assert await count(engine, m.HourLog) == 3
    assert "Hours this calendar week: 14.25 of 10–15 h/week" in await ada.say("/progress")


async def test_notes(ada: Learner) -> None:
    await ada.say("/start")
    assert "No notes" in await ada.say("/note")
    await ada.say("/note joins return NULLs for missing rows\nLEFT keeps the left side")
    assert "Noted (2 notes" in await ada.say("/note venv per project")
    listed = await ada.say("/note")
    assert "LEFT keeps the left side" in listed
    assert "under 1,000" in await ada.say("/note " + "x" * 1500)
    assert "Reflection notes this week: 2" in await ada.say("/week")


async def test_export_and_forget(ada: Learner, engine: AsyncEngine, coach: Coach) -> None:
    bob = Learner(coach, "bob")
    await bob.say("/start")
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/log 1")
    await ada.say("/note first note")
    await ada.say("/export")
    assert ada.last.attachment is not None
    data = json.loads(ada.last.attachment.content)
    assert data["identities"][0]["external_id"] == "ada"
    assert data["enrollments"][0]["active_days"] == ["2026-11-16"]
    assert data["enrollments"][0]["study_days"] == [0, 1, 2, 3, 4, 5]
    assert [c["item_id"] for c in data["completions"]] == [WEEK1.items[0].id]
    assert data["hours"][0]["hours"] == 1.0
    assert data["notes"][0]["text"] == "first note"
    # Forget asks first; cancelling keeps everything.
    assert "Delete everything?" in await ada.say("/forget")
    assert [b.action for b in ada.last.all_buttons] == ["forget:confirm", "forget:cancel"]
    assert "Nothing was deleted" in await ada.press("forget:cancel")
    assert await count(engine, m.Completion) == 1
    assert "deleted" in await ada.press("forget:confirm")
    assert "/start" in await ada.say("/today")
    assert await count(engine, m.Learner) == 1  # bob stays
    for model in (m.Completion, m.HourLog, m.Note):
        assert await count(engine, model) == 0
    assert "I have no data" in await ada.say("/forget confirm")


async def test_database_error_gives_an_apology_and_the_coach_goes_on(
    ada: Learner, engine: AsyncEngine
) -> None:
    await ada.say("/start")
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE completions RENAME TO completions_away"))
    try:
        reply = await ada.say("/done")
        assert "Sorry, something went wrong" in reply
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("ALTER TABLE completions_away RENAME TO completions"))
    assert ": done." in await ada.say("/done")


async def test_bad_input_gets_a_friendly_reply(ada: Learner) -> None:
    await ada.say("/start")
    assert "/help" in await ada.say("/frobnicate")
    assert "/today" in await ada.say("")
    assert "/today" in await ada.say("hello coach")
    assert "longer than 2,000" in await ada.say("/note " + "y" * 10_000)
    assert "/start" not in await ada.say("\x00\x1b[2J/today\x07")
    assert "/today" in (await ada.say("/help"))


async def test_week_shows_goal_project_and_resources(ada: Learner) -> None:
    await ada.say("/start")
    week = await ada.say("/week")
    assert WEEK1.goal in week
    assert "Practice project: " + WEEK1.projects[0] in week
    assert WEEK1.resources[0].url in week
    assert week.count("[ ]") == len(WEEK1.items)


async def test_dst_change_keeps_the_local_day(
    ada: Learner, clock: FrozenClock, engine: AsyncEngine
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
    # Set on Saturday (CEST), the next nudge falls on Monday after the change, in CET.
    assert (await enrollment_row(engine)).next_nudge_at == datetime(2026, 10, 20, 0, 30, tzinfo=UTC)
    clock.set(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    await ada.say("/settings time 02:30")
    assert (await enrollment_row(engine)).next_nudge_at == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


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
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    v1 = small_track(
        1, [("t1-a", "learn", "Alpha"), ("t1-b", "learn", "Beta"), ("t1-r", "review", "Review")]
    )
    catalog = SwappableCatalog(v1)
    coach = Coach(
        SqlUnitOfWorkFactory(make_sessions(engine)), clock, catalog, Defaults(track_id="tiny")
    )
    learner = Learner(coach)
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
    assert "1. Alpha: done" in await learner.say("/done")
    assert "2. Gamma: done" in await learner.say("/done")
    assert "Week 1 complete" in await learner.say("/done")


async def test_work_on_a_rest_day_counts_and_missing_one_never_breaks(
    ada: Learner, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))  # a Sunday: not a study day
    await ada.say("/start")
    assert "Streak: 1 day." in await ada.say("/done")
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert "Streak: 2 days." in await ada.say("/done")


async def test_a_redelivered_update_has_its_effect_once(ada: Learner, engine: AsyncEngine) -> None:
    await ada.coach.handle(ada.ref, "/start", update_key="test:1")
    first = await ada.coach.handle(ada.ref, "/done", update_key="test:2")
    again = await ada.coach.handle(ada.ref, "/done", update_key="test:2")
    assert ": done." in first.plain_text()
    assert again.blocks == ()
    assert again.buttons == ()
    assert await count(engine, m.Completion) == 1
    assert ": done." in (await ada.coach.handle(ada.ref, "/done", update_key="test:3")).plain_text()


async def test_a_failed_command_leaves_its_update_unclaimed(
    ada: Learner, engine: AsyncEngine
) -> None:
    await ada.say("/start")
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE completions RENAME TO completions_away"))
    try:
        reply = await ada.coach.handle(ada.ref, "/done", update_key="test:9")
        assert "Sorry" in reply.plain_text()
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("ALTER TABLE completions_away RENAME TO completions"))
    # The redelivery is handled, not dropped as a duplicate.
    assert ": done." in (await ada.coach.handle(ada.ref, "/done", update_key="test:9")).plain_text()


async def test_a_blocked_identity_is_unreachable_until_it_writes_again(
    ada: Learner, engine: AsyncEngine
) -> None:
    await ada.say("/start")
    await ada.coach.mark_unreachable(ada.ref)
    async with engine.connect() as connection:
        assert await connection.scalar(select(m.Identity.reachable)) is False
    await ada.say("/today")
    async with engine.connect() as connection:
        assert await connection.scalar(select(m.Identity.reachable)) is True
