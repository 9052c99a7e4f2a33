"""Reading time zones, times, study days and logged hours the way people write them."""

from __future__ import annotations

from datetime import time

import pytest

from core.kernel.schedule import QuietHours
from core.kernel.settings_input import (
    SettingsInputError,
    parse_quiet_hours,
    parse_quiz_days,
    parse_study_days,
    parse_time,
    parse_timezone,
    typed_days,
)
from core.learning.journal import parse_hours

# --- time zones --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("  Europe/Berlin  ", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("America/New_York", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Pacific/Kiritimati", "Pacific/Kiritimati"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
    ],
)
def test_valid_time_zones(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mars/Olympus",
        "Europe/Atlantis",
        "../etc/passwd",
        "Europe/../../etc/passwd",
        "/etc/localtime",
        "/usr/share/zoneinfo/Europe/Berlin",
        "Europe/Berlin\x00",
        "+02:00",
        "Berlin",
    ],
)
def test_invalid_time_zones(text: str) -> None:
    with pytest.raises(SettingsInputError, match="not a time zone I know"):
        parse_timezone(text)


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("Berlin", ["Europe/Berlin"]),
        ("berlin", ["Europe/Berlin"]),
        ("new york", ["America/New_York"]),
        ("New_York", ["America/New_York"]),
        ("Europe/New_York", ["America/New_York"]),
        ("buenos aires", ["America/Argentina/Buenos_Aires", "America/Buenos_Aires"]),
        ("Istanbul", ["Asia/Istanbul", "Europe/Istanbul"]),
    ],
)
def test_a_city_suggests_the_zones_named_after_it(text: str, suggested: list[str]) -> None:
    with pytest.raises(SettingsInputError, match="not a time zone I know") as info:
        parse_timezone(text)
    assert info.value.suggestions == tuple(suggested)
    assert all(zone in str(info.value) for zone in suggested)


@pytest.mark.parametrize("text", ["Atlantis", "Europe/Atlantis", "x" * 300])
def test_no_suggestion_without_a_zone_of_that_name(text: str) -> None:
    with pytest.raises(SettingsInputError) as info:
        parse_timezone(text)
    assert info.value.suggestions == ()


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_empty_time_zone_asks_for_one(text: str) -> None:
    with pytest.raises(SettingsInputError, match="Give a time zone"):
        parse_timezone(text)


def test_settings_input_error_is_a_value_error() -> None:
    assert issubclass(SettingsInputError, ValueError)


def test_long_unknown_zone_is_shortened_in_the_message() -> None:
    with pytest.raises(SettingsInputError) as info:
        parse_timezone("X" * 200)
    assert "X" * 60 in str(info.value)
    assert "X" * 61 not in str(info.value)


@pytest.mark.parametrize("text", ["Europe", "europe", "America"])
def test_zone_directory_names_are_rejected_politely(text: str) -> None:
    with pytest.raises(SettingsInputError, match="not a time zone I know"):
        parse_timezone(text)


@pytest.mark.parametrize("text", ["X" * 256, "Europe/" + "x" * 300])
def test_very_long_zone_names_are_rejected_politely(text: str) -> None:
    with pytest.raises(SettingsInputError, match="not a time zone I know"):
        parse_timezone(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("america/new_york", "America/New_York"),
        ("america/los_angeles", "America/Los_Angeles"),
    ],
)
def test_lowercase_zone_with_underscore(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


# --- times -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7pm", time(19, 0)),
        ("7 pm", time(19, 0)),
        ("7PM", time(19, 0)),
        ("7:30pm", time(19, 30)),
        ("7am", time(7, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("19.00", time(19, 0)),
        ("19:00", time(19, 0)),
        ("7h30", time(7, 30)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("9", time(9, 0)),
        (" 09:15 ", time(9, 15)),
    ],
)
def test_valid_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["25:99", "12:60", "24:00", "abc", "13pm", "0am", "7:5", "123", "7:30:00", "-1", "7 30"],
)
def test_invalid_times(text: str) -> None:
    with pytest.raises(SettingsInputError, match="not a time of day"):
        parse_time(text)


@pytest.mark.parametrize("text", ["", "  "])
def test_no_time_asks_for_one(text: str) -> None:
    with pytest.raises(SettingsInputError, match="Give a time of day") as info:
        parse_time(text)
    assert "“" not in str(info.value)


def test_no_quiet_hours_ask_for_them() -> None:
    with pytest.raises(SettingsInputError, match="22:00-07:00") as info:
        parse_quiet_hours(" ")
    assert "“" not in str(info.value)


# --- study days --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("mon, wed, fri", {0, 2, 4}),
        ("mon wed fri", {0, 2, 4}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("weekends", {5, 6}),
        ("every day", {0, 1, 2, 3, 4, 5, 6}),
        ("everyday", {0, 1, 2, 3, 4, 5, 6}),
        ("daily", {0, 1, 2, 3, 4, 5, 6}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sat-tue", {5, 6, 0, 1}),
        ("sun-sun", {6}),
        ("sunday", {6}),
        ("Tuesday,Thursday", {1, 3}),
        ("monday-wednesday", {0, 1, 2}),
        ("mon-wed,sat", {0, 1, 2, 5}),
        ("mon,mon", {0}),
    ],
)
def test_valid_study_days(text: str, expected: set[int]) -> None:
    assert parse_study_days(text) == frozenset(expected)


@pytest.mark.parametrize("text", ["xyz", "mon,xyz", "m", "mon-xyz", "1-5"])
def test_unknown_day_names(text: str) -> None:
    with pytest.raises(SettingsInputError, match="is not a day"):
        parse_study_days(text)


@pytest.mark.parametrize("text", ["", "   ", ",", " , "])
def test_no_days_named(text: str) -> None:
    with pytest.raises(SettingsInputError, match="at least one study day"):
        parse_study_days(text)


# --- logged hours (core.coach.parse_hours) -----------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5", 1.5),
        ("1,5", 1.5),
        ("2", 2.0),
        ("1h", 1.0),
        ("1.5h", 1.5),
        ("90m", 1.5),
        ("45 m", 0.75),
        ("30min", 0.5),
        ("5m", 0.08),
        ("1h30m", 1.5),
        ("1h 30m", 1.5),
        ("1 h 30 min", 1.5),
        ("1h5m", 1.08),
        (" 2H ", 2.0),
        # Kept to the hundredth of an hour, as stored; halves round up.
        ("1.234", 1.23),
        ("1.005", 1.01),
        ("0.001", 0.0),
        ("20m", 0.33),
        # Any size reads, so the range check answers every amount the same way.
        ("1000", 1000.0),
        ("1000h", 1000.0),
        ("100000m", 1666.67),
        ("1000h30m", 1000.5),
        ("9" * 500, float("9" * 500)),
    ],
)
def test_parse_hours(text: str, expected: float) -> None:
    assert parse_hours(text) == expected


@pytest.mark.parametrize(
    "text", ["abc", "-3", "", "   ", "1.5.5", "h", "m", "1.530m", "1:30", "one hour", "1h-30m"]
)
def test_parse_hours_rejects(text: str) -> None:
    assert parse_hours(text) is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("22:00-07:00", time(22), time(7)),
        ("22:00 - 07:00", time(22), time(7)),
        ("10pm to 7am", time(22), time(7)),
        ("13:00–14:30", time(13), time(14, 30)),
        ("23 until 6", time(23), time(6)),
    ],
)
def test_quiet_hours_read_as_people_write_them(text: str, start: time, end: time) -> None:
    assert parse_quiet_hours(text) == QuietHours(start, end)


@pytest.mark.parametrize("text", ["off", "OFF", " none "])
def test_quiet_hours_switch_off(text: str) -> None:
    assert parse_quiet_hours(text) is None


@pytest.mark.parametrize("text", ["", "22:00", "22:00-", "late-early", "25:00-07:00", "7-7"])
def test_bad_quiet_hours_say_what_would_work(text: str) -> None:
    with pytest.raises(SettingsInputError):
        parse_quiet_hours(text)


def test_quiz_days_are_study_days_or_off() -> None:
    assert parse_quiz_days("mon,wed,fri") == frozenset({0, 2, 4})
    assert parse_quiz_days("off") == frozenset()
    with pytest.raises(SettingsInputError):
        parse_quiz_days("sometimes")


def test_days_written_back_as_typed_are_read_as_the_same_days() -> None:
    """The web view fills its forms with `typed_days`: what it shows must parse back."""
    for bits in range(128):
        days = frozenset(day for day in range(7) if bits >> day & 1)
        assert parse_quiz_days(typed_days(days)) == days
        if days:
            assert parse_study_days(typed_days(days)) == days
    assert typed_days(frozenset({0, 2, 4})) == "mon,wed,fri"
    assert typed_days(frozenset()) == "off"
