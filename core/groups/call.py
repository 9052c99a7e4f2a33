"""A member's command in an active study group: everything its handler reads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, NamedTuple, TypeVar

from core.groups.model import Membership, StudyGroup
from core.groups.ports import GroupUnitOfWork
from core.kernel.commands import Command
from core.kernel.refs import LearnerRef
from core.learning.model import Snapshot
from core.learning.tracks import Track

C_co = TypeVar("C_co", bound=Command, covariant=True)


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

    async def membership(self) -> Membership | None:
        if self.snapshot is None:
            return None
        return await self.uow.groups.membership(self.group.id, self.snapshot.learner_id)
