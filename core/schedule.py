"""When a learner's next nudge falls, in their own time zone, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.activity import is_study_day


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
