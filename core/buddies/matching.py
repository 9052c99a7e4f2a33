"""Whom a learner asking for a buddy is paired with, out of the pool."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.learning.pace import Pace

MAX_WEEKS_APART = 2
_PACES = (Pace.PART_TIME, Pace.STANDARD, Pace.ACCELERATED)  # slowest to fastest


@dataclass(frozen=True)
class Candidate:
    learner_id: int
    since: datetime  # waiting since
    week: int  # the number of their current track week
    pace: Pace


def pace_distance(a: Pace, b: Pace) -> int:
    return abs(_PACES.index(a) - _PACES.index(b))


def ranked(week: int, pace: Pace, pool: Iterable[Candidate]) -> list[Candidate]:
    """The learners within MAX_WEEKS_APART weeks, best first: the same pace, else the
    nearest (a pair on one pace stays as far apart as it starts, one on two paces drifts);
    then the closest week; then the longest waiting."""
    near = [c for c in pool if abs(c.week - week) <= MAX_WEEKS_APART]
    return sorted(
        near,
        key=lambda c: (pace_distance(c.pace, pace), abs(c.week - week), c.since, c.learner_id),
    )
