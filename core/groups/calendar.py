"""When a group's posts fall: the daily digest on study days, the weekly report on the last
one, and where its week starts, all in the group's own time zone."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from core.groups.model import StudyGroup
from core.groups.standings import last_study_day, monday_of
from core.kernel.schedule import local_instant, next_nudge_at


def next_report_at(group: StudyGroup, now: datetime) -> datetime:
    """The weekly report: the group's last study day of the week, at its report time."""
    last_day = frozenset({last_study_day(group.study_days)})
    return next_nudge_at(now, zone=group.zone, at=group.report_time, study_days=last_day)


def next_digest_at(group: StudyGroup, now: datetime) -> datetime:
    return next_nudge_at(now, zone=group.zone, at=group.digest_time, study_days=group.study_days)


def reschedule_group(group: StudyGroup, now: datetime) -> None:
    if not group.active:
        group.next_digest_at = group.next_report_at = None
        return
    group.next_digest_at = next_digest_at(group, now)
    group.next_report_at = next_report_at(group, now)


def week_start_instant(group: StudyGroup, today: date) -> tuple[date, datetime]:
    monday = monday_of(today)
    return monday, local_instant(monday, time(0, 0), group.zone)


class Period(enum.StrEnum):
    """What a leaderboard counts: this week, this month, or everything."""

    WEEK = "week"
    MONTH = "month"
    ALL = "all"

    @classmethod
    def named(cls, text: str) -> Period | None:
        words = {"": cls.WEEK, "alltime": cls.ALL, "all-time": cls.ALL, "ever": cls.ALL}
        key = text.strip().lower().replace(" ", "")
        return words.get(key) or next((p for p in cls if p.value == key), None)


# Before any group: "all" counts every tick the members' tracks hold.
BEGINNING = date(2000, 1, 1)


def period_start_instant(group: StudyGroup, today: date, period: Period) -> tuple[date, datetime]:
    """The first day the period counts, and the instant it starts, in the group's zone."""
    if period is Period.WEEK:
        return week_start_instant(group, today)
    first = today.replace(day=1) if period is Period.MONTH else BEGINNING
    return first, local_instant(first, time(0, 0), group.zone)
