"""Reading time zones, times and study days the way people write them."""

from __future__ import annotations

import enum
import re
from datetime import time
from functools import cache
from zoneinfo import available_timezones

from core.kernel.i18n import messages
from core.kernel.schedule import QuietHours

_, n_ = messages("kernel")


class SettingsInputError(ValueError):
    """The value cannot be used; the message says what would work, and `suggestions` holds
    values that would, when there is a likely few (a city's time zones)."""

    def __init__(self, message: str, *, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class Setting(enum.StrEnum):
    """What `/settings` (a learner's) and `/group` (a group's) can change."""

    TIMEZONE = "tz"
    TIME = "time"  # a learner's daily plan, a group's digest
    DAYS = "days"
    EVENING = "evening"
    QUIZ = "quiz"
    QUIET = "quiet"
    PACE = "pace"
    TRACK = "track"
    REPORT = "report"  # a group's weekly report


_SETTING_WORDS = {
    **dict.fromkeys(("tz", "timezone", "zone"), Setting.TIMEZONE),
    **dict.fromkeys(("time", "nudge", "digest", "at"), Setting.TIME),
    **dict.fromkeys(("days", "studydays", "study-days"), Setting.DAYS),
    **dict.fromkeys(("evening", "evening-time", "checkin", "check-in"), Setting.EVENING),
    **dict.fromkeys(("quiz", "quizdays", "quiz-days"), Setting.QUIZ),
    **dict.fromkeys(("quiet", "quiet-hours", "quiethours"), Setting.QUIET),
    "pace": Setting.PACE,
    "track": Setting.TRACK,
    **dict.fromkeys(("report", "report-time"), Setting.REPORT),
}


def setting_named(word: str) -> Setting | None:
    """The setting a word names, in any of the ways people write it."""
    return _SETTING_WORDS.get(word.strip().lower())


MAX_ZONE_SUGGESTIONS = 3


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


@cache
def _zones_by_city() -> dict[str, tuple[str, ...]]:
    """'berlin' -> ('Europe/Berlin',): zones by the last part of their name, which is a city
    for most; a few cities have more than one (Asia/Istanbul, Europe/Istanbul)."""
    cities: dict[str, list[str]] = {}
    for name in sorted(available_timezones()):
        cities.setdefault(name.rsplit("/", 1)[-1].lower(), []).append(name)
    return {city: tuple(names) for city, names in cities.items()}


def zones_named_like(text: str) -> tuple[str, ...]:
    """The zones a city names, however it is written: 'Berlin', 'new york', 'Europe/New_York'."""
    city = text.strip().rsplit("/", 1)[-1].lower()
    city = re.sub(r"[\s_]+", "_", city)
    return _zones_by_city().get(city, ())[:MAX_ZONE_SUGGESTIONS]


def parse_timezone(text: str) -> str:
    """An IANA zone name in any letter case; looked up, never opened as a path."""
    name = text.strip()
    if not name:
        raise SettingsInputError(
            _("Give a time zone such as Europe/Berlin, America/New_York or UTC.")
        )
    found = _zones_by_lower_name().get(name.lower())
    if found is None:
        suggestions = zones_named_like(name)
        if suggestions:
            raise SettingsInputError(
                _("“{name}” is not a time zone I know. Did you mean {zones}?").format(
                    name=name[:60], zones=_either(suggestions)
                ),
                suggestions=suggestions,
            )
        raise SettingsInputError(
            _(
                "“{name}” is not a time zone I know. Use an IANA name such as Europe/Berlin, "
                "Asia/Tokyo or UTC."
            ).format(name=name[:60])
        )
    return found


def _either(choices: tuple[str, ...]) -> str:
    """The choices as "A or B or C", in the language spoken."""
    said = choices[0]
    for choice in choices[1:]:
        said = _("{one} or {other}").format(one=said, other=choice)
    return said


_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$")


def parse_time(text: str) -> time:
    value = text.strip().lower().replace(" ", "")
    if not value:
        raise SettingsInputError(_("Give a time of day as HH:MM, like 07:30 or 19:00."))
    match = _TIME.match(value)
    if match:
        hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
        if half:
            if not 1 <= hour <= 12:
                match = None
            else:
                hour = hour % 12 + (12 if half == "pm" else 0)
        if match and hour < 24 and minute < 60:
            return time(hour, minute)
    raise SettingsInputError(
        _("“{text}” is not a time of day. Use HH:MM, like 07:30 or 19:00.").format(
            text=text.strip()[:20]
        )
    )


def typed_days(days: frozenset[int]) -> str:
    """Days as `parse_study_days` reads them back: "mon,wed,fri", or "off" for none."""
    return ",".join(FULL_DAY_NAMES[day][:3] for day in sorted(days)) or "off"


def parse_study_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri', 'weekdays', 'every day' -> weekday numbers (Mon=0)."""
    value = text.strip().lower()
    named = {
        "weekdays": "mon-fri",
        "weekends": "sat,sun",
        "everyday": "mon-sun",
        "every day": "mon-sun",
        "daily": "mon-sun",
        "all": "mon-sun",
    }
    value = named.get(value, value)
    days: set[int] = set()
    for part in re.split(r"[,\s]+", value):
        if not part:
            continue
        first, _dash, last = part.partition("-")
        try:
            start = _day_number(first)
            end = _day_number(last) if last else start
        except KeyError:
            raise SettingsInputError(
                _(
                    "“{text}” is not a day. Write days like mon-fri, mon,wed,fri or weekdays."
                ).format(text=part[:20])
            ) from None
        span = (end - start) % 7
        days.update((start + offset) % 7 for offset in range(span + 1))
    if not days:
        raise SettingsInputError(_("Name at least one study day, like mon-fri or mon,wed,fri."))
    return frozenset(days)


FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_number(word: str) -> int:
    """'mon', 'tues', 'thursday' -> weekday number; 'monkey' is not a day."""
    key = word.strip()
    for number, full in enumerate(FULL_DAY_NAMES):
        if len(key) >= 3 and full.startswith(key):
            return number
    raise KeyError(word)


OFF_WORDS = frozenset({"off", "none", "no", "never"})


def parse_quiet_hours(text: str) -> QuietHours | None:
    """'22:00-07:00', '22 to 7', 'off' -> a nightly window, or None to switch it off."""
    value = text.strip().lower()
    if value in OFF_WORDS:
        return None
    if not value:
        raise SettingsInputError(_("Give quiet hours as two times, like 22:00-07:00, or off."))
    parts = re.split(r"\s*(?:-|–|—|\bto\b|\buntil\b)\s*", value)
    if len(parts) != 2 or not all(parts):
        raise SettingsInputError(
            _("“{text}” is not a span of time. Use two times, like 22:00-07:00, or off.").format(
                text=text.strip()[:30]
            )
        )
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if start == end:
        raise SettingsInputError(_("Quiet hours need to end at a different time than they start."))
    return QuietHours(start, end)


def parse_quiz_days(text: str) -> frozenset[int]:
    """Days for a scheduled quiz question, or none at all with 'off'."""
    if text.strip().lower() in OFF_WORDS:
        return frozenset()
    return parse_study_days(text)
