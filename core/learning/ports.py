"""The storage the learning use cases need, one repository per aggregate."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from core.kernel.ports import UnitOfWork
from core.kernel.refs import Identity, LearnerRef
from core.learning.model import (
    CompletionRecord,
    Enrollment,
    NewEnrollment,
    OwnTrack,
    ProgressFigures,
    Snapshot,
    TrackRef,
)
from core.learning.tracks import Track


class Learners(Protocol):
    async def load(self, who: LearnerRef, *, lock: bool = False) -> Snapshot | None:
        """The learner behind an identity, their active enrollment and this week's ticks;
        `reachable` is that identity's.

        With `lock`, the learner is first locked until the unit of work ends, so a
        command that changes their state waits for any other such command, from any
        worker, and then reads what that one committed.
        """
        ...

    async def load_by_id(self, learner_id: int, *, lock: bool = False) -> Snapshot | None:
        """The same by learner; `reachable` is whether any of their identities is."""
        ...

    async def create(
        self, who: LearnerRef, enrollment: NewEnrollment | None, *, at: datetime
    ) -> Snapshot: ...

    async def set_reachable(self, who: LearnerRef, *, reachable: bool) -> None: ...

    async def set_language(self, learner_id: int, language: str) -> None:
        """The language the coach speaks to the learner from now on (one of i18n's)."""
        ...

    async def identities(self, learner_id: int) -> list[Identity]:
        """Oldest first."""
        ...

    async def add_identity(self, learner_id: int, who: LearnerRef, *, at: datetime) -> None: ...


class Enrollments(Protocol):
    async def create(
        self, learner_id: int, enrollment: NewEnrollment, *, at: datetime
    ) -> Enrollment:
        """A new, inactive enrollment; `activate` makes it the learner's."""
        ...

    async def find(self, learner_id: int, track_id: str) -> Enrollment | None: ...

    async def of_learner(self, learner_id: int) -> list[Enrollment]: ...

    async def activate(self, learner_id: int, enrollment_id: int) -> None:
        """Makes this enrollment the learner's active one, and no other."""
        ...

    async def save(self, enrollment: Enrollment) -> None: ...


class Ticks(Protocol):
    """Items done: one row per item of an enrollment."""

    async def add(
        self,
        enrollment_id: int,
        *,
        week_id: str,
        item_id: str,
        done_on: date,
        done_at: datetime,
        completes_week: bool,
        skipped: bool = False,
    ) -> None:
        """Raises AlreadyDone if the item was recorded meanwhile."""
        ...

    async def last(self, enrollment_id: int) -> CompletionRecord | None: ...

    async def of_item(self, enrollment_id: int, item_id: str) -> CompletionRecord | None:
        """The item's tick, if it has one (an item is ticked at most once)."""
        ...

    async def delete(self, completion_id: int) -> None: ...

    async def any_on(self, enrollment_id: int, day: date) -> bool: ...

    async def week_completed_on(self, enrollment_id: int, week_id: str) -> date | None: ...

    async def week_done(self, enrollment_id: int, week_id: str) -> dict[str, date]: ...

    async def of_enrollment(self, enrollment_id: int) -> list[CompletionRecord]: ...

    async def progress(
        self, enrollment_id: int, *, hours_from: date, hours_to: date
    ) -> ProgressFigures: ...


class Journal(Protocol):
    """Hours logged and reflection notes."""

    async def add_hours(
        self, learner_id: int, enrollment_id: int, *, on: date, hours: float, at: datetime
    ) -> None: ...

    async def hours_on(self, learner_id: int, day: date) -> float: ...

    async def hours_by_day(self, enrollment_id: int, *, since: date) -> dict[date, float]:
        """Hours logged on each local day from `since` on (days with none left out)."""
        ...

    async def add_note(
        self,
        learner_id: int,
        enrollment_id: int,
        *,
        week_id: str,
        on: date,
        text: str,
        at: datetime,
        item_id: str | None = None,
    ) -> None: ...

    async def week_notes(self, enrollment_id: int, week_id: str) -> list[str]:
        """The week's reflection notes, oldest first: the notes on no one item."""
        ...

    async def item_notes(self, enrollment_id: int, week_id: str) -> dict[str, str]:
        """The latest note on each item of the week that has one, by item id."""
        ...

    async def all_item_notes(self, enrollment_id: int) -> dict[str, str]:
        """The latest note on each item of the whole track that has one, by item id (item
        ids are unique across a track)."""
        ...


class Tracks(Protocol):
    """Imported tracks; the built-in ones come from the catalogue, not from here."""

    async def save(
        self, track: Track, *, owner_learner_id: int | None, source: str, at: datetime
    ) -> bool:
        """Stores an imported track; False if that exact track was stored before."""
        ...

    async def load(self, track_id: str) -> Track | None: ...

    async def visible(self, learner_id: int | None) -> list[TrackRef]:
        """Imported tracks a learner may choose: shared ones and their own."""
        ...

    async def owned(self, learner_id: int) -> list[OwnTrack]:
        """The tracks a learner imported for themselves, the oldest first."""
        ...

    async def rename(self, track_id: str, title: str) -> None: ...

    async def delete(self, track_id: str) -> None:
        """Forgets a track nobody follows."""
        ...


@dataclass(frozen=True)
class NewFocusSession:
    learner_id: int
    enrollment_id: int
    week_id: str
    item_id: str | None  # None: no open item to name
    started_at: datetime
    ends_at: datetime
    ends_on: date  # the learner's local date at its end, which its check-in is filed under


@dataclass(frozen=True)
class FocusSession:
    """A timed study session. It runs until `stopped_at` is set: by `/focus stop`, by the
    next `/focus` once its time is up, or by its check-in, which stops it at `ends_at`
    exactly. The time studied runs from its start to its stop or its end, the earlier."""

    id: int
    learner_id: int
    enrollment_id: int
    week_id: str
    item_id: str | None
    started_at: datetime
    ends_at: datetime
    stopped_at: datetime | None

    @property
    def minutes(self) -> int:
        """The length asked for."""
        return round((self.ends_at - self.started_at).total_seconds() / 60)

    def running_at(self, now: datetime) -> bool:
        return self.stopped_at is None and now < self.ends_at


class FocusSessions(Protocol):
    """Focus sessions; a learner has at most one that is not stopped."""

    async def start(self, session: NewFocusSession) -> FocusSession | None:
        """The session, begun, with its check-in owed in the outbox for its end; None if
        the learner has one not stopped. A start in another open unit of work is waited
        for, so of two at once exactly one begins."""
        ...

    async def get(self, session_id: int) -> FocusSession | None: ...

    async def running(self, learner_id: int) -> FocusSession | None:
        """The learner's session that is not stopped, if any; its time may be up."""
        ...

    async def latest(self, learner_id: int) -> FocusSession | None:
        """The learner's session begun last, stopped or not."""
        ...

    async def stop(self, session_id: int, *, at: datetime) -> bool:
        """Marks the session stopped at `at`; False if it was stopped already (by another
        unit of work meanwhile, say), so its time is counted once."""
        ...

    async def running_among(
        self, learner_ids: Collection[int], *, now: datetime
    ) -> list[FocusSession]:
        """The sessions of these learners running at `now` (not stopped, time not up),
        the soonest to end first."""
        ...


class LearningUnitOfWork(UnitOfWork, Protocol):
    @property
    def learners(self) -> Learners: ...

    @property
    def enrollments(self) -> Enrollments: ...

    @property
    def ticks(self) -> Ticks: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def tracks(self) -> Tracks: ...

    @property
    def focus_sessions(self) -> FocusSessions: ...
