"""What pairing study buddies keeps and reads: a learner's seat, the pool, a buddy's day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.learning.pace import Pace


@dataclass(frozen=True)
class BuddySharing:
    """What a learner's buddy sees besides whether they studied today, which the shared
    streak is made of and so always shows."""

    done: bool = True  # today's items: "done 2 of 3"
    streak: bool = True  # their own streak


@dataclass(frozen=True)
class Seat:
    """A learner who asked for a buddy: paired with one, or waiting in the pool.

    A pair is both seats naming each other. A seat naming someone whose seat names
    another, or who has none, is the one left behind when that buddy left.
    """

    learner_id: int
    buddy_id: int | None  # None: waiting in the pool
    since: datetime  # asked, or paired
    sharing: BuddySharing = field(default_factory=BuddySharing)

    def pairs_with(self, other: Seat | None) -> bool:
        return (
            other is not None
            and self.buddy_id == other.learner_id
            and other.buddy_id == self.learner_id
            and self.learner_id != other.learner_id
        )


@dataclass(frozen=True)
class Waiting:
    """A learner in the pool, with what matching reads of their active enrollment."""

    learner_id: int
    since: datetime
    track_id: str
    week_id: str
    pace: Pace


@dataclass(frozen=True)
class BuddyDay:
    """A buddy's day as their sharing lets it be seen."""

    name: str
    studied: bool  # anything done today, their local date
    done: int  # today's items done: those due today and those ticked today
    planned: int
    on_break: bool
    streak: int
    sharing: BuddySharing
