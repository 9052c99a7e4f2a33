"""DayBitmap and streak_record(): a learner's day-by-day history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.kernel.schedule import is_study_day
from core.learning.activity import (
    FREEZES_HELD_AT_MOST,
    DayBitmap,
    Streak,
    covered_ahead,
    owes,
    streak_record,
    with_covered_ahead,
    with_rest_days,
)
from core.learning.pace import Pace
from core.learning.plan import WeekPlan, plan_week
from core.learning.tracks import builtin_track

ORIGIN = date(2026, 11, 16)  # a Monday
MON_SAT = frozenset(range(6))
EVERY_DAY = frozenset(range(7))


def d(offset: int) -> date:
    return ORIGIN + timedelta(days=offset)


# --- DayBitmap ---------------------------------------------------------------


def test_empty_bitmap_contains_nothing() -> None:
    bitmap = DayBitmap(ORIGIN)
    assert bitmap.bits == b""
    assert bitmap.days() == []
    assert ORIGIN not in bitmap
    assert d(100) not in bitmap


@pytest.mark.parametrize(
    ("offset", "bits"),
    [
        (0, b"\x01"),
        (1, b"\x02"),
        (7, b"\x80"),
        (8, b"\x00\x01"),
        (9, b"\x00\x02"),
        (15, b"\x00\x80"),
        (16, b"\x00\x00\x01"),
    ],
)
def test_with_day_sets_one_bit_across_byte_boundaries(offset: int, bits: bytes) -> None:
    bitmap = DayBitmap(ORIGIN).with_day(d(offset))
    assert bitmap.bits == bits
    assert d(offset) in bitmap
    assert d(offset - 1) not in bitmap
    assert d(offset + 1) not in bitmap
    assert bitmap.days() == [d(offset)]


def test_days_on_both_sides_of_a_byte_boundary() -> None:
    bitmap = DayBitmap(ORIGIN).with_days([d(7), d(8)])
    assert bitmap.bits == b"\x80\x01"
    assert d(6) not in bitmap
    assert d(7) in bitmap
    assert d(8) in bitmap
    assert d(9) not in bitmap
    assert bitmap.days() == [d(7), d(8)]


def test_with_day_is_idempotent_and_immutable() -> None:
    original = DayBitmap(ORIGIN).with_day(d(3))
    again = original.with_day(d(3))
    assert again == original
    other = original.with_day(d(4))
    assert original.days() == [d(3)]
    assert other.days() == [d(3), d(4)]


def test_without_day_clears_only_that_day() -> None:
    bitmap = DayBitmap(ORIGIN).with_days([d(0), d(7), d(8), d(9)])
    cleared = bitmap.without_day(d(8))
    assert cleared.days() == [d(0), d(7), d(9)]
    assert d(8) not in cleared
    assert cleared.bits == b"\x81\x02"


def test_without_day_beyond_the_end_is_a_no_op() -> None:
    bitmap = DayBitmap(ORIGIN).with_day(d(2))
    assert bitmap.without_day(d(500)) == bitmap
    assert bitmap.without_day(d(500)).bits == b"\x04"


def test_clearing_the_last_day_trims_trailing_zero_bytes() -> None:
    bitmap = DayBitmap(ORIGIN).with_days([d(1), d(20)])
    assert bitmap.bits == b"\x02\x00\x10"
    trimmed = bitmap.without_day(d(20))
    assert trimmed.bits == b"\x02"
    assert trimmed == DayBitmap(ORIGIN).with_day(d(1))


def test_clearing_every_day_leaves_empty_bytes() -> None:
    bitmap = DayBitmap(ORIGIN).with_days([d(0), d(30)])
    empty = bitmap.without_day(d(30)).without_day(d(0))
    assert empty.bits == b""
    assert empty == DayBitmap(ORIGIN)


def test_clearing_a_middle_day_keeps_the_leading_zero_bytes() -> None:
    # Only trailing zero bytes go; a zero byte before a set one is needed for the offset.
    bitmap = DayBitmap(ORIGIN).with_days([d(3), d(17)]).without_day(d(3))
    assert bitmap.bits == b"\x00\x00\x02"
    assert bitmap.days() == [d(17)]


@pytest.mark.parametrize("method", ["with_day", "without_day"])
def test_a_day_before_the_origin_raises(method: str) -> None:
    bitmap = DayBitmap(ORIGIN).with_day(d(0))
    with pytest.raises(ValueError, match="before the history starts"):
        getattr(bitmap, method)(d(-1))


def test_with_days_before_origin_raises() -> None:
    with pytest.raises(ValueError, match="before the history starts"):
        DayBitmap(ORIGIN).with_days([d(0), d(-3)])


def test_days_before_origin_are_not_contained() -> None:
    bitmap = DayBitmap(ORIGIN, b"\xff")
    assert d(-1) not in bitmap
    assert d(-8) not in bitmap
    assert d(0) in bitmap


@pytest.mark.parametrize("value", ["2026-11-16", 0, None, (2026, 11, 16)])
def test_non_dates_are_not_contained(value: object) -> None:
    assert value not in DayBitmap(ORIGIN, b"\xff")


def test_days_are_sorted_regardless_of_insertion_order() -> None:
    bitmap = DayBitmap(ORIGIN).with_days([d(40), d(2), d(9), d(0)])
    assert bitmap.days() == [d(0), d(2), d(9), d(40)]


def test_a_few_hundred_bytes_hold_years() -> None:
    three_years = [d(i) for i in range(0, 3 * 365, 2)]
    bitmap = DayBitmap(ORIGIN).with_days(three_years)
    # The last day is offset 1094, in byte 136.
    assert len(bitmap.bits) == 137
    assert bitmap.days() == three_years


def test_last_is_the_latest_day() -> None:
    assert DayBitmap(ORIGIN).last() is None
    assert DayBitmap(ORIGIN).with_day(d(0)).last() == d(0)
    assert DayBitmap(ORIGIN).with_days([d(3), d(17), d(8)]).last() == d(17)
    assert DayBitmap(ORIGIN, b"\x01\x00").last() == d(0)  # stored with a trailing zero byte


@pytest.mark.parametrize("cut", [-3, 0, 1, 7, 8, 9, 16, 17, 40])
def test_before_keeps_only_the_earlier_days(cut: int) -> None:
    offsets = [0, 1, 7, 8, 9, 16]
    bitmap = DayBitmap(ORIGIN).with_days(d(o) for o in offsets)
    kept = bitmap.before(d(cut))
    assert kept.days() == [d(o) for o in offsets if o < cut]
    assert not kept.bits.endswith(b"\0")


@given(
    origin=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    offsets=st.sets(st.integers(min_value=0, max_value=3000), max_size=60),
)
def test_random_dates_round_trip(origin: date, offsets: set[int]) -> None:
    days = [origin + timedelta(days=o) for o in offsets]
    bitmap = DayBitmap(origin).with_days(days)
    assert bitmap.days() == sorted(days)
    assert all(day in bitmap for day in days)
    # Rebuilding from the stored bytes gives the same set, and nothing else is in it.
    stored = DayBitmap(origin, bitmap.bits)
    assert stored == bitmap
    assert not bitmap.bits.endswith(b"\0")
    for offset in range(0, (max(offsets) + 9) if offsets else 9):
        day = origin + timedelta(days=offset)
        assert (day in stored) == (offset in offsets)


@given(
    offsets=st.sets(st.integers(min_value=0, max_value=400), min_size=1, max_size=40),
    data=st.data(),
)
def test_removing_a_random_subset(offsets: set[int], data: st.DataObject) -> None:
    removed = data.draw(st.sets(st.sampled_from(sorted(offsets))))
    bitmap = DayBitmap(ORIGIN).with_days(d(o) for o in offsets)
    for offset in removed:
        bitmap = bitmap.without_day(d(offset))
    assert bitmap.days() == [d(o) for o in sorted(offsets - removed)]
    assert bitmap == DayBitmap(ORIGIN).with_days(d(o) for o in offsets - removed)


# --- is_study_day ------------------------------------------------------------


def test_is_study_day_uses_monday_zero() -> None:
    assert is_study_day(date(2026, 11, 16), frozenset({0}))  # Monday
    assert not is_study_day(date(2026, 11, 22), MON_SAT)  # Sunday
    assert is_study_day(date(2026, 11, 22), frozenset({6}))


# --- streak ------------------------------------------------------------------


def run_streak(
    today: date,
    active: list[date],
    *,
    paused: Sequence[date] = (),
    paused_since: date | None = None,
    study_days: frozenset[int] = MON_SAT,
    origin: date = ORIGIN,
    finished_on: date | None = None,
) -> int:
    return streak_record(
        today,
        active=DayBitmap(origin).with_days(active),
        paused=DayBitmap(origin).with_days(paused),
        paused_since=paused_since,
        study_days=study_days,
        finished_on=finished_on,
    ).days


def test_no_history_is_zero() -> None:
    assert run_streak(d(0), []) == 0
    assert run_streak(d(10), []) == 0


def test_today_done_counts() -> None:
    assert run_streak(d(0), [d(0)]) == 1


def test_consecutive_study_days_count() -> None:
    # Mon..Thu of the first week.
    assert run_streak(d(3), [d(0), d(1), d(2), d(3)]) == 4


def test_today_not_yet_done_does_not_break() -> None:
    # Mon..Wed done, Thursday (today) still open.
    assert run_streak(d(3), [d(0), d(1), d(2)]) == 3


def test_a_missed_study_day_breaks() -> None:
    # Mon, Tue done, Wed missed, Thu done.
    assert run_streak(d(3), [d(0), d(1), d(3)]) == 1


def test_a_missed_yesterday_with_today_open_is_zero() -> None:
    assert run_streak(d(3), [d(0), d(1)]) == 0


def test_sunday_rest_day_neither_breaks_nor_adds() -> None:
    # Mon..Sat of week 1, Sunday rest (nothing done), Monday of week 2 done.
    week_one = [d(i) for i in range(6)]
    assert run_streak(d(7), [*week_one, d(7)]) == 7


def test_work_on_a_rest_day_adds() -> None:
    week_one = [d(i) for i in range(6)]
    assert run_streak(d(7), [*week_one, d(6), d(7)]) == 8


def test_work_on_a_rest_day_alone_starts_a_streak() -> None:
    assert run_streak(d(6), [d(6)]) == 1  # Sunday, the learner's rest day


def test_today_a_rest_day_keeps_the_streak() -> None:
    week_one = [d(i) for i in range(6)]
    assert run_streak(d(6), week_one) == 6


def test_only_study_days_count_with_sparse_study_days() -> None:
    mon_wed_fri = frozenset({0, 2, 4})
    # Mon, Wed, Fri, next Mon, Wed: five study days in a row; Tue/Thu/weekend are rest.
    active = [d(0), d(2), d(4), d(7), d(9)]
    assert run_streak(d(9), active, study_days=mon_wed_fri) == 5
    # Missing Friday breaks it.
    active = [d(0), d(2), d(7), d(9)]
    assert run_streak(d(9), active, study_days=mon_wed_fri) == 2


def test_paused_days_neither_break_nor_count() -> None:
    # Mon, Tue done; Wed, Thu paused; Fri done (today).
    assert run_streak(d(4), [d(0), d(1), d(4)], paused=[d(2), d(3)]) == 3


def test_work_done_on_the_day_a_pause_began_still_counts() -> None:
    # Mon..Wed done, Wednesday is also the first paused day, Thursday paused, Fri done.
    assert run_streak(d(4), [d(0), d(1), d(2), d(4)], paused=[d(2), d(3)]) == 4


def test_an_open_pause_neither_breaks_nor_counts() -> None:
    # Mon..Wed done, paused since Thursday and still paused on Saturday (today).
    assert run_streak(d(5), [d(0), d(1), d(2)], paused_since=d(3)) == 3
    # Today inside the pause, nothing done: still 3.
    assert run_streak(d(4), [d(0), d(1), d(2)], paused_since=d(3)) == 3


def test_a_pause_does_not_bridge_a_miss_before_it() -> None:
    # Mon done, Tue missed (not paused), paused since Wednesday.
    assert run_streak(d(5), [d(0)], paused_since=d(2)) == 0
    assert run_streak(d(5), [d(0)], paused=[d(2), d(3), d(4), d(5)]) == 0


def test_an_open_pause_covers_weeks() -> None:
    assert run_streak(d(40), [d(0), d(1)], paused_since=d(2)) == 2


def test_history_starting_at_origin_counts_back_to_the_first_day() -> None:
    # Enrolled on Wednesday; no study days before the origin count as missed.
    origin = date(2026, 11, 18)
    active = [origin, origin + timedelta(days=1), origin + timedelta(days=2)]
    assert run_streak(origin + timedelta(days=2), active, origin=origin) == 3


def test_origin_day_missed_breaks_at_the_origin() -> None:
    origin = date(2026, 11, 18)  # Wednesday
    active = [origin + timedelta(days=1), origin + timedelta(days=2)]
    assert run_streak(origin + timedelta(days=2), active, origin=origin) == 2


def test_every_day_study_has_no_rest() -> None:
    active = [d(i) for i in range(10)]
    assert run_streak(d(9), active, study_days=EVERY_DAY) == 10
    active = [d(i) for i in range(10) if i != 6]
    assert run_streak(d(9), active, study_days=EVERY_DAY) == 3


def test_today_before_origin_with_no_ticks_is_zero() -> None:
    assert run_streak(d(-1), []) == 0


def test_a_tick_after_today_counts_and_today_breaks_nothing() -> None:
    # A move west put today (Wednesday) before the day of the latest tick (Thursday).
    assert run_streak(d(2), [d(0), d(1), d(3)]) == 3
    assert run_streak(d(-1), [d(0)]) == 1


def test_the_day_before_today_is_over_even_after_a_later_tick() -> None:
    # Today is Thursday after a move west; Wednesday was missed.
    assert run_streak(d(3), [d(0), d(1), d(4)]) == 1


def test_days_covered_ahead_are_passed_over() -> None:
    # Monday's work covered Tuesday and Wednesday, so only Thursday counts again.
    assert run_streak(d(3), [d(0), d(3)], paused=[d(1), d(2)]) == 2


def test_nothing_is_owed_after_a_finished_track() -> None:
    assert run_streak(d(30), [d(0), d(1), d(2)], finished_on=d(2)) == 3
    # A missed day before the end still breaks.
    assert run_streak(d(30), [d(0), d(2)], finished_on=d(2)) == 1


# --- days covered ahead, rest days kept ------------------------------------------


def week_one(*, done: int, study_days: frozenset[int] = MON_SAT, on: date = ORIGIN) -> WeekPlan:
    """Week 1 opened on Monday, its first `done` items ticked on `on`."""
    week = builtin_track().weeks[0]
    return plan_week(
        week,
        opened_on=ORIGIN,
        pace=Pace.STANDARD,
        study_days=study_days,
        done_on={item.id: on for item in week.items[:done]},
    )


def test_work_ahead_covers_the_study_days_up_to_the_next_open_item() -> None:
    # Mon-Sat: items fall Mon, Mon, Tue, Wed, Thu, Fri, Sat; five done reach Thursday.
    assert covered_ahead(week_one(done=5), d(0), MON_SAT) == [d(0), d(1), d(2), d(3)]
    # Seen from Tuesday, the days before it are over and not in question.
    assert covered_ahead(week_one(done=5), d(1), MON_SAT) == [d(1), d(2), d(3)]


def test_rest_days_are_not_marked_as_covered() -> None:
    mon_wed_fri = frozenset({0, 2, 4})
    # Three study days: three items on Monday, two on Wednesday, two on Friday.
    plan = week_one(done=5, study_days=mon_wed_fri)
    assert covered_ahead(plan, d(0), mon_wed_fri) == [d(0), d(2)]


def test_nothing_is_covered_while_an_item_is_due_or_overdue() -> None:
    assert covered_ahead(week_one(done=1), d(0), MON_SAT) == []  # Monday's second item
    assert covered_ahead(week_one(done=2), d(3), MON_SAT) == []  # Tuesday's, overdue


def test_a_week_with_nothing_open_covers_nothing() -> None:
    # The week closes with its last tick; the next week's plan says what comes next.
    assert covered_ahead(week_one(done=7), d(0), MON_SAT) == []


def test_covered_days_replace_those_from_today_on() -> None:
    passed = DayBitmap(ORIGIN).with_days([d(1), d(4), d(5), d(6)])
    marked = with_covered_ahead(passed, d(4), [d(6), d(7)])
    assert marked.days() == [d(1), d(6), d(7)]
    assert with_covered_ahead(passed, d(4), []).days() == [d(1)]


def test_covering_from_before_the_history_starts_at_its_origin() -> None:
    marked = with_covered_ahead(DayBitmap(ORIGIN).with_day(d(2)), d(-1), [d(-1), d(0)])
    assert marked.days() == [d(0)]


def test_rest_days_are_kept_up_to_the_day_given() -> None:
    passed = DayBitmap(ORIGIN).with_day(d(2))
    kept = with_rest_days(passed, until=d(14), study_days=MON_SAT)
    assert kept.days() == [d(2), d(6), d(13)]  # the two Sundays before the 14th
    assert with_rest_days(passed, until=d(-5), study_days=MON_SAT) == passed


def _slow_streak(
    today: date,
    active: DayBitmap,
    paused: DayBitmap,
    paused_since: date | None,
    study_days: frozenset[int],
    finished_on: date | None,
) -> Streak:
    """The freeze rule day by day with dates and `owes`, as the docstring states it."""
    held = in_a_row = days = 0
    frozen: list[date] = []
    day, last = active.origin, max(today, active.last() or today)
    while day <= last:
        if day in active:
            days += 1
            in_a_row += day.weekday() in study_days
            if in_a_row >= max(1, len(study_days)):
                held, in_a_row = min(FREEZES_HELD_AT_MOST, held + 1), 0
        elif day < today and owes(
            day,
            paused=paused,
            paused_since=paused_since,
            study_days=study_days,
            finished_on=finished_on,
        ):
            in_a_row = 0
            if held:
                held -= 1
                frozen.append(day)
            else:
                days = 0
        day += timedelta(days=1)
    return Streak(days, held, tuple(frozen))


@given(
    worked=st.sets(st.integers(0, 120), max_size=100),
    passed=st.sets(st.integers(-5, 120), max_size=30),
    study_days=st.frozensets(st.integers(0, 6), min_size=1),
    today=st.integers(0, 130),
    paused_since=st.none() | st.integers(0, 130),
    finished_on=st.none() | st.integers(0, 130),
)
def test_the_streak_walk_by_offsets_matches_the_rule_by_dates(
    worked: set[int],
    passed: set[int],
    study_days: frozenset[int],
    today: int,
    paused_since: int | None,
    finished_on: int | None,
) -> None:
    origin = date(2026, 3, 4)
    passed_origin = origin - timedelta(days=5)  # another origin, as a merged history may have
    on = lambda n: origin + timedelta(days=n)  # noqa: E731
    active = DayBitmap(origin).with_days(on(n) for n in worked)
    paused = DayBitmap(passed_origin).with_days(on(n) for n in passed)
    args = (
        on(today),
        active,
        paused,
        on(paused_since) if paused_since is not None else None,
        study_days,
        on(finished_on) if finished_on is not None else None,
    )
    fast = streak_record(
        args[0],
        active=active,
        paused=paused,
        paused_since=args[3],
        study_days=study_days,
        finished_on=args[5],
    )
    assert fast == _slow_streak(*args)
