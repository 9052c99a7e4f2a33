"""The burn-up of a track for /plan: items planned and items done, added up day by day from
the start to the finish.

"Planned" is the plan as it stands now: each item done so far counts on the day it was done,
each open item on the day the plan has it due. Before today it runs above "done" by exactly
the items overdue; after today it climbs to the total on the planned finish. "Done" counts
each item on the day it was ticked. A skipped item is settled but not studied: it is in
neither line nor the total, so both lines end on the total when the track is finished.

Only plain values here: the drawing process unpickles a picture by importing this module,
so the learning types are for the type checker alone."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from core.kernel import i18n

if TYPE_CHECKING:
    from core.learning.model import CompletionRecord
    from core.learning.plan import WeekPlan
    from core.learning.tracks import Track

Steps = tuple[tuple[date, int], ...]  # (day, items counted by the end of it), days ascending


@dataclass(frozen=True)
class BurnUpPicture:
    title: str
    started_on: date
    today: date
    planned: Steps
    done: Steps
    planned_finish: date
    projected_finish: date | None = None  # at the pace kept; None: nothing to project from
    # The drawing process has no language of its own: the picture speaks the one spoken
    # when it was made, and so differs from the same picture in another.
    language: str = field(default_factory=i18n.language)

    @property
    def total(self) -> int:
        return self.planned[-1][1] if self.planned else 0

    @property
    def done_so_far(self) -> int:
        return self.done_by(self.today)

    @property
    def first_day(self) -> date:
        return min([self.started_on, *(day for day, _ in self.planned[:1] + self.done[:1])])

    @property
    def last_day(self) -> date:
        """The later finish; later still if a tick or a due day falls after both."""
        ends = [self.planned_finish, self.today, self.projected_finish or self.today]
        return max(ends + [day for day, _ in self.planned[-1:] + self.done[-1:]])

    def planned_by(self, day: date) -> int:
        return _count_by(self.planned, day)

    def done_by(self, day: date) -> int:
        return _count_by(self.done, day)


def burn_up(
    title: str,
    *,
    track: Track,
    plans: Iterable[WeekPlan],
    ticks: Sequence[CompletionRecord],
    started_on: date,
    today: date,
    planned_finish: date,
    projected_finish: date | None,
) -> BurnUpPicture:
    """The picture of a learner's track: `plans` are the current week's plan and the coming
    weeks' as the plan spreads them, `ticks` every completion of the enrollment."""
    in_track = {item.id for week in track.weeks for item in week.items}
    settled = {t.item_id for t in ticks}  # done or skipped: no longer open
    done_on = [t.done_on for t in ticks if not t.skipped and t.item_id in in_track]
    due_on = [
        p.due_on
        for plan in plans
        for p in plan.items
        if not p.done and p.item.id not in settled and p.item.id in in_track
    ]
    return BurnUpPicture(
        title=title,
        started_on=started_on,
        today=today,
        planned=cumulative([*done_on, *due_on]),
        done=cumulative(done_on),
        planned_finish=planned_finish,
        projected_finish=projected_finish,
    )


def cumulative(days: Sequence[date]) -> Steps:
    """One step per day with any items: the items on that day and every day before it."""
    steps, total = [], 0
    for day, count in sorted(Counter(days).items()):
        total += count
        steps.append((day, total))
    return tuple(steps)


def _count_by(steps: Steps, day: date) -> int:
    at = bisect.bisect_right(steps, day, key=lambda step: step[0])
    return steps[at - 1][1] if at else 0
