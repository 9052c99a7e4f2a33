"""Linking accounts: live link codes and two enrollments made one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.kernel.refs import LearnerRef
from core.learning.model import Enrollment, NewCompletion


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


# The /export document (docs/export.md): its name and version, then one section per kind
# of row, in this order. A new field is not a new version; a field renamed, removed or
# changed in meaning is.
EXPORT_FORMAT = "roadmap-coach-export"
EXPORT_VERSION = 1
EXPORT_SECTIONS = (
    "learner",
    "identities",
    "enrollments",
    "completions",
    "hours",
    "notes",
    "imported_tracks",
    "quiz_deliveries",
    "review_cards",
    "messages",
    "focus_sessions",
    "study_buddies",
    "link_codes",
    "link_failures",
    "group_memberships",
    "group_admins",
    "group_quiz_answers",
    "submissions",
    "submission_reviews",
    "confirmations",
)
