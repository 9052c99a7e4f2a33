"""The outbox's vocabulary: whom a row is owed to, what it is, and what became of it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.groups.model import StudyGroup
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.reply import Reply


class Audience(enum.StrEnum):
    LEARNER = "learner"  # a learner's private chat, on the first platform that reaches them
    GROUP = "group"  # a study group's chat
    CHAT = "chat"  # one chat on one platform, as an adapter named it (an owed reply)
    FOCUS = "focus"  # whoever runs a focus session, when it ends


@dataclass(frozen=True)
class Recipient:
    """Whom an outbox row is owed to."""

    audience: Audience
    id: int  # a learner, study group or focus session id; 0 for a chat, which has no row of ours
    chat: ChatRef | None = None  # the chat, for Audience.CHAT

    @classmethod
    def learner(cls, learner_id: int) -> Recipient:
        return cls(Audience.LEARNER, learner_id)

    @classmethod
    def group(cls, group_id: int) -> Recipient:
        return cls(Audience.GROUP, group_id)

    @classmethod
    def focus(cls, session_id: int) -> Recipient:
        return cls(Audience.FOCUS, session_id)

    @classmethod
    def in_chat(cls, platform: str, chat_id: str) -> Recipient:
        # Named by platform and id alone, so every row owed to one chat has one recipient
        # and the sender keeps them in order.
        return cls(Audience.CHAT, 0, ChatRef(platform, chat_id))


class Kind(enum.StrEnum):
    PLAN = "plan"  # the day's plan at the nudge time
    QUIZ = "quiz"  # a review question on quiz days, with the plan
    EVENING = "evening"  # the week's digest on its last study day, else a streak reminder
    GROUP_DIGEST = "group_digest"  # who did what yesterday, and today's focus
    GROUP_QUIZ = "group_quiz"
    GROUP_CLOSE = "group_close"  # the day's group quiz closes and its tally is posted
    GROUP_REPORT = "group_report"  # the week in numbers, on the last study day
    GROUP_MONTH = "group_month"  # the month in numbers, on its last day
    FOCUS_END = "focus_end"  # a focus session's time is up: done, or more?
    BUDDY_PAIRED = "buddy_paired"  # a learner who waited for a buddy has one now
    REPLY = "reply"  # an answer to a command that its adapter could not deliver at once

    @property
    def audience(self) -> Audience:
        if self is Kind.REPLY:
            return Audience.CHAT
        if self is Kind.FOCUS_END:
            return Audience.FOCUS
        return Audience.GROUP if self.value.startswith("group_") else Audience.LEARNER


class Status(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DROPPED = "dropped"  # no longer wanted when its turn came
    FAILED = "failed"  # the platform would not take it


@dataclass(frozen=True)
class NewOutboxItem:
    recipient: Recipient
    kind: Kind
    local_date: date
    due_at: datetime
    available_at: datetime  # not sent before then (a quiz's close comes hours later)


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row: one message owed to a learner, a study group or a chat."""

    id: int
    recipient: Recipient
    kind: str  # a Kind, unless a newer version wrote a kind this one does not know
    local_date: date
    due_at: datetime
    attempts: int  # including the current one
    payload: str | None = None  # an owed reply, encoded (core.kernel.reply_codec)


@dataclass(frozen=True)
class RecentSend:
    """The last time the sender wrote to a chat, as the outbox recorded it."""

    platform: str
    chat: str  # the chat's (or, for a learner's private chat, the person's) external id
    at: datetime


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
class DueGroup:
    group: StudyGroup
    due_at: datetime


@dataclass(frozen=True)
class TickReport:
    due: int = 0  # learners and groups whose moment had come
    enqueued: int = 0  # new outbox rows
    skipped: int = 0  # moments passed over: unreachable learners, or too late

    def __add__(self, other: TickReport) -> TickReport:
        return TickReport(
            self.due + other.due, self.enqueued + other.enqueued, self.skipped + other.skipped
        )


@dataclass(frozen=True)
class Send:
    to: LearnerRef | ChatRef  # a learner's private chat, or a study group's chat
    reply: Reply
    what: str  # what the message turned out to be, for the record: plan, quiz, digest…


@dataclass(frozen=True)
class Hold:
    until: datetime
    why: str


@dataclass(frozen=True)
class Drop:
    why: str


Decision = Send | Hold | Drop
