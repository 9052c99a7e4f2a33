"""/calendar: the coming study days as an .ics file, read back with the icalendar library:
one event a study day at the nudge time in the learner's zone, through a DST change, with
stable UIDs so a newer file updates an older one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 19 October 2026, 07:00 in Berlin; clocks go back on Sunday 25 October.
BEFORE_THE_CHANGE = datetime(2026, 10, 19, 5, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BEFORE_THE_CHANGE)


async def started(coach: Coach, *settings: str) -> Learner:
    ada = Learner(coach)
    await ada.say("/start")
    for setting in ("/settings tz Europe/Berlin", "/settings time 07:30", *settings):
        await ada.say(setting)
    return ada


def events(reply: Reply) -> list[icalendar.Event]:
    assert reply.attachment is not None
    assert reply.attachment.filename.endswith(".ics")
    assert reply.attachment.media_type == "text/calendar"
    calendar = icalendar.Calendar.from_ical(reply.attachment.content)
    assert calendar.walk("VTIMEZONE"), "the learner's zone travels with the file"
    return list(calendar.walk("VEVENT"))


async def test_each_study_day_is_an_event_at_the_nudge_time_through_a_dst_change(
    coach: Coach,
) -> None:
    ada = await started(coach, "/settings days mon-fri")
    await ada.say("/calendar")
    assert ada.last is not None
    found = events(ada.last)
    starts = [event.decoded("dtstart") for event in found]
    assert all(start.tzinfo is not None for start in starts)
    local = [start.astimezone(BERLIN) for start in starts]
    assert {start.time() for start in local} == {time(7, 30)}
    assert {start.weekday() for start in local} <= set(range(5))  # study days only
    assert local[0].date() == date(2026, 10, 19)  # from today
    # 07:30 both sides of the change: 05:30 UTC before it, 06:30 after.
    utc_hours = {start.astimezone(UTC).hour for start in starts}
    assert utc_hours == {5, 6}
    assert len({event["uid"] for event in found}) == len(found)
    assert len({start.date() for start in local}) == len(found)  # one event a day


async def test_the_events_name_the_days_items_and_span_the_coming_weeks(coach: Coach) -> None:
    ada = await started(coach)
    await ada.say("/calendar")
    assert ada.last is not None
    found = events(ada.last)
    described = [str(event["description"]) for event in found]
    week_one = BuiltinCatalog().get("python-backend")
    assert week_one is not None
    first_item = week_one.first_week.items[0].title
    assert first_item in described[0]
    assert str(found[0]["summary"]).startswith("Study: ")
    last_day = found[-1].decoded("dtstart").date()
    assert last_day - date(2026, 10, 19) >= timedelta(weeks=3)  # four track weeks ahead
    items = sum(description.count("- ") for description in described)
    four_weeks = sum(len(week.items) for week in week_one.weeks[:4])
    assert items == four_weeks


async def test_a_newer_file_keeps_the_uids_of_the_days_it_shares(
    coach: Coach, clock: FrozenClock
) -> None:
    ada = await started(coach)
    await ada.say("/calendar")
    assert ada.last is not None
    first = {e.decoded("dtstart").date(): str(e["uid"]) for e in events(ada.last)}
    await ada.say("/done")
    clock.set(BEFORE_THE_CHANGE + timedelta(days=1))
    await ada.say("/calendar")
    assert ada.last is not None
    second = {e.decoded("dtstart").date(): str(e["uid"]) for e in events(ada.last)}
    shared = first.keys() & second.keys()
    assert shared and all(first[day] == second[day] for day in shared)


async def test_ticked_items_are_left_out_and_overdue_ones_come_today(
    coach: Coach, clock: FrozenClock
) -> None:
    ada = await started(coach)
    await ada.say("/done 1")
    clock.set(BEFORE_THE_CHANGE + timedelta(days=3))  # Thursday: items of Mon-Wed overdue
    await ada.say("/calendar")
    assert ada.last is not None
    found = events(ada.last)
    week_one = BuiltinCatalog().get("python-backend")
    assert week_one is not None
    everything = "\n".join(str(e["description"]) for e in found)
    assert week_one.first_week.items[0].title not in everything
    assert found[0].decoded("dtstart").astimezone(BERLIN).date() == date(2026, 10, 22)


async def test_a_learner_on_a_break_gets_no_file(coach: Coach) -> None:
    ada = await started(coach)
    await ada.say("/pause")
    await ada.say("/calendar")
    assert ada.last is not None and ada.last.attachment is None


async def test_before_starting_there_is_nothing_to_send(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    ada = Learner(Coach(uow, clock, BuiltinCatalog()))
    await ada.say("/calendar")
    assert ada.last is not None and ada.last.attachment is None
