"""Spreading a track week's items over the learner's study days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from core.kernel.schedule import is_study_day
from core.learning.pace import Pace
from core.learning.tracks import Item, Week

# English only: replies name days with i18n.weekday, in the language spoken.
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class PlannedItem:
    number: int  # 1-based position in the week, as `/done 3` names it
    item: Item
    due_on: date
    done_on: date | None

    @property
    def done(self) -> bool:
        return self.done_on is not None


@dataclass(frozen=True)
class DayView:
    today: date
    is_study_day: bool
    due_today: tuple[PlannedItem, ...]
    overdue: tuple[PlannedItem, ...]
    ahead: tuple[PlannedItem, ...]  # not due yet; where `/done` goes when today is clear


@dataclass(frozen=True)
class WeekPlan:
    week: Week
    opened_on: date
    study_dates: tuple[date, ...]
    items: tuple[PlannedItem, ...]

    @property
    def done_count(self) -> int:
        return sum(1 for p in self.items if p.done)

    @property
    def is_complete(self) -> bool:
        return self.done_count == len(self.items)

    @property
    def ends_on(self) -> date:
        """The week's last planned day: its last study date, or later for an item moved
        there to catch up."""
        return max(
            self.study_dates[-1], max((p.due_on for p in self.items), default=self.study_dates[-1])
        )

    def open_items(self) -> tuple[PlannedItem, ...]:
        return tuple(p for p in self.items if not p.done)

    def by_number(self, number: int) -> PlannedItem | None:
        return self.items[number - 1] if 1 <= number <= len(self.items) else None

    def by_item_id(self, item_id: str) -> PlannedItem | None:
        return next((p for p in self.items if p.item.id == item_id), None)

    def day(self, today: date, study_days: frozenset[int]) -> DayView:
        open_items = self.open_items()
        return DayView(
            today=today,
            is_study_day=is_study_day(today, study_days),
            due_today=tuple(p for p in self.items if p.due_on == today),
            overdue=tuple(p for p in open_items if p.due_on < today),
            ahead=tuple(p for p in open_items if p.due_on > today),
        )

    def next_open(self) -> PlannedItem | None:
        """The item a bare `/done` ticks: the earliest open one, so overdue work goes first."""
        open_items = self.open_items()
        return open_items[0] if open_items else None


def study_dates(opened_on: date, study_days: frozenset[int], count: int) -> tuple[date, ...]:
    if not study_days:
        raise ValueError("at least one study day is needed")
    dates: list[date] = []
    day = opened_on
    while len(dates) < count:
        if is_study_day(day, study_days):
            dates.append(day)
        day += timedelta(days=1)
    return tuple(dates)


def plan_week(
    week: Week,
    *,
    opened_on: date,
    pace: Pace,
    study_days: frozenset[int],
    done_on: dict[str, date],
    moved: Mapping[str, date] | None = None,
) -> WeekPlan:
    dates = study_dates(opened_on, study_days, pace.study_days_per_track_week(len(study_days)))
    return plan_over(week, opened_on=opened_on, dates=dates, done_on=done_on, moved=moved)


def plan_over(
    week: Week,
    *,
    opened_on: date,
    dates: tuple[date, ...],
    done_on: dict[str, date],
    moved: Mapping[str, date] | None = None,
) -> WeekPlan:
    """A week's items spread over the given study dates, in rhythm order; `moved` gives
    some of them another day (a catch-up plan)."""
    total = len(week.items)
    moved = moved or {}
    planned = tuple(
        PlannedItem(
            number=index + 1,
            item=item,
            due_on=moved.get(item.id) or dates[_day_index(index, total, len(dates))],
            done_on=done_on.get(item.id),
        )
        for index, item in enumerate(week.items)
    )
    return WeekPlan(week=week, opened_on=opened_on, study_dates=dates, items=planned)


def _day_index(index: int, items: int, days: int) -> int:
    """Which of the week's study days item `index` falls on, in rhythm order.

    More items than days: contiguous runs, floor(i*k/n). Fewer: spread from the first
    day to the last, so the review item always closes the week.
    """
    if items >= days:
        return index * days // items
    if items == 1:
        return days - 1
    return round(index * (days - 1) / (items - 1))
