"""The schema, as typed SQLAlchemy 2 models. Alembic revisions must match it (a test checks)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The language the coach speaks to them ("en", "fa", "ru"); NULL: their app's, as the
    # platform tells it.
    language: Mapped[str | None] = mapped_column(String(8))


class Identity(Base):
    """A learner as one platform knows them; one learner may have several."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    reachable: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("learner_id", "track_id"),
        # One active enrollment per learner.
        Index(
            "uq_enrollments_active_learner",
            "learner_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        # The scheduler's due-nudge scan.
        Index(
            "ix_enrollments_next_nudge_at",
            "next_nudge_at",
            sqlite_where=text("next_nudge_at IS NOT NULL"),
            postgresql_where=text("next_nudge_at IS NOT NULL"),
        ),
        Index(
            "ix_enrollments_next_evening_at",
            "next_evening_at",
            sqlite_where=text("next_evening_at IS NOT NULL"),
            postgresql_where=text("next_evening_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    track_id: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool]
    started_on: Mapped[date]
    pace: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    study_days: Mapped[int]  # bit n set = weekday n (Mon=0) is a study day
    nudge_time: Mapped[time]
    paused_since: Mapped[date | None]
    current_week_id: Mapped[str] = mapped_column(String(32))
    week_opened_on: Mapped[date]
    active_days: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    paused_days: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    next_nudge_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The evening slot: a streak reminder, or the week's digest on its last study day.
    evening_time: Mapped[time] = mapped_column(server_default=text("'20:00:00'"))
    next_evening_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quiz_days: Mapped[int] = mapped_column(server_default=text("21"))  # Mon, Wed, Fri
    quiet_start: Mapped[time | None]
    quiet_end: Mapped[time | None]
    # The options picked where the track says "choose one": "c1=b c2=a".
    picks: Mapped[str] = mapped_column(Text, server_default=text("''"))
    # Open items of the current week moved to later days to catch up: "item=2026-12-07 …".
    moved: Mapped[str] = mapped_column(Text, server_default=text("''"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Completion(Base):
    """An item ticked off; the row that completes a week carries that week's completion date."""

    __tablename__ = "completions"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "item_id"),
        Index("ix_completions_enrollment_week", "enrollment_id", "week_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    week_id: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(32))
    done_on: Mapped[date]
    done_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completes_week: Mapped[bool]
    # An optional item passed over when re-planning: settled for the week, not studied.
    skipped: Mapped[bool] = mapped_column(server_default=text("false"))


class HourLog(Base):
    __tablename__ = "hour_logs"
    __table_args__ = (Index("ix_hour_logs_learner_day", "learner_id", "logged_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    logged_on: Mapped[date]
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_enrollment_week", "enrollment_id", "week_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    week_id: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str | None] = mapped_column(String(32))  # a note on an item; NULL: on the week
    written_on: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoredTrack(Base):
    """An imported roadmap. Immutable: a changed file imports as a new track id."""

    __tablename__ = "tracks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # NULL: shared with every learner (imported by an operator); else private to its owner.
    owner_learner_id: Mapped[int | None] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    source_name: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)  # the validated Track as JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedUpdate(Base):
    """Platform updates already handled, claimed in the same transaction as their effect."""

    __tablename__ = "processed_updates"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class QuizDelivery(Base):
    """One quiz question put to a learner, with the option order they saw and their answer."""

    __tablename__ = "quiz_deliveries"
    __table_args__ = (
        UniqueConstraint("platform", "poll_ref"),
        Index("ix_quiz_deliveries_learner_question", "learner_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    # "quiz": a bank question with one right option; "self_check": how sure, on four levels.
    kind: Mapped[str] = mapped_column(String(16), default="quiz", server_default="quiz")
    question_id: Mapped[str] = mapped_column(String(64))  # the review subject
    option_order: Mapped[str] = mapped_column(String(32))  # "2,0,1,3": shown position -> bank index
    correct_option: Mapped[int]  # in the order shown
    platform: Mapped[str | None] = mapped_column(String(16))
    poll_ref: Mapped[str | None] = mapped_column(String(64))  # the platform's poll id, once sent
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    chosen: Mapped[int | None]
    correct: Mapped[bool | None]


class ReviewCard(Base):
    """A learner's FSRS card for one subject: a bank question, or a self-checked topic."""

    __tablename__ = "review_cards"
    __table_args__ = (Index("ix_review_cards_learner_due", "learner_id", "due"),)

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    card: Mapped[str] = mapped_column(Text)  # fsrs.Card as JSON
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    reviews: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)


class OutboxMessage(Base):
    """A message the coach owes: to a learner or a study group once per kind and local day,
    or a reply to one chat (any number of them).

    Pending rows wait until `available_at`; a sender claims one by pushing `available_at`
    a lease into the future, so a sender that dies leaves it to be claimed again.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("learner_id", "kind", "local_date"),
        UniqueConstraint("group_id", "kind", "local_date"),
        Index(
            "ix_outbox_pending",
            "available_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_outbox_finished_at", "finished_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    # Owed to a learner, to a study group's chat, or (a reply) to a platform's chat: exactly
    # one of learner_id, group_id and chat_platform with chat_id is set.
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"))
    chat_platform: Mapped[str | None] = mapped_column(String(16))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    # A reply's content (core.kernel.reply_codec); cleared once the row is finished, so no
    # message text is kept.
    payload: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # plan, quiz, evening, group_digest, reply…
    local_date: Mapped[date]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # pending, sent, dropped (no longer wanted when its turn came) or failed
    status: Mapped[str] = mapped_column(String(12), server_default="pending")
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # A focus session's check-in, owed to whoever ran it when it ends: one per session.
    focus_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("focus_sessions.id", ondelete="CASCADE"), unique=True
    )
    platform: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(300))


class LinkCode(Base):
    """A one-time code joining another identity to this learner; only its hash is kept."""

    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # One live code per learner: asking again replaces it.
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), unique=True
    )
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LinkFailure(Base):
    """A wrong link code typed by an identity, for limiting guesses across workers.

    Keyed by platform and id rather than an identity row: whoever guesses may not have one.
    """

    __tablename__ = "link_failures"
    __table_args__ = (
        Index("ix_link_failures_who", "platform", "external_id", "failed_at"),
        Index("ix_link_failures_failed_at", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StudyGroup(Base):
    """A group chat or channel that studies one track together."""

    __tablename__ = "study_groups"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_study_groups_parent", "platform", "parent"),
        Index(
            "ix_study_groups_next_digest_at",
            "next_digest_at",
            sqlite_where=text("next_digest_at IS NOT NULL"),
            postgresql_where=text("next_digest_at IS NOT NULL"),
        ),
        Index(
            "ix_study_groups_next_report_at",
            "next_report_at",
            sqlite_where=text("next_report_at IS NOT NULL"),
            postgresql_where=text("next_report_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))  # the chat or channel id
    parent: Mapped[str | None] = mapped_column(String(64))  # the Discord server of a channel
    title: Mapped[str] = mapped_column(String(128), default="")
    track_id: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    digest_time: Mapped[time]
    report_time: Mapped[time]
    study_days: Mapped[int]  # bit n set = weekday n (Mon=0)
    quiz_days: Mapped[int]
    started_on: Mapped[date]  # the group's week 1 is the calendar week of this day
    active: Mapped[bool]
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_report_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    language: Mapped[str] = mapped_column(String(8), server_default=text("'en'"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GroupMember(Base):
    """A learner in a study group, as the group's platform knows them, and what they share."""

    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_learner_id", "learner_id"),)

    group_id: Mapped[int] = mapped_column(
        ForeignKey("study_groups.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    share_done: Mapped[bool]
    share_streak: Mapped[bool]
    share_quiz: Mapped[bool]
    mentions: Mapped[bool]


class GroupAdmin(Base):
    """When the platform last said a learner may change a study group (an admin command
    of theirs passed its check): the web view, with no platform to ask, goes by it. An
    admin need not be a member: a mentor runs the group without studying in it."""

    __tablename__ = "group_admins"
    __table_args__ = (Index("ix_group_admins_learner_id", "learner_id"),)

    group_id: Mapped[int] = mapped_column(
        ForeignKey("study_groups.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class GroupQuiz(Base):
    """A question put to a whole group, at most one a day, open until `closes_at`."""

    __tablename__ = "group_quizzes"
    __table_args__ = (
        UniqueConstraint("group_id", "local_date"),
        UniqueConstraint("platform", "poll_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    option_order: Mapped[str] = mapped_column(String(32))
    correct_option: Mapped[int]  # in the order shown
    local_date: Mapped[date]
    platform: Mapped[str | None] = mapped_column(String(16))
    poll_ref: Mapped[str | None] = mapped_column(String(64))  # where answers come from
    message_ref: Mapped[str | None] = mapped_column(String(64))  # the message to close
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class GroupQuizAnswer(Base):
    """Anyone's first answer to a group quiz; members' answers also count for them."""

    __tablename__ = "group_quiz_answers"
    __table_args__ = (Index("ix_group_quiz_answers_learner_id", "learner_id", "answered_at"),)

    quiz_id: Mapped[int] = mapped_column(
        ForeignKey("group_quizzes.id", ondelete="CASCADE"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id", ondelete="SET NULL"))
    chosen: Mapped[int]
    correct: Mapped[bool]
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Submission(Base):
    """A practice project a member shared with their group, numbered within the group."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("group_id", "number"),
        Index("ix_submissions_group_submitted_at", "group_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"))
    number: Mapped[int]
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    week_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubmissionReview(Base):
    __tablename__ = "submission_reviews"
    __table_args__ = (Index("ix_submission_reviews_reviewer_id", "reviewer_id"),)

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    comment: Mapped[str] = mapped_column(String(300))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Confirmation(Base):
    """A one-time token a destructive action waits for (the /forget button); only its
    hash is kept, so the table does not hand out live tokens."""

    __tablename__ = "confirmations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))  # what it confirms: "forget"
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboxUpdate(Base):
    """A platform update recorded before it was acknowledged, until it is handled.

    The worker that holds it pushes `available_at` a lease ahead while it has it in hand,
    so one that stops or dies leaves it for another to take.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_platform_available_at", "platform", "available_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(80), unique=True)
    lane: Mapped[str] = mapped_column(String(64))  # the chat, whose updates keep their order
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(server_default=text("1"))


class FocusSession(Base):
    """A timed study session on one item; its minutes go into the hour log as they end."""

    __tablename__ = "focus_sessions"
    __table_args__ = (
        # One running session per learner.
        Index(
            "uq_focus_sessions_running_learner",
            "learner_id",
            unique=True,
            sqlite_where=text("stopped_at IS NULL"),
            postgresql_where=text("stopped_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    week_id: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str | None] = mapped_column(String(32))  # NULL: no open item to name
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Buddy(Base):
    """A learner who asked for a study buddy: paired with one, or waiting for one."""

    __tablename__ = "buddies"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    # NULL while waiting to be paired.
    buddy_id: Mapped[int | None] = mapped_column(
        ForeignKey("learners.id", ondelete="SET NULL"), index=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime())  # asked, or paired
    # What the buddy sees, as `/share` in a private chat sets it.
    share_done: Mapped[bool] = mapped_column(server_default=text("true"))
    share_streak: Mapped[bool] = mapped_column(server_default=text("true"))
