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
