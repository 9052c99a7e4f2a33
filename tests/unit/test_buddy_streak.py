"""The shared streak of two buddies, as a pure rule on their local dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.buddies.streak import StudyDays, shared_streak

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")  # EDT until 2026-11-01 06:00 UTC, EST after
MON = date(2026, 11, 16)


def days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def side(
    today: date, studied: Iterable[date], *, rest: Iterable[date] = (), owes_nothing: bool = False
) -> StudyDays:
    """A learner who owes work every day but the `rest` ones."""
    resting = set(rest)
    return StudyDays(today, set(studied), lambda day: not owes_nothing and day not in resting)


def both_ways(a: StudyDays, b: StudyDays, *, first: date = date(2026, 1, 1)) -> int:
    """The streak as each of them sees it: the same figure."""
    streak = shared_streak(a, b, first=first)
    assert shared_streak(b, a, first=first) == streak
    return streak


def local(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def test_days_both_studied_count_back_from_yesterday_while_today_is_open() -> None:
    week = days(MON - timedelta(days=3), MON - timedelta(days=1))
    assert both_ways(side(MON, week), side(MON, week)) == 3
    # One of them studied today: today does not count yet, nor does it break anything.
    assert both_ways(side(MON, week | {MON}), side(MON, week)) == 3
    # Both did: today counts.
    assert both_ways(side(MON, week | {MON}), side(MON, week | {MON})) == 4


def test_a_day_either_owed_and_missed_ends_it() -> None:
    ada = days(MON - timedelta(days=6), MON)
    bob = ada - {MON - timedelta(days=3)}
    assert both_ways(side(MON, ada), side(MON, bob)) == 3
    # Bob missed yesterday: nothing in a row is left but today.
    assert both_ways(side(MON, ada), side(MON, ada - {MON - timedelta(days=1)})) == 1


def test_days_that_owed_nothing_to_whoever_did_not_study_pass_over() -> None:
    sunday, saturday = MON - timedelta(days=1), MON - timedelta(days=2)
    studied = days(MON - timedelta(days=5), MON - timedelta(days=3))
    # A weekend of rest for both: passed over.
    ada = side(MON, studied, rest={saturday, sunday})
    bob = side(MON, studied, rest={saturday, sunday})
    assert both_ways(ada, bob) == 3
    # Ada studied on Saturday, a rest day of Bob's (or a break: it owed him nothing).
    ada = side(MON, studied | {saturday}, rest={sunday})
    assert both_ways(ada, bob) == 3
    # Both studied on Saturday although only Ada owed it: it counts.
    bob = side(MON, studied | {saturday}, rest={saturday, sunday})
    assert both_ways(ada, bob) == 4
    # Sunday owed Bob work he did not do: it ends there.
    bob = side(MON, studied | {saturday}, rest={saturday})
    assert both_ways(ada, bob) == 0


def test_nothing_before_the_pair_began_counts() -> None:
    month = days(MON - timedelta(days=30), MON)
    assert both_ways(side(MON, month), side(MON, month), first=MON - timedelta(days=2)) == 3
    assert both_ways(side(MON, month), side(MON, month), first=MON) == 1
    assert both_ways(side(MON, set()), side(MON, set(), owes_nothing=True), first=MON) == 0


def test_tokyo_and_new_york_across_the_end_of_daylight_saving_time() -> None:
    # Each studies at 20:00 local from Thursday 29 October to Sunday 1 November; the
    # dates are their own, counted as their own streaks count them.
    ticks = {
        zone: [datetime(2026, 10, d, 20, 0, tzinfo=zone) for d in (29, 30, 31)]
        + [datetime(2026, 11, 1, 20, 0, tzinfo=zone)]
        for zone in (TOKYO, NEW_YORK)
    }
    first = date(2026, 10, 29)

    def at(instant: datetime) -> int:
        def seen(zone: ZoneInfo) -> StudyDays:
            studied = {local(t, zone) for t in ticks[zone] if t <= instant}
            return side(local(instant, zone), studied)

        return both_ways(seen(TOKYO), seen(NEW_YORK), first=first)

    # New York's hour from 01:00 to 02:00 on Sunday comes twice, EDT then EST: the same
    # date both times. Tokyo studied on its Sunday already, New York not yet: 3 days.
    assert local(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), NEW_YORK) == date(2026, 11, 1)
    assert at(datetime(2026, 11, 1, 5, 30, tzinfo=UTC)) == 3  # 01:30 EDT
    assert at(datetime(2026, 11, 1, 6, 30, tzinfo=UTC)) == 3  # 01:30 EST
    # 04:30 UTC on Monday is 23:30 on Sunday in New York (EST; under EDT it would be
    # Monday already) and 13:30 on Monday in Tokyo. New York's Sunday is done, and
    # counts; Tokyo's Monday is open.
    monday_430 = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)
    assert (local(monday_430, NEW_YORK), local(monday_430, TOKYO)) == (
        date(2026, 11, 1),
        date(2026, 11, 2),
    )
    assert at(monday_430) == 4
    # Neither studies on Monday; it is not settled until New York's Monday ends too.
    assert at(datetime(2026, 11, 3, 4, 59, tzinfo=UTC)) == 4  # 23:59 EST on Monday
    assert at(datetime(2026, 11, 3, 5, 0, tzinfo=UTC)) == 0  # Tuesday everywhere


def test_a_pair_a_day_apart_sees_a_day_open_until_both_have_ended_it() -> None:
    # Tokyo's Tuesday began while New York's Monday runs: both days are open.
    instant = datetime(2026, 11, 17, 1, 0, tzinfo=UTC)
    tokyo_today, new_york_today = local(instant, TOKYO), local(instant, NEW_YORK)
    assert (tokyo_today, new_york_today) == (date(2026, 11, 17), date(2026, 11, 16))
    before = days(date(2026, 11, 10), date(2026, 11, 15))
    tokyo = side(tokyo_today, before)  # nothing on Monday, its own Monday is over
    new_york = side(new_york_today, before | {date(2026, 11, 16)})
    # Tokyo missed Monday, but New York's Monday is not over: not settled yet.
    assert both_ways(tokyo, new_york) == 6
    tokyo = side(tokyo_today, before | {date(2026, 11, 16)})
    assert both_ways(tokyo, new_york) == 7
