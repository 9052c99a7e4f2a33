"""A study group's week and standings: the pure rules of core/standings.py, on hand-built
members (no storage)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.groups.model import MemberActivity, Membership, Sharing, StudyGroup, Tick
from core.groups.standings import (
    GROUP_PACE,
    Standing,
    behind,
    finished_yesterday,
    group_plan,
    group_week,
    last_study_day,
    member_done,
    member_streak,
    monday_of,
    standings,
    week_members,
)
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.schedule import local_instant
from core.learning.activity import DayBitmap
from core.learning.model import Enrollment
from core.learning.pace import Pace
from core.learning.tracks import Track, parse_track
from core.progress.charts import MemberWeek

MONDAY = date(2026, 11, 16)
WEDNESDAY = MONDAY + timedelta(days=2)
SUNDAY = MONDAY + timedelta(days=6)
MON_SAT = frozenset(range(6))
EVERY_DAY = frozenset(range(7))
JOINED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KINDS = ("learn", "learn", "practice", "build", "review")


def make_track(weeks: int = 3, items: int = 5) -> Track:
    return parse_track(
        {
            "id": "t",
            "title": "Test track",
            "weeks": [
                {
                    "id": f"w{n}",
                    "number": n,
                    "title": f"Week {n}",
                    "items": [
                        {
                            "id": f"w{n}-i{i}",
                            "kind": KINDS[i % len(KINDS)],
                            "title": f"W{n} item {i}",
                        }
                        for i in range(items)
                    ],
                }
                for n in range(1, weeks + 1)
            ],
        }
    )


TRACK = make_track()


def enrollment(
    learner_id: int,
    *,
    week: str = "w1",
    active: Sequence[date] = (),
    paused_since: date | None = None,
    study_days: frozenset[int] = EVERY_DAY,
) -> Enrollment:
    origin = date(2026, 10, 1)
    return Enrollment(
        id=1000 + learner_id,
        learner_id=learner_id,
        track_id=TRACK.id,
        started_on=origin,
        pace=Pace.STANDARD,
        timezone="UTC",
        study_days=study_days,
        nudge_time=time(9, 0),
        paused_since=paused_since,
        current_week_id=week,
        week_opened_on=origin,
        active_days=DayBitmap(origin).with_days(active),
        paused_days=DayBitmap(origin),
        next_nudge_at=None,
    )


def streak_of(days: int, today: date = WEDNESDAY) -> list[date]:
    """Active days giving a streak of `days` on `today` (every day a study day)."""
    return [today - timedelta(days=n) for n in range(days)]


def member(
    learner_id: int,
    name: str = "",
    *,
    done: int = 0,
    quiz: int = 0,
    streak: int = 0,
    joined: datetime = JOINED,
    sharing: Sharing | None = None,
    ticks: tuple[Tick, ...] | None = None,
    week: str = "w1",
    paused_since: date | None = None,
    enrolled: bool = True,
) -> MemberActivity:
    """A member with `done` items ticked this week (Monday on), `quiz` right answers and a
    streak of `streak` days on WEDNESDAY."""
    if ticks is None:
        ticks = tuple(Tick(MONDAY, "w1", f"w1-i{n}") for n in range(done))
    return MemberActivity(
        membership=Membership(
            group_id=1,
            learner_id=learner_id,
            who=LearnerRef("test", str(learner_id), name or f"M{learner_id}"),
            joined_at=joined,
            sharing=sharing or Sharing(),
        ),
        enrollment=(
            enrollment(learner_id, week=week, active=streak_of(streak), paused_since=paused_since)
            if enrolled
            else None
        ),
        ticks=ticks,
        quiz_right=quiz,
        quiz_answered=quiz,
        week_done={},
    )


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def ranked(members: list[MemberActivity], today: date = WEDNESDAY) -> list[Standing]:
    """This week's standings on `today`, at noon UTC (the members' zone)."""
    return standings(members, track=TRACK, week_start=MONDAY, today=today, now=noon(today))


def table(members: list[MemberActivity], today: date = WEDNESDAY) -> list[tuple[int, int]]:
    """(position, learner id) rows of this week's standings."""
    return [(s.position, s.learner_id) for s in ranked(members, today)]


def group(
    started_on: date, *, study_days: frozenset[int] = MON_SAT, timezone: str = "UTC"
) -> StudyGroup:
    return StudyGroup(
        id=1,
        chat=ChatRef("test", "-100", "Cohort"),
        track_id=TRACK.id,
        timezone=timezone,
        digest_time=time(9, 0),
        report_time=time(18, 0),
        study_days=study_days,
        quiz_days=frozenset({0, 2, 4}),
        started_on=started_on,
        active=True,
        next_digest_at=None,
        next_report_at=None,
    )


# -- standings: the order ----------------------------------------------------------


def test_ranked_by_items_done_first() -> None:
    members = [member(1, done=1, quiz=9, streak=9), member(2, done=3), member(3, done=2)]
    assert table(members) == [(1, 2), (2, 3), (3, 1)]


def test_equal_done_ranked_by_right_quiz_answers_then_streak() -> None:
    members = [
        member(1, done=2, quiz=1, streak=5),
        member(2, done=2, quiz=3, streak=0),
        member(3, done=2, quiz=1, streak=6),
        member(4, done=2, quiz=0, streak=9),
    ]
    assert table(members) == [(1, 2), (2, 3), (3, 1), (4, 4)]


def test_rows_carry_the_figures_and_names() -> None:
    (row,) = ranked([member(7, "Ada", done=2, quiz=3, streak=4)])
    assert (row.position, row.learner_id, row.name) == (1, 7, "Ada")
    assert (row.done, row.quiz, row.streak) == (2, 3, 4)


def test_a_member_without_a_name_is_a_member() -> None:
    nameless = member(1)
    nameless = MemberActivity(
        Membership(1, 1, LearnerRef("test", "1", ""), JOINED, Sharing()),
        nameless.enrollment,
        (),
        0,
        0,
        {},
    )
    (row,) = ranked([nameless])
    assert row.name == "a member"


def test_equal_figures_share_a_position_competition_style() -> None:
    members = [
        member(1, done=3),
        member(2, done=2, quiz=1),
        member(3, done=2, quiz=1),
        member(4, done=1),
        member(5, done=1),
        member(6, done=1),
        member(7, done=0),
    ]
    assert [p for p, _ in table(members)] == [1, 2, 2, 4, 4, 4, 7]


def test_ties_keep_join_order_then_learner_id() -> None:
    early, late = JOINED, JOINED + timedelta(days=1)
    members = [
        member(9, done=1, joined=late),
        member(5, done=1, joined=late),
        member(8, done=1, joined=early),
        member(1, done=0, joined=early),
    ]
    assert table(members) == [(1, 8), (1, 5), (1, 9), (4, 1)]


def test_only_all_three_figures_equal_make_a_tie() -> None:
    members = [member(1, done=1, quiz=1, streak=1), member(2, done=1, quiz=1, streak=2)]
    assert table(members) == [(1, 2), (2, 1)]


def test_nobody_no_rows() -> None:
    assert ranked([]) == []


def test_everyone_equal_everyone_first() -> None:
    members = [member(n, joined=JOINED + timedelta(minutes=n)) for n in range(1, 6)]
    assert table(members) == [(1, n) for n in range(1, 6)]


# -- standings: what is not shared ---------------------------------------------------


def test_hidden_figures_show_as_none() -> None:
    secret = member(
        1, done=2, quiz=3, streak=4, sharing=Sharing(done=False, streak=False, quiz=False)
    )
    (row,) = ranked([secret])
    assert (row.done, row.quiz, row.streak) == (None, None, None)


def test_hidden_done_ranks_below_a_shared_zero() -> None:
    hidden = member(1, done=5, quiz=5, streak=5, sharing=Sharing(done=False))
    assert table([hidden, member(2, done=0)]) == [(1, 2), (2, 1)]


def test_hidden_quiz_ranks_below_a_shared_zero_among_equal_done() -> None:
    hidden = member(1, done=1, quiz=5, streak=5, sharing=Sharing(quiz=False))
    assert table([hidden, member(2, done=1, quiz=0, streak=0)]) == [(1, 2), (2, 1)]


def test_hidden_streak_ranks_below_a_shared_zero_among_equal_done_and_quiz() -> None:
    hidden = member(1, done=1, quiz=1, streak=5, sharing=Sharing(streak=False))
    assert table([hidden, member(2, done=1, quiz=1, streak=0)]) == [(1, 2), (2, 1)]


def test_members_hiding_the_same_figures_tie() -> None:
    quiet = Sharing(done=False, streak=False, quiz=False)
    members = [
        member(1, done=4, sharing=quiet),
        member(2, done=0, sharing=quiet),
        member(3, done=0),
    ]
    assert table(members) == [(1, 3), (2, 1), (2, 2)]


def test_a_hidden_figure_still_counts_nothing_else_away() -> None:
    # Done kept private, quiz and streak shared: they still order the hidden-done members.
    hidden_done = Sharing(done=False)
    members = [member(1, quiz=1, sharing=hidden_done), member(2, quiz=2, sharing=hidden_done)]
    assert table(members) == [(1, 2), (2, 1)]


# -- standings: the week's ticks ---------------------------------------------------


def test_ticks_outside_the_week_do_not_count() -> None:
    ticks = (
        Tick(MONDAY - timedelta(days=1), "w1", "w1-i0"),  # last Sunday
        Tick(MONDAY, "w1", "w1-i1"),
        Tick(WEDNESDAY, "w1", "w1-i2"),
        Tick(WEDNESDAY + timedelta(days=1), "w1", "w1-i3"),  # after today
    )
    m = member(1, ticks=ticks)
    (row,) = ranked([m])
    assert row.done == 2
    assert member_done(m, MONDAY, WEDNESDAY) == 2
    assert member_done(m, MONDAY, SUNDAY) == 3


def test_ticks_on_any_track_week_count_in_the_calendar_week() -> None:
    ticks = (Tick(MONDAY, "w1", "w1-i4"), Tick(MONDAY, "w2", "w2-i0"))
    (row,) = ranked([member(1, ticks=ticks)])
    assert row.done == 2


def test_streak_from_the_enrollment_and_zero_without_one() -> None:
    assert member_streak(member(1, streak=3), TRACK, noon(WEDNESDAY)) == 3
    assert member_streak(member(1, enrolled=False), TRACK, noon(WEDNESDAY)) == 0
    (row,) = ranked([member(1, enrolled=False, done=1)])
    assert (row.done, row.streak) == (1, 0)


def test_a_member_who_finished_the_track_owes_nothing_after_their_last_tick() -> None:
    last = TRACK.weeks[-1]
    done = {item.id: MONDAY for item in last.items}
    finished = member(1, week=last.id, ticks=())
    assert finished.enrollment is not None
    finished = replace(
        finished,
        enrollment=replace(
            finished.enrollment, active_days=finished.enrollment.active_days.with_day(MONDAY)
        ),
        week_done=done,
    )
    # Tuesday owes nothing once the track is through; with an item open it would.
    assert member_streak(finished, TRACK, noon(WEDNESDAY)) == 1
    one_open = replace(finished, week_done=dict(list(done.items())[1:]))
    assert member_streak(one_open, TRACK, noon(WEDNESDAY)) == 0


# -- standings: stable whatever order the members come in ---------------------------

_MEMBERS = [
    member(
        n,
        done=(n * 7) % 3,
        quiz=(n * 5) % 2,
        streak=(n * 3) % 2,
        joined=JOINED + timedelta(hours=n % 4),
        sharing=Sharing(done=n % 5 != 0, quiz=n % 7 != 0, streak=n % 6 != 0),
    )
    for n in range(1, 16)
]


@given(st.permutations(_MEMBERS))
def test_any_order_of_the_members_gives_the_same_table(shuffled: list[MemberActivity]) -> None:
    expected = ranked(_MEMBERS)
    assert ranked(list(shuffled)) == expected


figures = st.tuples(
    st.integers(0, 2),  # done
    st.integers(0, 2),  # quiz
    st.integers(0, 2),  # streak
    st.integers(0, 2),  # joined, hours after JOINED
    st.booleans(),  # shares done
    st.booleans(),  # shares quiz
    st.booleans(),  # shares streak
)


def ranked_figures(row: Standing) -> tuple[int, int, int]:
    """A row's figures as ranked: what is kept private below any shared figure."""
    return (
        -1 if row.done is None else row.done,
        -1 if row.quiz is None else row.quiz,
        -1 if row.streak is None else row.streak,
    )


@given(st.data())
def test_tables_are_ranked_and_stable_for_any_members(data: st.DataObject) -> None:
    rows = data.draw(st.lists(figures, max_size=12), label="members")
    members = [
        member(
            n,
            done=done,
            quiz=quiz,
            streak=streak,
            joined=JOINED + timedelta(hours=hours),
            sharing=Sharing(done=sd, quiz=sq, streak=ss),
        )
        for n, (done, quiz, streak, hours, sd, sq, ss) in enumerate(rows, start=1)
    ]
    result = ranked(members)
    shuffled = data.draw(st.permutations(members), label="order")
    assert ranked(list(shuffled)) == result
    assert sorted(s.learner_id for s in result) == list(range(1, len(rows) + 1))

    joined = {m.membership.learner_id: m.membership.joined_at for m in members}
    for index, row in enumerate(result):
        if index == 0:
            assert row.position == 1
            continue
        before = result[index - 1]
        assert ranked_figures(before) >= ranked_figures(row)
        if ranked_figures(before) == ranked_figures(row):
            assert row.position == before.position
            assert (joined[before.learner_id], before.learner_id) < (
                joined[row.learner_id],
                row.learner_id,
            )
        else:
            assert row.position == index + 1


# -- the group's week --------------------------------------------------------------


@pytest.mark.parametrize(
    ("started_on", "today", "number"),
    [
        (WEDNESDAY, WEDNESDAY, 1),  # set up today
        (WEDNESDAY, MONDAY, 1),  # earlier that calendar week
        (WEDNESDAY, SUNDAY, 1),  # the rest of the setup week
        (WEDNESDAY, SUNDAY + timedelta(days=1), 2),  # the next Monday: week 2
        (SUNDAY, SUNDAY, 1),  # set up on a Sunday
        (SUNDAY, SUNDAY + timedelta(days=1), 2),  # a day later is week 2
        (MONDAY, MONDAY + timedelta(days=13), 2),
        (MONDAY, MONDAY + timedelta(days=14), 3),
        (MONDAY, MONDAY + timedelta(days=21), 3),  # past the last week: stays there
        (MONDAY, MONDAY + timedelta(days=700), 3),
        (WEDNESDAY, MONDAY - timedelta(days=30), 1),  # before setup: week 1
    ],
)
def test_group_week_follows_calendar_weeks(started_on: date, today: date, number: int) -> None:
    assert group_week(TRACK, started_on, today).number == number


def test_group_week_across_the_year_end() -> None:
    # 2026 has an ISO week 53 (Mon 28 Dec to Sun 3 Jan); no ISO week numbers are used.
    started = date(2026, 12, 30)
    assert group_week(TRACK, started, date(2027, 1, 3)).number == 1
    assert group_week(TRACK, started, date(2027, 1, 4)).number == 2
    assert group_week(TRACK, date(2027, 12, 31), date(2028, 1, 2)).number == 1
    assert group_week(TRACK, date(2027, 12, 31), date(2028, 1, 3)).number == 2
    long_track = make_track(weeks=60, items=1)
    assert group_week(long_track, date(2026, 12, 28), date(2028, 1, 3)).number == 54


@pytest.mark.parametrize(
    ("zone", "last_sunday"),
    [
        ("Europe/Berlin", date(2026, 3, 29)),  # clocks forward in the night to Sunday
        ("Europe/Berlin", date(2026, 10, 25)),  # clocks back
        ("America/New_York", date(2026, 11, 1)),
        ("Australia/Sydney", date(2026, 10, 4)),
    ],
)
def test_group_week_turns_at_local_midnight_across_a_dst_change(
    zone: str, last_sunday: date
) -> None:
    """The group's week read from its local date, every quarter of an hour from Saturday
    to Tuesday around a Sunday that changes the clocks: it turns at local midnight, which
    is 23 or 25 hours after the Sunday began."""
    tz = ZoneInfo(zone)
    started = last_sunday - timedelta(days=6)  # the Monday of that week
    next_monday = last_sunday + timedelta(days=1)
    sunday_began = local_instant(last_sunday, time(0, 0), tz)
    turn = local_instant(next_monday, time(0, 0), tz)
    assert turn - sunday_began in {timedelta(hours=23), timedelta(hours=25)}

    instant = local_instant(last_sunday - timedelta(days=1), time(0, 0), tz)
    seen = set()
    while instant < turn + timedelta(days=2):
        week = group_week(TRACK, started, instant.astimezone(tz).date()).number
        assert week == (1 if instant < turn else 2), instant
        seen.add(week)
        instant += timedelta(minutes=15)
    assert seen == {1, 2}


def test_monday_of() -> None:
    assert {monday_of(MONDAY + timedelta(days=n)) for n in range(7)} == {MONDAY}
    assert monday_of(date(2027, 1, 1)) == date(2026, 12, 28)
    assert last_study_day(MON_SAT) == 5
    assert last_study_day(frozenset({0, 3})) == 3


# -- the group's plan --------------------------------------------------------------


def test_group_plan_on_a_full_week_opens_on_monday() -> None:
    g = group(MONDAY - timedelta(days=7))
    plan = group_plan(TRACK, g, WEDNESDAY)
    assert plan.week.number == 2
    assert plan.opened_on == MONDAY
    assert plan.study_dates == tuple(MONDAY + timedelta(days=n) for n in range(6))
    assert all(p.done_on is None for p in plan.items)
    assert [p.item.id for p in plan.items] == [i.id for i in TRACK.weeks[1].items]
    assert GROUP_PACE is Pace.STANDARD


def test_group_plan_opened_mid_week_on_setup_day() -> None:
    g = group(WEDNESDAY)
    for today in (WEDNESDAY, WEDNESDAY + timedelta(days=1), SUNDAY):
        plan = group_plan(TRACK, g, today)
        assert plan.week.number == 1
        assert plan.opened_on == WEDNESDAY
        assert plan.study_dates[0] == WEDNESDAY
        assert plan.items[0].due_on == WEDNESDAY
    # The next Monday the group is on week 2 with a full week.
    after = group_plan(TRACK, g, SUNDAY + timedelta(days=1))
    assert after.week.number == 2
    assert after.opened_on == SUNDAY + timedelta(days=1)


def test_group_plan_opened_mid_week_stays_in_its_calendar_week() -> None:
    # Set up on Wednesday with Mon-Sat study days: Wed-Sat are the week's study days left.
    plan = group_plan(TRACK, group(WEDNESDAY), WEDNESDAY)
    assert plan.ends_on <= SUNDAY
    assert all(WEDNESDAY <= p.due_on <= SUNDAY for p in plan.items)


def test_group_plan_set_up_on_a_rest_day_puts_week_one_on_that_day() -> None:
    plan = group_plan(TRACK, group(SUNDAY), SUNDAY)
    assert {p.due_on for p in plan.items} == {SUNDAY}


def test_group_plan_follows_the_groups_study_days() -> None:
    g = group(MONDAY, study_days=frozenset({0, 2, 4}))
    plan = group_plan(TRACK, g, WEDNESDAY)
    assert plan.study_dates == (MONDAY, WEDNESDAY, MONDAY + timedelta(days=4))
    assert plan.items[-1].due_on == MONDAY + timedelta(days=4)  # the review closes the week


# -- who finished what yesterday ---------------------------------------------------

YESTERDAY = WEDNESDAY - timedelta(days=1)


def test_finished_yesterday_names_sharing_members_and_item_titles() -> None:
    ada = member(
        1,
        "Ada",
        ticks=(
            Tick(YESTERDAY, "w1", "w1-i0"),
            Tick(YESTERDAY, "w1", "w1-i1"),
            Tick(WEDNESDAY, "w1", "w1-i2"),  # today: not yesterday
        ),
    )
    bob = member(2, "Bob", ticks=(Tick(MONDAY, "w1", "w1-i0"),))  # the day before
    cy = member(3, "Cy", ticks=(Tick(YESTERDAY, "w2", "w2-i3"),), sharing=Sharing(done=False))
    di = member(4, "Di", ticks=(Tick(YESTERDAY, "w2", "w2-i1"),), sharing=Sharing(streak=False))
    assert finished_yesterday([ada, bob, cy, di], TRACK, YESTERDAY) == [
        ("Ada", ["W1 item 0", "W1 item 1"]),
        ("Di", ["W2 item 1"]),
    ]


def test_finished_yesterday_keeps_an_unknown_items_id() -> None:
    gone = member(1, "Ada", ticks=(Tick(YESTERDAY, "old", "retired-item"),))
    assert finished_yesterday([gone], TRACK, YESTERDAY) == [("Ada", ["retired-item"])]


def test_finished_yesterday_nobody() -> None:
    assert finished_yesterday([member(1), member(2)], TRACK, YESTERDAY) == []


# -- who is behind -----------------------------------------------------------------


def test_behind_only_members_asking_to_be_named_on_an_earlier_week() -> None:
    week2 = TRACK.weeks[1]
    mentions = Sharing(mentions=True)
    named = member(1, week="w1", sharing=mentions)
    not_asking = member(2, week="w1")
    on_the_week = member(3, week="w2", sharing=mentions)
    ahead = member(4, week="w3", sharing=mentions)
    paused = member(5, week="w1", sharing=mentions, paused_since=MONDAY)
    not_enrolled = member(6, enrolled=False, sharing=mentions)
    unknown_week = member(7, week="retired", sharing=mentions)
    hidden_done = member(8, week="w1", sharing=Sharing(done=False, mentions=True))
    everyone = [
        named,
        not_asking,
        on_the_week,
        ahead,
        paused,
        not_enrolled,
        unknown_week,
        hidden_done,
    ]
    assert [m.membership.learner_id for m in behind(everyone, TRACK, week2)] == [1, 8]


def test_nobody_is_behind_in_week_one() -> None:
    members = [member(n, week="w1", sharing=Sharing(mentions=True)) for n in range(3)]
    assert behind(members, TRACK, TRACK.weeks[0]) == []


# -- the chart's rows --------------------------------------------------------------


def test_week_members_only_those_sharing_done() -> None:
    members = [
        member(1, "Ada", done=3, streak=2),
        member(2, "Bob", done=2, streak=4, sharing=Sharing(done=False)),
        member(3, "Cy", done=1, streak=5, sharing=Sharing(streak=False)),
        member(
            4,
            "Di",
            ticks=(Tick(MONDAY - timedelta(days=1), "w1", "w1-i0"), Tick(MONDAY, "w1", "w1-i1")),
        ),
    ]
    assert week_members(
        members, TRACK, week_start=MONDAY, today=WEDNESDAY, now=noon(WEDNESDAY)
    ) == [
        MemberWeek("Ada", 3, 2),
        MemberWeek("Cy", 1, 0),  # streak kept private: drawn as none
        MemberWeek("Di", 1, 0),
    ]
