"""A study group's week and its standings: pure rules, the same on every platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.groups.model import MemberActivity, Membership, StudyGroup
from core.kernel.i18n import messages
from core.kernel.schedule import is_study_day
from core.learning.context import learner_streak, learner_streak_record
from core.learning.model import ProgressFigures
from core.learning.pace import Pace
from core.learning.plan import WeekPlan, plan_over, plan_week
from core.learning.tracks import Track, Week
from core.progress.charts import MemberWeek

_, n_ = messages("groups")

# A group keeps one calendar week per track week, whatever its members' own paces.
GROUP_PACE = Pace.STANDARD


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def group_week(track: Track, started_on: date, today: date) -> Week:
    """The track week the group is on: week 1 in the calendar week it was set up, then one
    a week, staying on the last week once the track is through."""
    index = (monday_of(today) - monday_of(started_on)).days // 7
    return track.weeks[max(0, min(index, len(track.weeks) - 1))]


def group_plan(track: Track, group: StudyGroup, today: date) -> WeekPlan:
    """The group's week, within its calendar week: a group set up mid-week spreads week 1
    over the study days it has left (the setup day itself if none are)."""
    week = group_week(track, group.started_on, today)
    monday = monday_of(today)
    if group.started_on <= monday:
        return plan_week(
            week, opened_on=monday, pace=GROUP_PACE, study_days=group.study_days, done_on={}
        )
    opened = group.started_on
    left = tuple(
        day
        for day in (opened + timedelta(days=n) for n in range(7 - opened.weekday()))
        if is_study_day(day, group.study_days)
    )
    return plan_over(week, opened_on=opened, dates=left or (opened,), done_on={})


def name_of(membership: Membership) -> str:
    """A member's name as the group sees it; their platform may have given none."""
    return membership.who.display_name or _("a member")


def last_study_day(study_days: frozenset[int]) -> int:
    return max(study_days)


@dataclass(frozen=True)
class Standing:
    position: int  # equal figures share a position
    learner_id: int
    name: str
    done: int | None  # None: the member keeps it to themselves
    streak: int | None
    quiz: int | None


def member_done(member: MemberActivity, since: date, until: date) -> int:
    return sum(1 for tick in member.ticks if since <= tick.done_on <= until)


def member_streak(member: MemberActivity, track: Track, now: datetime) -> int:
    """The streak the member's own /progress shows at `now`: on their date, not the group's."""
    e = member.enrollment
    if e is None:
        return 0
    return learner_streak(track, e, member.week_done, now.astimezone(e.zone).date())


def standings(
    members: list[MemberActivity], *, track: Track, week_start: date, today: date, now: datetime
) -> list[Standing]:
    """This week's table: items done, then right quiz answers, then streak, highest first.

    What a member does not share is neither shown nor ranked: it sorts below any shared
    figure, zero included. Equal figures share a position; among them the member who
    joined first is listed first, then the lower id, so the order never flickers.
    """
    rows = []
    for member in members:
        sharing = member.membership.sharing
        rows.append(
            Standing(
                position=0,
                learner_id=member.membership.learner_id,
                name=name_of(member.membership),
                done=member_done(member, week_start, today) if sharing.done else None,
                streak=member_streak(member, track, now) if sharing.streak else None,
                quiz=member.quiz_right if sharing.quiz else None,
            )
        )
    joined = {m.membership.learner_id: m.membership.joined_at for m in members}

    def figures(row: Standing) -> tuple[int, int, int]:
        return (
            -1 if row.done is None else row.done,
            -1 if row.quiz is None else row.quiz,
            -1 if row.streak is None else row.streak,
        )

    rows.sort(
        key=lambda row: (tuple(-f for f in figures(row)), joined[row.learner_id], row.learner_id)
    )
    ranked: list[Standing] = []
    for index, row in enumerate(rows):
        same = ranked and figures(ranked[-1]) == figures(row)
        position = ranked[-1].position if same else index + 1
        ranked.append(Standing(position, row.learner_id, row.name, row.done, row.streak, row.quiz))
    return ranked


def finished_yesterday(
    members: list[MemberActivity], track: Track, yesterday: date
) -> list[tuple[str, list[str]]]:
    """Who ticked what yesterday, among members who share what they do."""
    titles = {item.id: item.title for week in track.weeks for item in week.items}
    finished = []
    for member in members:
        if not member.membership.sharing.done:
            continue
        done = [titles.get(t.item_id, t.item_id) for t in member.ticks if t.done_on == yesterday]
        if done:
            finished.append((name_of(member.membership), done))
    return finished


def kept_by_a_freeze(members: list[MemberActivity], track: Track, now: datetime) -> list[str]:
    """Members sharing their streak whose yesterday, on their own date, was a missed study
    day a freeze covered: the group sees it as frozen, not as missed."""
    names = []
    for member in members:
        e = member.enrollment
        if e is None or not member.membership.sharing.streak:
            continue
        today = now.astimezone(e.zone).date()
        record = learner_streak_record(track, e, member.week_done, today)
        if today - timedelta(days=1) in record.frozen:
            names.append(name_of(member.membership))
    return names


def behind(members: list[MemberActivity], track: Track, week: Week) -> list[MemberActivity]:
    """Members on an earlier track week than the group who asked to be named for it."""
    numbers = {w.id: w.number for w in track.weeks}
    return [
        member
        for member in members
        if member.membership.sharing.mentions
        and member.enrollment is not None
        and member.enrollment.paused_since is None
        and numbers.get(member.enrollment.current_week_id, week.number) < week.number
    ]


def week_members(
    members: list[MemberActivity], track: Track, *, week_start: date, today: date, now: datetime
) -> list[MemberWeek]:
    """The chart's rows: members who share what they do, with their streak if shared."""
    return [
        MemberWeek(
            name_of(member.membership),
            member_done(member, week_start, today),
            member_streak(member, track, now) if member.membership.sharing.streak else 0,
        )
        for member in members
        if member.membership.sharing.done
    ]


# -- the month ------------------------------------------------------------------

MONTH_TOP = 3


@dataclass(frozen=True)
class MonthSummary:
    """A group's month as its report tells it. Only what members share is counted or
    named: a total that took in a private member's work would give it away in a small
    group."""

    first_day: date
    members: int
    new_members: tuple[str, ...]  # joined this month, first come first
    first_month: bool  # the group was set up this month
    active: int  # members sharing what they do who ticked something off
    done: int
    hours: float
    weeks_completed: int
    top: tuple[Standing, ...]  # the month's leaders by its standings, who did something
    best_streak: int  # the longest shared streak, 0 if none
    best_streak_names: tuple[str, ...]

    @property
    def quiet(self) -> bool:
        return not (self.done or self.hours or self.weeks_completed)


def month_summary(
    members: list[MemberActivity],
    rows: list[Standing],
    progress: Mapping[int, ProgressFigures],
    *,
    started_on: date,
    first_day: date,
    today: date,
    since_at: datetime,
) -> MonthSummary:
    """The month from its first day to `today`: `rows` are its standings, `progress` each
    sharing member's figures on the group's track with hours from `first_day`."""
    sharing = [m for m in members if m.membership.sharing.done]
    done = [member_done(m, first_day, today) for m in sharing]
    figures = [
        progress[m.membership.learner_id] for m in sharing if m.membership.learner_id in progress
    ]
    best = max((row.streak or 0 for row in rows), default=0)
    return MonthSummary(
        first_day=first_day,
        members=len(members),
        new_members=tuple(
            name_of(m.membership) for m in members if m.membership.joined_at >= since_at
        ),
        first_month=started_on >= first_day,
        active=sum(1 for n in done if n),
        done=sum(done),
        hours=round(sum(f.hours_in_range for f in figures), 2),
        weeks_completed=sum(
            1 for f in figures for on in f.weeks_completed.values() if first_day <= on <= today
        ),
        top=tuple(row for row in rows if row.done)[:MONTH_TOP],
        best_streak=best,
        best_streak_names=tuple(row.name for row in rows if best and row.streak == best),
    )


def weeks_opening(track: Track, started_on: date, first_day: date, last_day: date) -> list[Week]:
    """The track weeks the group opens from `first_day` to `last_day`: one each Monday,
    none once the track is through."""
    monday = first_day + timedelta(days=-first_day.weekday() % 7)
    before = group_week(track, started_on, first_day - timedelta(days=1))
    weeks: list[Week] = []
    while monday <= last_day:
        week = group_week(track, started_on, monday)
        if week != (weeks[-1] if weeks else before):
            weeks.append(week)
        monday += timedelta(days=7)
    return weeks
