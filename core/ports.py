"""What the use cases need from the outside world, as Protocols the storage implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self
from zoneinfo import ZoneInfo

from core.kernel.reply import Reply
from core.kernel.schedule import DEFAULT_EVENING_TIME, DEFAULT_QUIZ_DAYS, QuietHours, Slot
from core.learning.activity import DayBitmap
from core.learning.pace import Pace
from core.learning.tracks import Track

if TYPE_CHECKING:
    from core.groups.model import ChatContext, ChatRef, GroupStore


@dataclass(frozen=True)
class LearnerRef:
    """Who is talking: a platform and that platform's id for the person."""

    platform: str
    external_id: str
    display_name: str = ""


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


@dataclass(frozen=True)
class CompletionRecord:
    id: int
    week_id: str
    item_id: str
    done_on: date
    completes_week: bool
    done_at: datetime


@dataclass(frozen=True)
class NewCompletion:
    week_id: str
    item_id: str
    done_on: date
    done_at: datetime
    completes_week: bool


@dataclass(frozen=True)
class MergedEnrollment:
    """Two enrollments on one track made one: `enrollment` stays, `absorbed_id` goes."""

    enrollment: Enrollment
    absorbed_id: int
    completions: tuple[NewCompletion, ...]  # replace both sides' ticks
    added: int  # items done only on the absorbed side


@dataclass(frozen=True)
class LinkCode:
    """A live link code: the learner it joins others to, and the identity that asked."""

    learner_id: int
    issued_by: LearnerRef
    expires_at: datetime


@dataclass(frozen=True)
class ProgressFigures:
    items_done: int
    weeks_completed: dict[str, date]  # week id -> completed on
    hours_total: float
    hours_in_range: float


@dataclass(frozen=True)
class QuizRecord:
    id: int
    learner_id: int
    kind: str  # "quiz" or "self_check"
    question_id: str  # the review subject
    correct_option: int
    answered: bool


@dataclass(frozen=True)
class QuizFigures:
    answered: int
    correct: int
    due: int
    # subject -> (answers, right answers), for the weakest topics
    by_subject: dict[str, tuple[int, int]]


@dataclass(frozen=True)
class TrackRef:
    id: str
    title: str


@dataclass(frozen=True)
class DueSlot:
    """An enrollment whose morning or evening moment has come, with what scheduling needs."""

    enrollment_id: int
    learner_id: int
    timezone: str
    nudge_time: time
    evening_time: time
    study_days: frozenset[int]
    quiz_days: frozenset[int]
    due_at: datetime
    next_evening_at: datetime | None
    reachable: bool

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class NewOutboxItem:
    learner_id: int
    kind: str
    local_date: date
    due_at: datetime


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row: one message owed to a learner, or to a study group."""

    id: int
    learner_id: int | None
    kind: str
    local_date: date
    due_at: datetime
    attempts: int  # including the current one
    group_id: int | None = None


@dataclass(frozen=True)
class Identity:
    who: LearnerRef
    reachable: bool


class CoachStore(Protocol):
    async def load(self, platform: str, external_id: str) -> Snapshot | None: ...

    async def create_learner(
        self, who: LearnerRef, enrollment: NewEnrollment | None
    ) -> Snapshot: ...

    async def claim_update(self, key: str) -> bool:
        """Records a platform update as handled; False if it already was."""
        ...

    async def set_reachable(self, platform: str, external_id: str, *, reachable: bool) -> None: ...

    async def review_due(self, learner_id: int) -> dict[str, datetime]:
        """Every subject this learner has a review card for, and when it is due."""
        ...

    async def review_card(self, learner_id: int, subject: str) -> str | None: ...

    async def save_review(
        self, learner_id: int, subject: str, *, card: str, due: datetime, lapsed: bool
    ) -> None: ...

    async def quiz_figures(self, learner_id: int, *, now: datetime) -> QuizFigures: ...

    async def add_quiz(
        self,
        learner_id: int,
        *,
        kind: str,
        question_id: str,
        option_order: str,
        correct_option: int,
        at: datetime,
    ) -> int: ...

    async def set_quiz_ref(self, quiz_id: int, *, platform: str, poll_ref: str) -> None: ...

    async def find_quiz(self, platform: str, poll_ref: str) -> QuizRecord | None: ...

    async def answer_quiz(self, quiz_id: int, *, chosen: int, correct: bool, at: datetime) -> bool:
        """Records the first answer; False if the quiz was answered already."""
        ...

    async def save_track(self, track: Track, *, owner_learner_id: int | None, source: str) -> bool:
        """Stores an imported track; False if that exact track was stored before."""
        ...

    async def load_track(self, track_id: str) -> Track | None: ...

    async def visible_tracks(self, learner_id: int | None) -> list[TrackRef]:
        """Imported tracks a learner may choose: shared ones and their own."""
        ...

    async def create_enrollment(self, learner_id: int, enrollment: NewEnrollment) -> Enrollment: ...

    async def find_enrollment(self, learner_id: int, track_id: str) -> Enrollment | None: ...

    async def activate(self, learner_id: int, enrollment_id: int) -> None: ...

    async def save_enrollment(self, enrollment: Enrollment) -> None: ...

    async def add_completion(
        self,
        enrollment_id: int,
        *,
        week_id: str,
        item_id: str,
        done_on: date,
        done_at: datetime,
        completes_week: bool,
    ) -> None:
        """Raises AlreadyDone if the item was recorded meanwhile."""
        ...

    async def last_completion(self, enrollment_id: int) -> CompletionRecord | None: ...

    async def delete_completion(self, completion_id: int) -> None: ...

    async def any_completion_on(self, enrollment_id: int, day: date) -> bool: ...

    async def week_completed_on(self, enrollment_id: int, week_id: str) -> date | None: ...

    async def week_done(self, enrollment_id: int, week_id: str) -> dict[str, date]: ...

    async def add_hours(
        self, learner_id: int, enrollment_id: int, *, on: date, hours: float, at: datetime
    ) -> None: ...

    async def hours_on(self, learner_id: int, day: date) -> float: ...

    async def add_note(
        self,
        learner_id: int,
        enrollment_id: int,
        *,
        week_id: str,
        on: date,
        text: str,
        at: datetime,
    ) -> None: ...

    async def week_notes(self, enrollment_id: int, week_id: str) -> list[str]: ...

    async def progress(
        self, enrollment_id: int, *, hours_from: date, hours_to: date
    ) -> ProgressFigures: ...

    async def export(self, learner_id: int) -> dict[str, Any]: ...

    # -- linking identities --------------------------------------------------

    async def issue_link_code(
        self, who: LearnerRef, *, code_hash: str, at: datetime, expires_at: datetime
    ) -> None:
        """Stores a code for this identity's learner, replacing any code they had."""
        ...

    async def find_link_code(self, code_hash: str, *, now: datetime) -> LinkCode | None:
        """The code if it is stored and has not expired."""
        ...

    async def use_link_code(self, code_hash: str, *, now: datetime) -> bool:
        """Deletes a live code; False if it is gone or expired (another redeemed it first)."""
        ...

    async def link_failures(self, who: LearnerRef, *, since: datetime) -> list[datetime]:
        """When this identity typed a wrong code, since `since`."""
        ...

    async def add_link_failure(
        self, who: LearnerRef, *, at: datetime, forget_before: datetime
    ) -> None:
        """Records a wrong code; failures older than `forget_before` (anyone's) go."""
        ...

    async def add_identity(self, learner_id: int, who: LearnerRef) -> None: ...

    async def enrollments(self, learner_id: int) -> list[Enrollment]: ...

    async def completions(self, enrollment_id: int) -> list[CompletionRecord]: ...

    async def absorb_learner(
        self, survivor_id: int, absorbed_id: int, merged: list[MergedEnrollment]
    ) -> None:
        """Moves everything the absorbed learner has to the survivor, then deletes them.

        `merged` covers the tracks both were on; the absorbed side's other enrollments
        move over inactive. Pending outbox rows of the absorbed learner are dropped, so
        nobody is nudged twice.
        """
        ...

    async def forget(self, learner_id: int) -> None: ...

    # -- outreach: the scheduler's side --------------------------------------

    async def due_slots(self, slot: Slot, now: datetime, limit: int) -> list[DueSlot]:
        """Enrollments whose `slot` instant is at or before `now`, oldest first.

        Where several workers share the database, rows another worker holds are skipped.
        """
        ...

    async def reschedule(self, slot: Slot, next_at: dict[int, datetime | None]) -> None:
        """Sets the next `slot` instant of each enrollment id given."""
        ...

    async def enqueue(self, items: list[NewOutboxItem], *, available_at: datetime) -> int:
        """Adds outbox rows; one already there for a learner, kind and day is kept. Returns
        how many were new."""
        ...

    async def claim_outbox(
        self, now: datetime, *, lease_until: datetime, worker: str, limit: int
    ) -> list[OutboxItem]: ...

    async def finish_outbox(
        self,
        item_id: int,
        *,
        status: str,
        at: datetime,
        outcome: str,
        to: LearnerRef | ChatRef | None,
    ) -> None: ...

    async def retry_outbox(
        self, item_id: int, *, at: datetime, outcome: str, count_attempt: bool
    ) -> None: ...

    async def learner_snapshot(self, learner_id: int) -> Snapshot | None: ...

    async def identities(self, learner_id: int) -> list[Identity]:
        """Oldest first."""
        ...

    async def prune(self, *, updates_before: datetime, outbox_before: datetime, limit: int) -> int:
        """Deletes old dedupe keys and finished outbox rows; returns how many went."""
        ...


class UnitOfWork(Protocol):
    """One use case's transaction: commit explicitly, anything else rolls back."""

    @property
    def store(self) -> CoachStore: ...

    @property
    def groups(self) -> GroupStore: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class Messenger(Protocol):
    """How the coach writes first on one platform: nudges, digests, scheduled quizzes."""

    platform: str

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        """Raises Unreachable, RetryLater, TemporaryFailure or PermanentFailure."""
        ...

    async def post(self, chat: ChatRef, reply: Reply) -> None:
        """Writes to a study group's chat; Unreachable means the chat is gone for the bot."""
        ...


class SendGate(Protocol):
    """Paces a platform's outgoing requests within its flood limits."""

    async def wait(self, chat: str, *, group: bool = False) -> None:
        """Returns when one more request to `chat` stays within every limit."""
        ...

    def hold(self, seconds: float, chat: str | None = None) -> None:
        """The platform asked for a pause: for one chat, or for every chat when None."""
        ...


class CoachPort(Protocol):
    """What adapters call: the core's use cases as a platform sees them."""

    async def handle(
        self,
        who: LearnerRef,
        text: str,
        *,
        update_key: str | None = None,
        chat: ChatContext | None = None,
    ) -> Reply:
        """A command typed by a learner; `chat` says which group chat, if not a private one."""
        ...

    async def group_gone(self, chat: ChatRef) -> None:
        """The bot was removed from a group chat, or the channel deleted."""
        ...

    async def groups_gone(self, platform: str, parent: str) -> None:
        """The bot left a Discord server: every group in it is gone."""
        ...

    async def group_quiz_posted(
        self, quiz_id: int, platform: str, poll_ref: str, message_ref: str
    ) -> None: ...

    async def press(
        self,
        who: LearnerRef,
        action: str,
        *,
        update_key: str | None = None,
        chat: ChatContext | None = None,
    ) -> Reply: ...

    async def import_roadmap(self, who: LearnerRef, filename: str, data: bytes) -> Reply: ...

    async def mark_unreachable(self, who: LearnerRef) -> None: ...

    async def quiz_sent(self, quiz_id: int, platform: str, poll_ref: str) -> None: ...

    async def quiz_answered(
        self,
        who: LearnerRef,
        platform: str,
        poll_ref: str,
        option_ids: list[int],
        *,
        update_key: str | None = None,
    ) -> Reply: ...
