"""Study groups as the core sees them: the chat, its members and what they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.kernel.refs import ChatRef, LearnerRef
from core.learning.model import Enrollment


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
    language: str = "en"  # what the group's posts are in (`/group language`)

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
    language: str = "en"


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
    # Item id -> local date, on their current track week, as their own Snapshot has it:
    # their streak needs it to know a finished track.
    week_done: dict[str, date]


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
class QuizResult:
    """A closed group quiz: the day it was asked, its question and how it went."""

    local_date: date
    question_id: str
    tally: QuizTally


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    group_id: int
    number: int
    learner_id: int
    author: str  # the member's name in the group; "" for one who left it
    week_id: str
    text: str
    submitted_at: datetime


@dataclass(frozen=True)
class ReviewRecord:
    reviewer: str  # the reviewer's name in the group; "" for one who left it
    comment: str
    reviewed_at: datetime


@dataclass(frozen=True)
class ReviewedSubmission:
    submission: SubmissionRecord
    reviews: tuple[ReviewRecord, ...]  # the earliest first


@dataclass(frozen=True)
class GroupWeekFigures:
    submissions: int
    reviews: int
    quizzes: int
    quiz_answers: int
    quiz_right: int
