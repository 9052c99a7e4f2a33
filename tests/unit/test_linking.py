"""Link codes and merging two enrollments, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.accounts.linking import (
    CODE_ALPHABET,
    CODE_LENGTH,
    code_hash,
    merge_enrollments,
    new_code,
    normalise_code,
    platforms_text,
)
from core.learning.activity import DayBitmap
from core.learning.model import CompletionRecord, Enrollment
from core.learning.pace import Pace
from core.learning.tracks import builtin_track

TRACK = builtin_track()
WEEK1, WEEK2 = TRACK.weeks[0], TRACK.weeks[1]
MONDAY = date(2026, 11, 16)


def test_codes_use_only_unambiguous_characters() -> None:
    assert not set("0O1IL") & set(CODE_ALPHABET)
    codes = {new_code() for _ in range(200)}
    assert len(codes) > 190  # random, not a sequence
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(CODE_ALPHABET)
        assert normalise_code(code) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ABC234", "ABC234"),
        ("abc234", "ABC234"),
        (" abc-234 ", "ABC234"),
        ("ab c2 34", "ABC234"),
        ("A-B-C-2-3-4", "ABC234"),
        ("ABC23", None),  # too short
        ("ABC2345", None),  # too long
        ("ABC0O1", None),  # characters no code has
        ("ABC 23!", None),
        ("", None),
    ],
)
def test_typed_codes_are_normalised(typed: str, expected: str | None) -> None:
    assert normalise_code(typed) == expected


@given(st.text(alphabet=CODE_ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH))
def test_any_code_survives_lower_case_and_dashes(code: str) -> None:
    assert normalise_code(f"{code[:3].lower()}-{code[3:]}") == code


def test_only_a_hash_is_kept() -> None:
    assert code_hash("ABC234") == code_hash("ABC234") != code_hash("ABC235")
    assert "ABC234" not in code_hash("ABC234")
    assert len(code_hash("ABC234")) == 64


def test_platform_names_read_as_a_sentence() -> None:
    assert platforms_text(["telegram", "discord"]) == "Telegram and Discord"
    assert platforms_text(["telegram", "discord", "console", "discord"]) == (
        "Telegram, Discord and the console"
    )
    assert platforms_text(["console"]) == "the console"


def enrollment(
    id_: int,
    *,
    started_on: date = MONDAY,
    week: str = WEEK1.id,
    opened_on: date = MONDAY,
    active: tuple[date, ...] = (),
    nudge_time: time = time(9, 0),
) -> Enrollment:
    return Enrollment(
        id=id_,
        learner_id=id_,
        track_id=TRACK.id,
        started_on=started_on,
        pace=Pace.STANDARD,
        timezone="UTC",
        study_days=frozenset(range(6)),
        nudge_time=nudge_time,
        paused_since=None,
        current_week_id=week,
        week_opened_on=opened_on,
        active_days=DayBitmap(started_on).with_days(active),
        paused_days=DayBitmap(started_on),
        next_nudge_at=None,
    )


def tick(item: int, day: date, *, week: int = 0, closes: bool = False) -> CompletionRecord:
    w = TRACK.weeks[week]
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return CompletionRecord(0, w.id, w.items[item].id, day, closes, at)


def test_merging_keeps_settings_and_the_earlier_of_two_ticks() -> None:
    tue, wed = date(2026, 11, 17), date(2026, 11, 18)
    keep = enrollment(1, started_on=tue, opened_on=tue, active=(tue,), nudge_time=time(7, 0))
    other = enrollment(2, active=(MONDAY, wed))
    merged = merge_enrollments(keep, other, [tick(0, tue)], [tick(0, MONDAY), tick(1, wed)], TRACK)
    e = merged.enrollment
    assert (e.id, e.nudge_time, e.started_on) == (1, time(7, 0), MONDAY)
    assert e.active_days.days() == [MONDAY, tue, wed]
    assert e.active_days.origin == MONDAY
    assert {(c.item_id, c.done_on) for c in merged.completions} == {
        (WEEK1.items[0].id, MONDAY),
        (WEEK1.items[1].id, wed),
    }
    assert merged.added == 1
    assert merged.absorbed_id == 2
    assert e.current_week_id == WEEK1.id


def test_the_week_further_along_is_kept() -> None:
    week1_done = [
        tick(n, MONDAY, closes=n == len(WEEK1.items) - 1) for n in range(len(WEEK1.items))
    ]
    ahead = enrollment(2, week=WEEK2.id, opened_on=MONDAY)
    merged = merge_enrollments(enrollment(1), ahead, [], week1_done, TRACK)
    assert merged.enrollment.current_week_id == WEEK2.id
    assert [c.item_id for c in merged.completions if c.completes_week] == [WEEK1.items[-1].id]


def test_a_week_completed_only_by_the_union_opens_the_next() -> None:
    fri = date(2026, 11, 20)
    half = len(WEEK1.items) // 2
    mine = [tick(n, MONDAY) for n in range(half)]
    theirs = [tick(n, fri) for n in range(half, len(WEEK1.items))]
    merged = merge_enrollments(enrollment(1), enrollment(2), mine, theirs, TRACK)
    assert merged.enrollment.current_week_id == WEEK2.id
    assert merged.enrollment.week_opened_on == fri
    assert [c.item_id for c in merged.completions if c.completes_week] == [WEEK1.items[-1].id]


def test_without_the_track_the_kept_side_decides_the_week() -> None:
    merged = merge_enrollments(
        enrollment(1), enrollment(2, week=WEEK2.id), [], [tick(0, MONDAY, closes=True)], None
    )
    assert merged.enrollment.current_week_id == WEEK1.id
    assert [c.completes_week for c in merged.completions] == [True]
