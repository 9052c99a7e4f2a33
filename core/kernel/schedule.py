"""When a learner's next nudge falls, in their own time zone, DST included."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.kernel.i18n import clock_time

DEFAULT_EVENING_TIME = time(20, 0)
DEFAULT_QUIZ_DAYS = frozenset({0, 2, 4})  # Mon, Wed, Fri: three questions a week


class Slot(enum.StrEnum):
    """The two moments of a learner's day the coach may write first."""

    MORNING = "morning"  # the day's plan, and a quiz question on quiz days
    EVENING = "evening"  # a streak reminder, or the week's digest on its last study day


def is_study_day(day: date, study_days: frozenset[int]) -> bool:
    return day.weekday() in study_days


@dataclass(frozen=True)
class QuietHours:
    """A daily local window with no messages; it may wrap past midnight (22:00-07:00)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours need a start and an end that differ")

    def covers(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def ends_after(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The UTC instant these quiet hours end, if `now` falls inside them."""
        local = now.astimezone(zone)
        if not self.covers(local.time().replace(tzinfo=None)):
            return None
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        return local_instant(day, self.end, zone)

    def __str__(self) -> str:
        """As a learner reads it, in the digits of the language spoken: "22:00–07:00"."""
        return f"{clock_time(self.start)}–{clock_time(self.end)}"


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time.

    A time that does not exist (skipped by spring-forward) moves forward by the gap,
    so 02:30 becomes 03:30; a time that happens twice (fall-back) is taken the first
    time. Either way each local date yields exactly one instant.
    """
    # fold=0 reads a skipped time with the pre-transition offset, which lands after the
    # gap, and picks the earlier of two repeated times.
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def next_nudge_at(
    after: datetime,
    *,
    zone: ZoneInfo,
    at: time,
    study_days: frozenset[int],
) -> datetime:
    """The first nudge instant strictly after `after`, on one of the learner's study days."""
    day = after.astimezone(zone).date()
    for _ in range(15):
        if is_study_day(day, study_days):
            candidate = local_instant(day, at, zone)
            if candidate > after:
                return candidate
        day += timedelta(days=1)
    raise ValueError("no study day within two weeks")
