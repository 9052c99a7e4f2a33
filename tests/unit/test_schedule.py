"""local_instant and next_nudge_at: nudges in the learner's own zone, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.kernel.schedule import QuietHours, local_instant, next_nudge_at

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14
ADAK = ZoneInfo("America/Adak")  # UTC-10 / UTC-9
MON_SAT = frozenset(range(6))
MON_FRI = frozenset(range(5))
NINE = time(9, 0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- local_instant -----------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # ordinary days, winter and summer
        (BERLIN, date(2026, 1, 15), time(9, 0), utc(2026, 1, 15, 8, 0)),
        (BERLIN, date(2026, 7, 15), time(9, 0), utc(2026, 7, 15, 7, 0)),
        # Berlin spring-forward: 02:00-03:00 does not exist; 02:30 -> 03:30 CEST
        (BERLIN, date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 30)),
        (BERLIN, date(2026, 3, 29), time(1, 59), utc(2026, 3, 29, 0, 59)),
        (BERLIN, date(2026, 3, 29), time(3, 0), utc(2026, 3, 29, 1, 0)),
        (BERLIN, date(2026, 3, 29), time(9, 0), utc(2026, 3, 29, 7, 0)),
        # Berlin fall-back: 02:00-03:00 happens twice; the first (CEST) is taken
        (BERLIN, date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),
        (BERLIN, date(2026, 10, 25), time(3, 0), utc(2026, 10, 25, 2, 0)),
        (BERLIN, date(2026, 10, 25), time(9, 0), utc(2026, 10, 25, 8, 0)),
        # New York spring-forward 2026-03-08: 02:30 -> 03:30 EDT
        (NEW_YORK, date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 30)),
        (NEW_YORK, date(2026, 3, 8), time(9, 0), utc(2026, 3, 8, 13, 0)),
        # New York fall-back 2026-11-01: 01:30 happens twice, first is EDT
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
        (NEW_YORK, date(2026, 11, 1), time(9, 0), utc(2026, 11, 1, 14, 0)),
        # far-off offsets
        (KIRITIMATI, date(2026, 1, 6), time(9, 0), utc(2026, 1, 5, 19, 0)),
        (ADAK, date(2026, 1, 6), time(9, 0), utc(2026, 1, 6, 19, 0)),
        (ADAK, date(2026, 7, 6), time(9, 0), utc(2026, 7, 6, 18, 0)),
        (TOKYO, date(2026, 11, 21), time(9, 0), utc(2026, 11, 21, 0, 0)),
    ],
)
def test_local_instant(zone: ZoneInfo, day: date, at: time, expected: datetime) -> None:
    result = local_instant(day, at, zone)
    assert result == expected
    assert result.tzinfo is UTC


def test_skipped_time_reads_as_the_wall_clock_after_the_gap() -> None:
    instant = local_instant(date(2026, 3, 29), time(2, 30), BERLIN)
    local = instant.astimezone(BERLIN)
    assert (local.date(), local.time()) == (date(2026, 3, 29), time(3, 30))


def test_repeated_time_is_the_first_occurrence() -> None:
    instant = local_instant(date(2026, 10, 25), time(2, 30), BERLIN)
    assert instant.astimezone(BERLIN).utcoffset() == timedelta(hours=2)
    # the second 02:30 (CET) is an hour later and is not chosen
    assert instant != utc(2026, 10, 25, 1, 30)


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        (date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 30)),
        (date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),
    ],
)
def test_nudges_on_dst_days_happen_exactly_once(day: date, at: time, expected: datetime) -> None:
    every_day = frozenset(range(7))
    start = datetime.combine(day - timedelta(days=1), time(12, 0), tzinfo=BERLIN)
    end = datetime.combine(day + timedelta(days=1), time(12, 0), tzinfo=BERLIN)
    nudges = []
    after = start
    while True:
        after = next_nudge_at(after, zone=BERLIN, at=at, study_days=every_day)
        if after >= end:
            break
        nudges.append(after)
    on_the_day = [n for n in nudges if n.astimezone(BERLIN).date() == day]
    assert on_the_day == [expected]
    assert len(nudges) == 2  # the day itself and the next one


# --- next_nudge_at -----------------------------------------------------------


def test_next_nudge_later_the_same_day() -> None:
    after = utc(2026, 11, 16, 6, 0)  # Monday 07:00 in Berlin
    assert next_nudge_at(after, zone=BERLIN, at=NINE, study_days=MON_SAT) == utc(2026, 11, 16, 8, 0)


def test_next_nudge_is_strictly_after() -> None:
    nudge = utc(2026, 11, 16, 8, 0)  # Monday 09:00 in Berlin
    assert next_nudge_at(nudge, zone=BERLIN, at=NINE, study_days=MON_SAT) == utc(2026, 11, 17, 8, 0)
    just_before = nudge - timedelta(microseconds=1)
    assert next_nudge_at(just_before, zone=BERLIN, at=NINE, study_days=MON_SAT) == nudge


def test_next_nudge_skips_rest_days() -> None:
    after = utc(2026, 11, 21, 12, 0)  # Saturday afternoon in Berlin
    # Sunday is a rest day with Mon-Sat study days: Monday 09:00
    assert next_nudge_at(after, zone=BERLIN, at=NINE, study_days=MON_SAT) == utc(2026, 11, 23, 8, 0)


def test_next_nudge_skips_a_long_run_of_rest_days() -> None:
    after = utc(2026, 11, 16, 12, 0)  # Monday afternoon
    sunday_only = frozenset({6})
    assert next_nudge_at(after, zone=BERLIN, at=NINE, study_days=sunday_only) == utc(
        2026, 11, 22, 8, 0
    )
    monday_only = frozenset({0})
    assert next_nudge_at(after, zone=BERLIN, at=NINE, study_days=monday_only) == utc(
        2026, 11, 23, 8, 0
    )


def test_no_study_days_raises() -> None:
    with pytest.raises(ValueError, match="no study day"):
        next_nudge_at(utc(2026, 11, 16), zone=BERLIN, at=NINE, study_days=frozenset())


def test_after_may_be_in_any_zone() -> None:
    after_utc = utc(2026, 11, 16, 6, 0)
    after_tokyo = after_utc.astimezone(TOKYO)
    a = next_nudge_at(after_utc, zone=BERLIN, at=NINE, study_days=MON_SAT)
    b = next_nudge_at(after_tokyo, zone=BERLIN, at=NINE, study_days=MON_SAT)
    assert a == b == utc(2026, 11, 16, 8, 0)


def test_tokyo_local_date_is_ahead_of_utc() -> None:
    # Friday 23:30 UTC is Saturday 08:30 in Tokyo: the nudge is Saturday 09:00 JST.
    after = utc(2026, 11, 20, 23, 30)
    assert next_nudge_at(after, zone=TOKYO, at=NINE, study_days=MON_SAT) == utc(2026, 11, 21, 0, 0)
    # With Mon-Fri study days, Saturday and Sunday are skipped: Monday 09:00 JST.
    assert next_nudge_at(after, zone=TOKYO, at=NINE, study_days=MON_FRI) == utc(2026, 11, 23, 0, 0)


def test_tokyo_late_evening_goes_to_tomorrow() -> None:
    # Monday 23:00 JST (14:00 UTC) -> Tuesday 09:00 JST = Tuesday 00:00 UTC.
    after = utc(2026, 11, 16, 14, 0)
    assert next_nudge_at(after, zone=TOKYO, at=NINE, study_days=MON_SAT) == utc(2026, 11, 17, 0, 0)


def test_kiritimati_is_a_day_ahead_of_utc() -> None:
    # Monday 2026-01-05 11:00 UTC is Tuesday 01:00 at UTC+14; the nudge is Tuesday
    # 09:00 local, which is still Monday 19:00 UTC.
    after = utc(2026, 1, 5, 11, 0)
    result = next_nudge_at(after, zone=KIRITIMATI, at=NINE, study_days=MON_FRI)
    assert result == utc(2026, 1, 5, 19, 0)
    local = result.astimezone(KIRITIMATI)
    assert (local.date(), local.time()) == (date(2026, 1, 6), NINE)


def test_kiritimati_friday_evening_waits_for_monday() -> None:
    # Friday 2026-01-09 20:00 local = 06:00 UTC; Mon-Fri -> Monday 12th 09:00 local
    after = utc(2026, 1, 9, 6, 0)
    assert next_nudge_at(after, zone=KIRITIMATI, at=NINE, study_days=MON_FRI) == utc(
        2026, 1, 11, 19, 0
    )


def test_adak_is_behind_utc() -> None:
    # Tuesday 2026-01-06 05:00 UTC is Monday 19:00 in Adak (UTC-10): Tuesday 09:00 local.
    after = utc(2026, 1, 6, 5, 0)
    result = next_nudge_at(after, zone=ADAK, at=NINE, study_days=MON_FRI)
    assert result == utc(2026, 1, 6, 19, 0)
    local = result.astimezone(ADAK)
    assert (local.date(), local.time()) == (date(2026, 1, 6), NINE)


def test_adak_saturday_utc_is_friday_local() -> None:
    # Saturday 2026-01-10 08:00 UTC is Friday 22:00 in Adak: next is Monday 09:00 local.
    after = utc(2026, 1, 10, 8, 0)
    assert next_nudge_at(after, zone=ADAK, at=NINE, study_days=MON_FRI) == utc(2026, 1, 12, 19, 0)


def test_adak_across_its_spring_forward() -> None:
    # Adak switches to UTC-9 on 2026-03-08 (Sunday).
    after = utc(2026, 3, 7, 20, 0)  # Saturday 10:00 local (UTC-10)
    assert next_nudge_at(after, zone=ADAK, at=NINE, study_days=frozenset({6})) == utc(
        2026, 3, 8, 18, 0
    )


def collect_nudges(
    zone: ZoneInfo, start: datetime, days: int, at: time, study_days: frozenset[int]
) -> list[datetime]:
    end = start + timedelta(days=days)
    nudges: list[datetime] = []
    after = start
    while True:
        after = next_nudge_at(after, zone=zone, at=at, study_days=study_days)
        if after >= end:
            return nudges
        nudges.append(after)


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 3, 1, 0, 0, tzinfo=BERLIN),  # through spring-forward on 03-29
        datetime(2026, 10, 1, 0, 0, tzinfo=BERLIN),  # through fall-back on 10-25
    ],
)
def test_sixty_days_through_dst_one_nudge_per_study_day_at_nine(start: datetime) -> None:
    nudges = collect_nudges(BERLIN, start, 60, NINE, MON_SAT)
    local = [n.astimezone(BERLIN) for n in nudges]
    assert all(n.time() == NINE for n in local)
    expected_days = [
        start.date() + timedelta(days=i)
        for i in range(60)
        if (start.date() + timedelta(days=i)).weekday() in MON_SAT
    ]
    assert [n.date() for n in local] == expected_days
    assert len(nudges) == len(set(nudges))
    assert nudges == sorted(nudges)
    offsets = {n.utcoffset() for n in local}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}  # the change was crossed


def test_sixty_days_in_new_york_through_fall_back_at_half_past_one() -> None:
    # 01:30 happens twice on 2026-11-01; the learner still gets one nudge that day.
    start = datetime(2026, 10, 1, 0, 0, tzinfo=NEW_YORK)
    every_day = frozenset(range(7))
    nudges = collect_nudges(NEW_YORK, start, 60, time(1, 30), every_day)
    local_days = [n.astimezone(NEW_YORK).date() for n in nudges]
    assert local_days == [date(2026, 10, 1) + timedelta(days=i) for i in range(60)]
    fall_back = [n for n in nudges if n.astimezone(NEW_YORK).date() == date(2026, 11, 1)]
    assert fall_back == [utc(2026, 11, 1, 5, 30)]


ZONES = [
    BERLIN,
    NEW_YORK,
    TOKYO,
    KIRITIMATI,
    ADAK,
    ZoneInfo("Australia/Lord_Howe"),  # 30-minute DST shift
    ZoneInfo("America/Santiago"),  # DST changes at midnight
    ZoneInfo("America/Havana"),
]


@given(
    after=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
    at=st.times(),
    study_days=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
)
def test_next_nudge_properties(
    after: datetime, zone: ZoneInfo, at: time, study_days: frozenset[int]
) -> None:
    nudge = next_nudge_at(after, zone=zone, at=at, study_days=study_days)
    assert nudge > after
    local_day = nudge.astimezone(zone).date()
    assert local_day.weekday() in study_days
    assert nudge == local_instant(local_day, at, zone)
    # No study-day nudge was skipped between `after` and the result.
    day = after.astimezone(zone).date()
    while day < local_day:
        if day.weekday() in study_days:
            assert local_instant(day, at, zone) <= after
        day += timedelta(days=1)


# --- quiet hours -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "moment", "covered"),
    [
        (time(22), time(7), time(23, 30), True),
        (time(22), time(7), time(6, 59), True),
        (time(22), time(7), time(7), False),  # the end is already allowed
        (time(22), time(7), time(21, 59), False),
        (time(22), time(7), time(22), True),
        (time(13), time(14), time(13, 30), True),  # a window within the day
        (time(13), time(14), time(14, 30), False),
    ],
)
def test_quiet_hours_cover_their_window_also_across_midnight(
    start: time, end: time, moment: time, covered: bool
) -> None:
    assert QuietHours(start, end).covers(moment) is covered


def test_quiet_hours_must_end_when_they_do_not_start() -> None:
    with pytest.raises(ValueError):
        QuietHours(time(7), time(7))


def test_quiet_hours_end_the_next_morning_when_they_began_last_night() -> None:
    quiet = QuietHours(time(22), time(7))
    late = utc(2026, 11, 16, 22, 30)  # 23:30 in Berlin
    assert quiet.ends_after(late, BERLIN) == utc(2026, 11, 17, 6, 0)
    early = utc(2026, 11, 17, 4, 0)  # 05:00 in Berlin
    assert quiet.ends_after(early, BERLIN) == utc(2026, 11, 17, 6, 0)
    assert quiet.ends_after(utc(2026, 11, 17, 12, 0), BERLIN) is None


def test_quiet_hours_end_by_the_wall_clock_across_a_dst_change() -> None:
    quiet = QuietHours(time(22), time(7))
    # Berlin springs forward in the night to 28 March 2027: 07:00 is then UTC+2.
    assert quiet.ends_after(utc(2027, 3, 27, 22, 0), BERLIN) == utc(2027, 3, 28, 5, 0)
    # New York falls back in the night to 7 November 2027: 07:00 is then UTC-5.
    assert quiet.ends_after(utc(2027, 11, 7, 4, 0), NEW_YORK) == utc(2027, 11, 7, 12, 0)


@given(
    st.times(),
    st.times(),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
    st.sampled_from([BERLIN, NEW_YORK, TOKYO, KIRITIMATI, ADAK]),
)
def test_quiet_hours_always_end_outside_themselves_and_within_a_day(
    start: time, end: time, naive: datetime, zone: ZoneInfo
) -> None:
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    if start == end:
        return
    quiet = QuietHours(start, end)
    now = naive.replace(tzinfo=UTC)
    ends = quiet.ends_after(now, zone)
    if ends is None:
        assert not quiet.covers(now.astimezone(zone).time())
        return
    assert now < ends <= now + timedelta(hours=25)
    assert not quiet.covers(ends.astimezone(zone).time())
