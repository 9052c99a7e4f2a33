"""Spaced review with FSRS: each question (or self-checked topic) has a card per learner.

A miss comes back the next day; each right answer pushes the next review further out,
to weeks after a few. Learning steps of minutes suit flashcard apps, not a chat coach
that nudges once a day, so there are none.
"""

from __future__ import annotations

import enum
from datetime import datetime

import fsrs

_SCHEDULER = fsrs.Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


class Recall(enum.IntEnum):
    """How well something was remembered; FSRS's four ratings."""

    FORGOT = fsrs.Rating.Again
    HARD = fsrs.Rating.Hard
    GOOD = fsrs.Rating.Good
    EASY = fsrs.Rating.Easy


# A self-check's four answers, from "not at all" to "very", in the order shown.
SELF_CHECK_LEVELS = (
    ("Not yet", Recall.FORGOT),
    ("A little", Recall.HARD),
    ("Fairly sure", Recall.GOOD),
    ("Very sure", Recall.EASY),
)


def review(card: str | None, recall: Recall, at: datetime) -> tuple[str, datetime]:
    """The card after this review, as JSON, and when it is due next."""
    current = fsrs.Card.from_json(card) if card else fsrs.Card()
    updated, _ = _SCHEDULER.review_card(current, fsrs.Rating(int(recall)), at)
    return updated.to_json(), updated.due


def last_reviewed(card: str) -> datetime | None:
    return fsrs.Card.from_json(card).last_review
