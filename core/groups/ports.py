"""The storage the study group use cases need."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from core.groups.model import (
    GroupQuizRecord,
    GroupWeekFigures,
    MemberActivity,
    Membership,
    NewStudyGroup,
    QuizResult,
    QuizTally,
    ReviewedSubmission,
    StudyGroup,
    SubmissionRecord,
)
from core.kernel.refs import ChatRef, LearnerRef
from core.quizzes.ports import QuizUnitOfWork


class Groups(Protocol):
    """Study groups and their members."""

    async def find(self, chat: ChatRef, *, lock: bool = False) -> StudyGroup | None:
        """With `lock`, the group is locked until the unit of work ends: two admins'
        changes then apply one after the other, and a tick passes the group over."""
        ...

    async def get(self, group_id: int) -> StudyGroup | None: ...

    async def create(self, group: NewStudyGroup, *, at: datetime) -> StudyGroup: ...

    async def save(self, group: StudyGroup) -> None: ...

    async def deactivate(self, group_id: int) -> int:
        """Stops a group's schedule and drops its pending outbox rows; returns how many."""
        ...

    async def in_parent(self, platform: str, parent: str) -> list[StudyGroup]:
        """The groups in a Discord server's channels."""
        ...

    async def membership(self, group_id: int, learner_id: int) -> Membership | None: ...

    async def of_learner(self, learner_id: int) -> list[StudyGroup]:
        """The active groups the learner is a member of, the longest joined first."""
        ...

    async def admin_since(self, group_id: int, learner_id: int) -> datetime | None:
        """When the platform last said the learner may change the group; None if it
        never did, or said since that they may not."""
        ...

    async def set_admin(self, group_id: int, learner_id: int, since: datetime | None) -> None:
        """Records the platform's word on the learner's admin rights: yes as of `since`,
        or no (None). The learner need not be a member."""
        ...

    async def administered(self, learner_id: int, *, since: datetime) -> list[StudyGroup]:
        """The active groups the platform said the learner may change, at `since` or
        later, oldest group first."""
        ...

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

    async def week_figures(self, group_id: int, *, since_at: datetime) -> GroupWeekFigures: ...


class GroupQuizzes(Protocol):
    """A group's daily quiz, answered by anyone in the chat once."""

    async def add(
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

    async def on_day(self, group_id: int, local_date: date) -> GroupQuizRecord | None: ...

    async def asked(self, group_id: int) -> set[str]: ...

    async def set_ref(
        self, quiz_id: int, *, platform: str, poll_ref: str, message_ref: str
    ) -> None: ...

    async def find(self, platform: str, poll_ref: str) -> GroupQuizRecord | None: ...

    async def answer(
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

    async def close(self, quiz_id: int, *, at: datetime) -> QuizTally: ...

    async def results(self, group_id: int, *, limit: int) -> list[QuizResult]:
        """The group's latest closed quizzes, the newest first, with their tallies."""
        ...


class Projects(Protocol):
    """Practice projects members submit to their group, and the reviews they get."""

    async def submit(
        self, group_id: int, learner_id: int, *, week_id: str, text: str, at: datetime
    ) -> int:
        """Stores a submission and returns its number within the group."""
        ...

    async def find(self, group_id: int, number: int) -> SubmissionRecord | None: ...

    async def review(
        self, submission_id: int, reviewer_id: int, *, comment: str, at: datetime
    ) -> bool:
        """Records a review; False when it replaced the reviewer's earlier comment."""
        ...

    async def recent(self, group_id: int, *, limit: int) -> list[ReviewedSubmission]:
        """The group's latest submissions, the newest first, each with its reviews."""
        ...


class GroupUnitOfWork(QuizUnitOfWork, Protocol):
    @property
    def groups(self) -> Groups: ...

    @property
    def group_quizzes(self) -> GroupQuizzes: ...

    @property
    def projects(self) -> Projects: ...
