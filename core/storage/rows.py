"""The tables, the column sets read from them, and rows turned into the core's records and
back: shared by every repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.engine import RowMapping

from core.groups.model import (
    GroupQuizRecord,
    Membership,
    NewStudyGroup,
    Sharing,
    StudyGroup,
)
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.schedule import QuietHours
from core.learning.activity import DayBitmap
from core.learning.model import CompletionRecord, Enrollment, NewEnrollment, Snapshot
from core.learning.pace import Pace
from core.storage import models as m

# Statements on the Tables rather than the ORM classes skip the ORM's compile step.
LEARNERS = cast(Table, m.Learner.__table__)
IDENTITIES = cast(Table, m.Identity.__table__)
ENROLLMENTS = cast(Table, m.Enrollment.__table__)
COMPLETIONS = cast(Table, m.Completion.__table__)
OUTBOX = cast(Table, m.OutboxMessage.__table__)
GROUPS = cast(Table, m.StudyGroup.__table__)
MEMBERS = cast(Table, m.GroupMember.__table__)
ADMINS = cast(Table, m.GroupAdmin.__table__)
GROUP_QUIZZES = cast(Table, m.GroupQuiz.__table__)
SUBMISSIONS = cast(Table, m.Submission.__table__)
REVIEW_CARDS = cast(Table, m.ReviewCard.__table__)
LINK_CODES = cast(Table, m.LinkCode.__table__)
PROCESSED_UPDATES = cast(Table, m.ProcessedUpdate.__table__)
GROUP_QUIZ_ANSWERS = cast(Table, m.GroupQuizAnswer.__table__)

_E = ENROLLMENTS.c
ENROLLMENT_COLUMNS = (
    _E.id,
    _E.learner_id,
    _E.track_id,
    _E.started_on,
    _E.pace,
    _E.timezone,
    _E.study_days,
    _E.nudge_time,
    _E.paused_since,
    _E.current_week_id,
    _E.week_opened_on,
    _E.active_days,
    _E.paused_days,
    _E.next_nudge_at,
    _E.evening_time,
    _E.next_evening_at,
    _E.quiz_days,
    _E.quiet_start,
    _E.quiet_end,
    _E.picks,
    _E.moved,
)
_C = COMPLETIONS.c
COMPLETION_COLUMNS = (
    _C.id,
    _C.week_id,
    _C.item_id,
    _C.done_on,
    _C.completes_week,
    _C.done_at,
    _C.skipped,
)


def days_to_mask(days: frozenset[int]) -> int:
    """Bit n set: weekday n (Monday is 0)."""
    return sum(1 << d for d in days)


def mask_to_days(mask: int) -> frozenset[int]:
    return frozenset(d for d in range(7) if mask >> d & 1)


def enrollment_from_row(row: RowMapping) -> Enrollment:
    return Enrollment(
        id=row["id"],
        learner_id=row["learner_id"],
        track_id=row["track_id"],
        started_on=row["started_on"],
        pace=Pace(row["pace"]),
        timezone=row["timezone"],
        study_days=mask_to_days(row["study_days"]),
        nudge_time=row["nudge_time"],
        paused_since=row["paused_since"],
        current_week_id=row["current_week_id"],
        week_opened_on=row["week_opened_on"],
        active_days=DayBitmap(row["started_on"], row["active_days"] or b""),
        paused_days=DayBitmap(row["started_on"], row["paused_days"] or b""),
        next_nudge_at=row["next_nudge_at"],
        evening_time=row["evening_time"],
        next_evening_at=row["next_evening_at"],
        quiz_days=mask_to_days(row["quiz_days"]),
        quiet_hours=(
            QuietHours(row["quiet_start"], row["quiet_end"])
            if row["quiet_start"] is not None and row["quiet_end"] is not None
            else None
        ),
        picks=picks_from_text(row["picks"]),
        moved=moved_from_text(row["moved"]),
    )


def picks_from_text(text: str | None) -> dict[str, str]:
    """ "c1=b c2=a" as {"c1": "b", "c2": "a"}."""
    pairs = (pair.partition("=") for pair in (text or "").split())
    return {choice: option for choice, _, option in pairs if choice and option}


def picks_text(picks: dict[str, str]) -> str:
    return " ".join(f"{choice}={option}" for choice, option in sorted(picks.items()))


def moved_from_text(text: str | None) -> dict[str, date]:
    """ "w3-a=2026-12-07" as {"w3-a": date(2026, 12, 7)}; a garbled date is left out."""
    moved = {}
    for item_id, _, day in (pair.partition("=") for pair in (text or "").split()):
        try:
            moved[item_id] = date.fromisoformat(day)
        except ValueError:
            continue
    return moved


def moved_text(moved: dict[str, date]) -> str:
    return " ".join(f"{item_id}={day.isoformat()}" for item_id, day in sorted(moved.items()))


def enrollment_values(e: NewEnrollment | Enrollment) -> dict[str, Any]:
    """The columns a new enrollment and a saved one both write."""
    return {
        "pace": e.pace.value,
        "timezone": e.timezone,
        "study_days": days_to_mask(e.study_days),
        "nudge_time": e.nudge_time,
        "current_week_id": e.current_week_id,
        "next_nudge_at": e.next_nudge_at,
        "evening_time": e.evening_time,
        "next_evening_at": e.next_evening_at,
        "quiz_days": days_to_mask(e.quiz_days),
        "quiet_start": e.quiet_hours.start if e.quiet_hours else None,
        "quiet_end": e.quiet_hours.end if e.quiet_hours else None,
    }


def snapshot_from_rows(rows: Sequence[RowMapping]) -> Snapshot | None:
    """A learner, their active enrollment and this week's ticks, from one row per tick."""
    if not rows:
        return None
    first = rows[0]
    enrollment = enrollment_from_row(first) if first["id"] is not None else None
    week_done = {row["item_id"]: row["done_on"] for row in rows if row["item_id"] is not None}
    return Snapshot(
        first["snapshot_learner_id"],
        enrollment,
        week_done,
        bool(first["snapshot_reachable"]),
        first["snapshot_language"],
    )


def completion_from_row(row: RowMapping) -> CompletionRecord:
    return CompletionRecord(**row)


def group_from_row(row: RowMapping) -> StudyGroup:
    return StudyGroup(
        id=row["id"],
        chat=ChatRef(row["platform"], row["external_id"], row["title"], row["parent"]),
        track_id=row["track_id"],
        timezone=row["timezone"],
        digest_time=row["digest_time"],
        report_time=row["report_time"],
        study_days=mask_to_days(row["study_days"]),
        quiz_days=mask_to_days(row["quiz_days"]),
        started_on=row["started_on"],
        active=row["active"],
        next_digest_at=row["next_digest_at"],
        next_report_at=row["next_report_at"],
        language=row["language"],
    )


def group_values(group: NewStudyGroup | StudyGroup) -> dict[str, Any]:
    return {
        "platform": group.chat.platform,
        "external_id": group.chat.external_id,
        "parent": group.chat.parent,
        "title": group.chat.title[:128],
        "track_id": group.track_id,
        "timezone": group.timezone,
        "digest_time": group.digest_time,
        "report_time": group.report_time,
        "study_days": days_to_mask(group.study_days),
        "quiz_days": days_to_mask(group.quiz_days),
        "started_on": group.started_on,
        "next_digest_at": group.next_digest_at,
        "next_report_at": group.next_report_at,
        "language": group.language,
    }


def membership_from_row(row: RowMapping, platform: str) -> Membership:
    """A group_members row; the member's platform is the group's."""
    return Membership(
        group_id=row["group_id"],
        learner_id=row["learner_id"],
        who=LearnerRef(platform, row["external_id"], row["display_name"]),
        joined_at=row["joined_at"],
        sharing=Sharing(row["share_done"], row["share_streak"], row["share_quiz"], row["mentions"]),
    )


def member_values(membership: Membership) -> dict[str, Any]:
    return {
        "external_id": membership.who.external_id,
        "display_name": membership.who.display_name[:100],
        "share_done": membership.sharing.done,
        "share_streak": membership.sharing.streak,
        "share_quiz": membership.sharing.quiz,
        "mentions": membership.sharing.mentions,
    }


def group_quiz_from_row(row: RowMapping) -> GroupQuizRecord:
    return GroupQuizRecord(
        id=row["id"],
        group_id=row["group_id"],
        question_id=row["question_id"],
        option_order=row["option_order"],
        correct_option=row["correct_option"],
        local_date=row["local_date"],
        message_ref=row["message_ref"],
        closed=row["closed_at"] is not None,
    )


def jsonable(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    """A row as JSON can carry it: dates in ISO form, decimals as floats, bytes in hex."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime | date | time):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = float(value)
        elif isinstance(value, bytes):
            out[key] = value.hex()
        else:
            out[key] = value
    return out
