"""A member's command in an active study group: everything its handler reads, and the
languages its answers are in."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Generic, NamedTuple, TypeVar

from core.groups.model import Membership, StudyGroup
from core.groups.ports import GroupUnitOfWork
from core.kernel.commands import Command
from core.kernel.i18n import ENGLISH, speaking, supported
from core.kernel.refs import LearnerRef
from core.learning.model import Snapshot
from core.learning.tracks import Track

C_co = TypeVar("C_co", bound=Command, covariant=True)


def own_language(who: LearnerRef, snapshot: Snapshot | None) -> str:
    """The language a member is answered in when only they see the answer: their own
    choice once they made one, else their app's, else English."""
    if snapshot is not None and snapshot.language:
        return snapshot.language
    return supported(who.language) or ENGLISH


def to_the_group(group: StudyGroup) -> AbstractContextManager[str]:
    """Speaks the group's language, for what the whole chat sees."""
    return speaking(group.language)


class GroupCall(NamedTuple, Generic[C_co]):
    uow: GroupUnitOfWork
    who: LearnerRef
    group: StudyGroup
    track: Track
    snapshot: Snapshot | None
    command: C_co
    now: datetime

    @property
    def today(self) -> date:
        """The group's local date."""
        return self.now.astimezone(self.group.zone).date()

    def to_the_group(self) -> AbstractContextManager[str]:
        return to_the_group(self.group)

    async def membership(self) -> Membership | None:
        if self.snapshot is None:
            return None
        return await self.uow.groups.membership(self.group.id, self.snapshot.learner_id)
