"""What pairing buddies needs from storage."""

from __future__ import annotations

from typing import Protocol

from core.learning.ports import LearningUnitOfWork


class Buddies(Protocol):
    """Who asked for a study buddy, and whom they are paired with."""


class BuddyUnitOfWork(LearningUnitOfWork, Protocol):
    @property
    def buddies(self) -> Buddies: ...
