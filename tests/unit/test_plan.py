"""plan_week(): spreading a track week's items over the learner's study days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.learning.pace import Pace
from core.learning.plan import WEEKDAY_NAMES, PlannedItem, WeekPlan, plan_week, study_dates
from core.learning.tracks import ItemKind, Week, builtin_track

MON_SAT = frozenset(range(6))
SUNDAY_ONLY = frozenset({6})
MONDAY = date(2026, 11, 16)
SUNDAY = date(2026, 11, 22)

WEEK_ONE_IDS = (
    "w01-setup",
    "w01-syntax",
    "w01-idioms",
    "w01-git-basics",
    "w01-drills",
    "w01-calculator",
    "w01-review",
)


def nov(day: int) -> date:
    return date(2026, 11, day)


@pytest.fixture
def week() -> Week:
    return builtin_track().weeks[0]


def make_plan(
    week: Week,
    *,
    opened_on: date = MONDAY,
    pace: Pace = Pace.STANDARD,
    study_days: frozenset[int] = MON_SAT,
    done_on: dict[str, date] | None = None,
) -> WeekPlan:
    return plan_week(
        week, opened_on=opened_on, pace=pace, study_days=study_days, done_on=done_on or {}
    )


def due(plan: WeekPlan) -> list[date]:
    return [p.due_on for p in plan.items]


def ids(items: tuple[PlannedItem, ...]) -> list[str]:
    return [p.item.id for p in items]


def test_week_one_is_the_expected_fixture(week: Week) -> None:
    assert tuple(i.id for i in week.items) == WEEK_ONE_IDS
    assert len(week.items) == 7


# --- standard pace, Mon-Sat --------------------------------------------------


def test_standard_spreads_over_six_study_days_monday_to_saturday(week: Week) -> None:
    plan = make_plan(week)
    assert plan.opened_on == MONDAY
    assert plan.study_dates == tuple(nov(d) for d in range(16, 22))
    assert [WEEKDAY_NAMES[d.weekday()] for d in plan.study_dates] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
    ]
    # item i of 7 on date floor(i * 6 / 7)
    assert due(plan) == [nov(16), nov(16), nov(17), nov(18), nov(19), nov(20), nov(21)]
    assert plan.ends_on == nov(21)


def test_standard_keeps_rhythm_order_with_review_last(week: Week) -> None:
    plan = make_plan(week)
    kinds = [p.item.kind for p in plan.items]
    assert kinds == [
        ItemKind.LEARN,
        ItemKind.LEARN,
        ItemKind.LEARN,
        ItemKind.LEARN,
        ItemKind.PRACTICE,
        ItemKind.BUILD,
        ItemKind.REVIEW,
    ]
    assert ids(plan.items) == list(WEEK_ONE_IDS)
    assert [p.number for p in plan.items] == [1, 2, 3, 4, 5, 6, 7]
    assert plan.items[-1].due_on == plan.ends_on


def test_standard_uses_every_date_and_due_dates_are_monotonic(week: Week) -> None:
    plan = make_plan(week)
    assert set(due(plan)) == set(plan.study_dates)
    assert due(plan) == sorted(due(plan))


def test_nothing_done_yet(week: Week) -> None:
    plan = make_plan(week)
    assert plan.done_count == 0
    assert not plan.is_complete
    assert plan.open_items() == plan.items
    assert all(p.done_on is None and not p.done for p in plan.items)


def test_done_dates_are_attached_by_item_id(week: Week) -> None:
    plan = make_plan(
        week,
        done_on={"w01-setup": nov(16), "w01-drills": nov(17), "w99-other": nov(16)},
    )
    assert plan.done_count == 2
    assert plan.by_item_id("w01-setup").done_on == nov(16)  # type: ignore[union-attr]
    assert plan.by_item_id("w01-drills").done  # type: ignore[union-attr]
    assert not plan.by_item_id("w01-syntax").done  # type: ignore[union-attr]
    assert plan.by_item_id("w99-other") is None
    assert ids(plan.open_items()) == [
        "w01-syntax",
        "w01-idioms",
        "w01-git-basics",
        "w01-calculator",
        "w01-review",
    ]


def test_all_done_is_complete(week: Week) -> None:
    plan = make_plan(week, done_on=dict.fromkeys(WEEK_ONE_IDS, nov(16)))
    assert plan.done_count == 7
    assert plan.is_complete
    assert plan.open_items() == ()
    assert plan.next_open() is None


# --- other paces -------------------------------------------------------------


def test_accelerated_uses_fewer_dates(week: Week) -> None:
    assert Pace.ACCELERATED.study_days_per_track_week(6) == 4
    assert Pace.ACCELERATED.study_days_per_track_week(1) == 1
    plan = make_plan(week, pace=Pace.ACCELERATED)
    assert plan.study_dates == (nov(16), nov(17), nov(18), nov(19))
    assert due(plan) == [nov(16), nov(16), nov(17), nov(17), nov(18), nov(18), nov(19)]
    assert plan.ends_on == nov(19)
    assert set(due(plan)) == set(plan.study_dates)


def test_part_time_uses_more_dates_skipping_sunday(week: Week) -> None:
    assert Pace.PART_TIME.study_days_per_track_week(6) == 9
    assert Pace.PART_TIME.study_days_per_track_week(1) == 2
    plan = make_plan(week, pace=Pace.PART_TIME)
    assert plan.study_dates == (
        nov(16),
        nov(17),
        nov(18),
        nov(19),
        nov(20),
        nov(21),
        nov(23),
        nov(24),
        nov(25),
    )
    assert nov(22) not in plan.study_dates  # Sunday is a rest day
    assert plan.ends_on == nov(25)
    # Fewer items than dates: item i of 7 on date round(i * 8 / 6): 0, 1, 3, 4, 5, 7, 8,
    # so the review closes the week on its last study day.
    assert due(plan) == [nov(16), nov(17), nov(19), nov(20), nov(21), nov(24), nov(25)]
    assert due(plan) == sorted(due(plan))


def test_pace_ordering_of_week_length(week: Week) -> None:
    lengths = {
        pace: len(make_plan(week, pace=pace).study_dates)
        for pace in (Pace.ACCELERATED, Pace.STANDARD, Pace.PART_TIME)
    }
    assert lengths == {Pace.ACCELERATED: 4, Pace.STANDARD: 6, Pace.PART_TIME: 9}


# --- unusual study days ------------------------------------------------------


def test_sunday_only_standard_puts_everything_on_the_next_sunday(week: Week) -> None:
    plan = make_plan(week, study_days=SUNDAY_ONLY)
    assert plan.study_dates == (SUNDAY,)
    assert due(plan) == [SUNDAY] * 7
    assert plan.ends_on == SUNDAY


def test_sunday_only_accelerated_still_needs_one_day(week: Week) -> None:
    plan = make_plan(week, study_days=SUNDAY_ONLY, pace=Pace.ACCELERATED)
    assert plan.study_dates == (SUNDAY,)


def test_sunday_only_part_time_takes_two_sundays(week: Week) -> None:
    plan = make_plan(week, study_days=SUNDAY_ONLY, pace=Pace.PART_TIME)
    assert plan.study_dates == (nov(22), nov(29))
    assert due(plan) == [nov(22)] * 4 + [nov(29)] * 3


def test_opened_on_a_rest_day_starts_at_the_next_study_day(week: Week) -> None:
    plan = make_plan(week, opened_on=SUNDAY)
    assert plan.opened_on == SUNDAY
    assert plan.study_dates == tuple(nov(d) for d in range(23, 29))
    assert plan.items[0].due_on == nov(23)
    assert plan.ends_on == nov(28)


def test_opened_mid_week_runs_into_the_next_calendar_week(week: Week) -> None:
    plan = make_plan(week, opened_on=nov(19))  # Thursday
    assert plan.study_dates == (nov(19), nov(20), nov(21), nov(23), nov(24), nov(25))


def test_no_study_days_is_an_error(week: Week) -> None:
    with pytest.raises(ValueError, match="at least one study day"):
        make_plan(week, study_days=frozenset())


# --- study_dates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened_on", "days", "count", "expected"),
    [
        (MONDAY, MON_SAT, 3, (nov(16), nov(17), nov(18))),
        (nov(21), MON_SAT, 2, (nov(21), nov(23))),
        (MONDAY, frozenset({0, 2, 4}), 4, (nov(16), nov(18), nov(20), nov(23))),
        (nov(17), frozenset({0}), 2, (nov(23), nov(30))),
        (MONDAY, MON_SAT, 0, ()),
    ],
)
def test_study_dates(
    opened_on: date, days: frozenset[int], count: int, expected: tuple[date, ...]
) -> None:
    assert study_dates(opened_on, days, count) == expected


def test_study_dates_needs_a_study_day() -> None:
    with pytest.raises(ValueError, match="at least one study day"):
        study_dates(MONDAY, frozenset(), 3)


# --- DayView -----------------------------------------------------------------


def test_day_view_mid_week(week: Week) -> None:
    plan = make_plan(week, done_on={"w01-setup": nov(16), "w01-syntax": nov(16)})
    view = plan.day(nov(18), MON_SAT)  # Wednesday
    assert view.today == nov(18)
    assert view.is_study_day
    assert ids(view.due_today) == ["w01-git-basics"]
    assert ids(view.overdue) == ["w01-idioms"]
    assert ids(view.ahead) == ["w01-drills", "w01-calculator", "w01-review"]


def test_day_view_due_today_lists_done_items_too(week: Week) -> None:
    plan = make_plan(week, done_on={"w01-setup": nov(16)})
    view = plan.day(nov(16), MON_SAT)
    assert ids(view.due_today) == ["w01-setup", "w01-syntax"]
    assert view.due_today[0].done
    assert view.overdue == ()
    assert ids(view.ahead) == list(WEEK_ONE_IDS[2:])


def test_day_view_done_items_are_never_overdue_or_ahead(week: Week) -> None:
    plan = make_plan(week, done_on={"w01-setup": nov(16), "w01-review": nov(17)})
    view = plan.day(nov(18), MON_SAT)
    assert "w01-setup" not in ids(view.overdue)
    assert "w01-review" not in ids(view.ahead)
    assert ids(view.overdue) == ["w01-syntax", "w01-idioms"]


def test_day_view_on_a_rest_day(week: Week) -> None:
    plan = make_plan(week)
    view = plan.day(SUNDAY, MON_SAT)
    assert not view.is_study_day
    assert view.due_today == ()
    assert ids(view.overdue) == list(WEEK_ONE_IDS)
    assert view.ahead == ()


def test_day_view_before_the_week_starts(week: Week) -> None:
    plan = make_plan(week, opened_on=SUNDAY)
    view = plan.day(SUNDAY, MON_SAT)
    assert view.due_today == ()
    assert view.overdue == ()
    assert ids(view.ahead) == list(WEEK_ONE_IDS)


def test_next_open_is_the_first_open_item(week: Week) -> None:
    assert make_plan(week).next_open().item.id == "w01-setup"  # type: ignore[union-attr]


def test_next_open_picks_overdue_before_due_today_and_ahead(week: Week) -> None:
    # On Thursday: idioms (Tue) overdue, git-basics (Wed) overdue, drills due today,
    # the review ahead already done.
    plan = make_plan(
        week,
        done_on={
            "w01-setup": nov(16),
            "w01-syntax": nov(16),
            "w01-review": nov(17),
        },
    )
    view = plan.day(nov(19), MON_SAT)
    assert ids(view.overdue) == ["w01-idioms", "w01-git-basics"]
    nxt = plan.next_open()
    assert nxt is not None
    assert nxt.item.id == "w01-idioms"
    assert nxt.number == 3
    assert nxt in view.overdue


def test_next_open_skips_done_items_in_the_middle(week: Week) -> None:
    plan = make_plan(week, done_on={i: nov(16) for i in WEEK_ONE_IDS[:5]})
    assert plan.next_open().item.id == "w01-calculator"  # type: ignore[union-attr]


# --- by_number ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "item_id"), [(1, "w01-setup"), (4, "w01-git-basics"), (7, "w01-review")]
)
def test_by_number_is_one_based(week: Week, number: int, item_id: str) -> None:
    planned = make_plan(week).by_number(number)
    assert planned is not None
    assert planned.number == number
    assert planned.item.id == item_id


@pytest.mark.parametrize("number", [0, -1, -7, 8, 100])
def test_by_number_out_of_range_is_none(week: Week, number: int) -> None:
    assert make_plan(week).by_number(number) is None


# --- properties --------------------------------------------------------------

TRACK = builtin_track()


@given(
    week_index=st.integers(min_value=0, max_value=len(TRACK.weeks) - 1),
    opened_on=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    pace=st.sampled_from(list(Pace)),
    study_days=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
)
def test_plan_invariants(
    week_index: int, opened_on: date, pace: Pace, study_days: frozenset[int]
) -> None:
    week = TRACK.weeks[week_index]
    plan = make_plan(week, opened_on=opened_on, pace=pace, study_days=study_days)
    dates = plan.study_dates
    assert len(dates) == pace.study_days_per_track_week(len(study_days))
    assert all(d.weekday() in study_days for d in dates)
    assert list(dates) == sorted(set(dates))
    assert dates[0] >= opened_on
    assert dates[0] - opened_on < timedelta(days=7)
    assert len(plan.items) == len(week.items)
    assert [p.number for p in plan.items] == list(range(1, len(week.items) + 1))
    assert due(plan) == sorted(due(plan))
    assert set(due(plan)) <= set(dates)
    assert plan.items[0].due_on == dates[0]
    # The review always closes the week on its last study day.
    assert plan.items[-1].due_on == plan.ends_on
    if len(dates) <= len(week.items):
        assert set(due(plan)) == set(dates)  # no empty study day
    else:
        assert len(set(due(plan))) == len(week.items)  # one item a day, spread out
    assert plan.items[-1].item.kind is ItemKind.REVIEW
