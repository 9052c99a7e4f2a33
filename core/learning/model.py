"""What a learner is on a track, as the learning use cases and the storage exchange it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.kernel.schedule import DEFAULT_EVENING_TIME, DEFAULT_QUIZ_DAYS, QuietHours
from core.learning.activity import DayBitmap
from core.learning.pace import Pace
from core.learning.plan import PlannedItem


@dataclass
class Enrollment:
    id: int
    learner_id: int
    track_id: str
    started_on: date
    pace: Pace
    timezone: str
    study_days: frozenset[int]
    nudge_time: time
    paused_since: date | None
    current_week_id: str
    week_opened_on: date
    active_days: DayBitmap
    paused_days: DayBitmap
    next_nudge_at: datetime | None
    evening_time: time = DEFAULT_EVENING_TIME
    next_evening_at: datetime | None = None
    quiz_days: frozenset[int] = DEFAULT_QUIZ_DAYS
    quiet_hours: QuietHours | None = None
    # The option picked in each of the track's "choose one" blocks: option id by choice id.
    picks: dict[str, str] = field(default_factory=dict)
    # Open items of the current week given later days to catch up on: item id -> due date.
    moved: dict[str, date] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class NewEnrollment:
    track_id: str
    started_on: date
    pace: Pace
    timezone: str
    study_days: frozenset[int]
    nudge_time: time
    current_week_id: str
    next_nudge_at: datetime | None
    evening_time: time = DEFAULT_EVENING_TIME
    next_evening_at: datetime | None = None
    quiz_days: frozenset[int] = DEFAULT_QUIZ_DAYS
    quiet_hours: QuietHours | None = None


@dataclass
class Snapshot:
    """Everything a command usually needs, fetched in one round trip."""

    learner_id: int
    enrollment: Enrollment | None
    # item id -> local date done, for the current week only
    week_done: dict[str, date] = field(default_factory=dict)
    reachable: bool = True  # False once the platform refused a delivery (blocked bot)
    language: str | None = None  # chosen or first seen; None: their app's, as told


@dataclass(frozen=True)
class CompletionRecord:
    id: int
    week_id: str
    item_id: str
    done_on: date
    completes_week: bool
    done_at: datetime
    skipped: bool = False  # an optional item passed over: settled, not studied


@dataclass(frozen=True)
class NewCompletion:
    week_id: str
    item_id: str
    done_on: date
    done_at: datetime
    completes_week: bool


@dataclass(frozen=True)
class ProgressFigures:
    items_done: int
    weeks_completed: dict[str, date]  # week id -> completed on
    hours_total: float
    hours_in_range: float


@dataclass(frozen=True)
class TrackRef:
    id: str
    title: str


@dataclass(frozen=True)
class OwnTrack:
    """A roadmap a learner imported for themselves."""

    id: str
    title: str
    created_at: datetime
    followed: bool  # an enrollment or a study group is on it


@dataclass(frozen=True)
class Forecast:
    items_left: int
    hours_left: float
    planned_finish: date
    recent_days: int  # the days the kept pace is read over
    recent_items: int
    recent_hours: float
    projected_finish: date | None  # None: nothing ticked lately to project from

    @property
    def days_behind(self) -> int:
        """Days the kept pace finishes after the plan (negative: ahead)."""
        if self.projected_finish is None:
            return 0
        return (self.projected_finish - self.planned_finish).days


@dataclass(frozen=True)
class Replanning:
    """A learner behind their plan, and where each way on leads."""

    overdue: tuple[PlannedItem, ...]  # open items due before today, earliest first
    study_days_behind: int  # since the earliest of them was due
    planned_finish: date  # the track's end as the plan stands
    stretched_by: int  # days the week (and every week after it) moves on a stretch
    stretched_finish: date
    catch_up: tuple[tuple[date, tuple[PlannedItem, ...]], ...]  # the late items, by new day
    catch_up_finish: date
    optional: tuple[PlannedItem, ...]  # the week's open optional items, which may be skipped
