"""When a group's posts fall: the daily digest on study days, the weekly report on the last
one, the monthly report on the month's last day, and where its week and month start, all
in the group's own time zone."""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

from core.groups.model import StudyGroup
from core.groups.standings import last_study_day, monday_of
from core.kernel.schedule import local_instant, next_nudge_at


def next_week_report_at(group: StudyGroup, now: datetime) -> datetime:
    """The weekly report: the group's last study day of the week, at its report time."""
    last_day = frozenset({last_study_day(group.study_days)})
    return next_nudge_at(now, zone=group.zone, at=group.report_time, study_days=last_day)


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def is_month_end(day: date) -> bool:
    return day == month_end(day)


def next_month_report_at(group: StudyGroup, now: datetime) -> datetime:
    """The monthly report: the month's last day at the report time, study day or not, since
    a month ends on whatever weekday it ends."""
    end = month_end(now.astimezone(group.zone).date())
    at = local_instant(end, group.report_time, group.zone)
    if at > now:
        return at
    end = month_end(end + timedelta(days=1))
    return local_instant(end, group.report_time, group.zone)


def next_report_at(group: StudyGroup, now: datetime) -> datetime:
    """The group's evening slot: its weekly or its monthly report, whichever comes first.
    Both are at the report time, so a day that ends a week and a month owes both at once."""
    return min(next_week_report_at(group, now), next_month_report_at(group, now))


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
