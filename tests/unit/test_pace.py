"""Pace: parsing, the hour profiles and how many study days a track week takes."""

from __future__ import annotations

import pytest

from core.learning.pace import Pace


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("standard", Pace.STANDARD),
        ("Standard", Pace.STANDARD),
        ("  STANDARD ", Pace.STANDARD),
        ("normal", Pace.STANDARD),
        ("accelerated", Pace.ACCELERATED),
        ("fast", Pace.ACCELERATED),
        ("FAST", Pace.ACCELERATED),
        ("part-time", Pace.PART_TIME),
        ("part_time", Pace.PART_TIME),
        ("part time", Pace.PART_TIME),
        ("Part-Time", Pace.PART_TIME),
        ("parttime", Pace.PART_TIME),
        ("part", Pace.PART_TIME),
        ("slow", Pace.PART_TIME),
    ],
)
def test_parse_accepts_names_and_aliases(text: str, expected: Pace) -> None:
    assert Pace.parse(text) is expected


@pytest.mark.parametrize("text", ["", " ", "turbo", "standard-ish", "part--time", "accel", "1"])
def test_parse_rejects_anything_else(text: str) -> None:
    assert Pace.parse(text) is None


def test_values_are_the_stored_strings() -> None:
    assert [p.value for p in Pace] == ["part-time", "standard", "accelerated"]
    assert Pace("standard") is Pace.STANDARD


@pytest.mark.parametrize(
    ("pace", "label", "low", "high", "days", "text"),
    [
        (Pace.PART_TIME, "Part-time", 6, 8, 11, "6–8 h/week"),
        (Pace.STANDARD, "Standard", 10, 15, 7, "10–15 h/week"),
        (Pace.ACCELERATED, "Accelerated", 20, 25, 5, "20–25 h/week"),
    ],
)
def test_profiles(pace: Pace, label: str, low: int, high: int, days: int, text: str) -> None:
    profile = pace.profile
    assert profile.label == label
    assert (profile.min_hours, profile.max_hours) == (low, high)
    assert profile.days_per_track_week == days
    assert profile.hours_text == text


@pytest.mark.parametrize(
    ("pace", "per_calendar_week", "expected"),
    [
        # standard: a track week is a calendar week, so every study day of it
        (Pace.STANDARD, 1, 1),
        (Pace.STANDARD, 3, 3),
        (Pace.STANDARD, 6, 6),
        (Pace.STANDARD, 7, 7),
        # accelerated: 5 calendar days -> round(n * 5 / 7), at least 1
        (Pace.ACCELERATED, 1, 1),
        (Pace.ACCELERATED, 3, 2),
        (Pace.ACCELERATED, 5, 4),
        (Pace.ACCELERATED, 6, 4),
        (Pace.ACCELERATED, 7, 5),
        # part-time: 11 calendar days -> round(n * 11 / 7)
        (Pace.PART_TIME, 1, 2),
        (Pace.PART_TIME, 3, 5),
        (Pace.PART_TIME, 5, 8),
        (Pace.PART_TIME, 6, 9),
        (Pace.PART_TIME, 7, 11),
    ],
)
def test_study_days_per_track_week(pace: Pace, per_calendar_week: int, expected: int) -> None:
    assert pace.study_days_per_track_week(per_calendar_week) == expected


@pytest.mark.parametrize("per_calendar_week", range(1, 8))
def test_faster_paces_never_take_more_days(per_calendar_week: int) -> None:
    fast = Pace.ACCELERATED.study_days_per_track_week(per_calendar_week)
    standard = Pace.STANDARD.study_days_per_track_week(per_calendar_week)
    slow = Pace.PART_TIME.study_days_per_track_week(per_calendar_week)
    assert 1 <= fast <= standard <= slow
    assert standard == per_calendar_week
