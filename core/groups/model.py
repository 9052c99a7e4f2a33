"""Study groups as the core sees them: the chat, its members and what they share, and the
storage a group's use cases need."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from core.ports import Enrollment, LearnerRef

# Who may run `/group setup` and change a group is the platform's call (Telegram chat
# administrators, Discord Manage Server / Manage Channels); adapters answer it lazily,
# because asking Telegram costs a request and most group commands do not need to know.
AdminCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class ChatRef:
    """A group chat or channel on one platform."""

    platform: str
    external_id: str
    title: str = ""
    parent: str | None = None  # the Discord server a channel belongs to


@dataclass(frozen=True)
class ChatContext:
    """Where a command was sent, when that was a group chat rather than a private one."""

    chat: ChatRef
    is_admin: AdminCheck


@dataclass(frozen=True)
class Sharing:
    """What a member lets the group see; their own progress is theirs otherwise."""

    done: bool = True
    streak: bool = True
    quiz: bool = True
    mentions: bool = False  # named in the digest when they fall behind


@dataclass
class StudyGroup:
    id: int
    chat: ChatRef
    track_id: str
    timezone: str
    digest_time: time
    report_time: time
    study_days: frozenset[int]
    quiz_days: frozenset[int]
    started_on: date
    active: bool
    next_digest_at: datetime | None
    next_report_at: datetime | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class NewStudyGroup:
    chat: ChatRef
    track_id: str
    timezone: str
    digest_time: time
    report_time: time
    study_days: frozenset[int]
    quiz_days: frozenset[int]
    started_on: date
    next_digest_at: datetime | None
    next_report_at: datetime | None


@dataclass(frozen=True)
class Membership:
    group_id: int
    learner_id: int
    who: LearnerRef  # the member's identity on the group's platform
    joined_at: datetime
    sharing: Sharing


@dataclass(frozen=True)
class Tick:
    """One item a member ticked off, on their own local date."""

    done_on: date
    week_id: str
    item_id: str


@dataclass(frozen=True)
class MemberActivity:
    """A member's side of the group's week, read in one pass for digests and standings."""

    membership: Membership
    enrollment: Enrollment | None  # on the group's track; None if they never started it
    ticks: tuple[Tick, ...]  # since the day asked for
    quiz_right: int  # right answers since that day, group quizzes and their own
    quiz_answered: int


@dataclass(frozen=True)
class GroupQuizRecord:
    id: int
    group_id: int
    question_id: str
    option_order: str  # "2,0,1,3": shown position -> bank index
    correct_option: int
    local_date: date
    message_ref: str | None
    closed: bool


@dataclass(frozen=True)
class QuizTally:
    answered: int
    right: int


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    group_id: int
    number: int
    learner_id: int
    author: str  # the member's name in the group
    week_id: str
    text: str
    submitted_at: datetime


@dataclass(frozen=True)
class GroupWeekFigures:
    submissions: int
    reviews: int
    quizzes: int
    quiz_answers: int
    quiz_right: int


@dataclass(frozen=True)
class DueGroup:
    group: StudyGroup
    due_at: datetime


@dataclass(frozen=True)
class NewGroupOutboxItem:
    group_id: int
    kind: str
    local_date: date
    due_at: datetime
    available_at: datetime


class GroupStore(Protocol):
    async def find_group(self, platform: str, external_id: str) -> StudyGroup | None: ...

    async def group(self, group_id: int) -> StudyGroup | None: ...

    async def create_group(self, group: NewStudyGroup) -> StudyGroup: ...

    async def save_group(self, group: StudyGroup) -> None: ...

    async def deactivate_group(self, group_id: int) -> int:
        """Stops a group's schedule and drops its pending outbox rows; returns how many."""
        ...

    async def groups_in(self, platform: str, parent: str) -> list[StudyGroup]: ...

    async def membership(self, group_id: int, learner_id: int) -> Membership | None: ...

    async def add_member(self, membership: Membership) -> None: ...

    async def save_member(self, membership: Membership) -> None: ...

    async def remove_member(self, group_id: int, learner_id: int) -> bool: ...

    async def member_count(self, group_id: int) -> int: ...

    async def member_activity(
        self, group: StudyGroup, *, since: date, since_at: datetime
    ) -> list[MemberActivity]:
        """Every member with their enrollment on the group's track, the items they ticked
        from `since` (their local dates) and their quiz answers from `since_at`."""
        ...

    async def due_groups(self, slot: str, now: datetime, limit: int) -> list[DueGroup]:
        """Active groups whose `slot` ("digest" or "report") instant has come."""
        ...

    async def reschedule_groups(self, slot: str, next_at: dict[int, datetime | None]) -> None: ...

    async def enqueue_for_groups(self, items: list[NewGroupOutboxItem]) -> int: ...

    async def add_group_quiz(
        self,
        group_id: int,
        *,
        question_id: str,
        option_order: str,
        correct_option: int,
        local_date: date,
        at: datetime,
    ) -> int | None:
        """None if the group already has a quiz for that day."""
        ...

    async def group_quiz_on(self, group_id: int, local_date: date) -> GroupQuizRecord | None: ...

    async def asked_in_group(self, group_id: int) -> set[str]: ...

    async def set_group_quiz_ref(
        self, quiz_id: int, *, platform: str, poll_ref: str, message_ref: str
    ) -> None: ...

    async def find_group_quiz(self, platform: str, poll_ref: str) -> GroupQuizRecord | None: ...

    async def answer_group_quiz(
        self,
        quiz_id: int,
        who: LearnerRef,
        learner_id: int | None,
        *,
        chosen: int,
        correct: bool,
        at: datetime,
    ) -> bool:
        """Records someone's first answer; False if they had answered already."""
        ...

    async def close_group_quiz(self, quiz_id: int, *, at: datetime) -> QuizTally: ...

    async def add_submission(
        self, group_id: int, learner_id: int, *, week_id: str, text: str, at: datetime
    ) -> int:
        """Stores a submission and returns its number within the group."""
        ...

    async def find_submission(self, group_id: int, number: int) -> SubmissionRecord | None: ...

    async def review_submission(
        self, submission_id: int, reviewer_id: int, *, comment: str, at: datetime
    ) -> bool:
        """Records a review; False when it replaced the reviewer's earlier comment."""
        ...

    async def group_week_figures(
        self, group_id: int, *, since_at: datetime
    ) -> GroupWeekFigures: ...
