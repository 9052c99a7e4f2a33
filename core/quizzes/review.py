"""Spaced review with FSRS: each question (or self-checked topic) has a card per learner.

A miss comes back the next day; each right answer pushes the next review further out,
to weeks after a few. Learning steps of minutes suit flashcard apps, not a chat coach
that nudges once a day, so there are none. A review falls on one of the learner's study
days: one due on a rest day waits for the next study day.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, tzinfo

import fsrs

_SCHEDULER = fsrs.Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


class Recall(enum.IntEnum):
    """How well something was remembered; FSRS's four ratings."""

    FORGOT = fsrs.Rating.Again
    HARD = fsrs.Rating.Hard
    GOOD = fsrs.Rating.Good
    EASY = fsrs.Rating.Easy


# A self-check's four answers, from "not at all" to "very", in the order shown. It is
# the learner's own guess, not a tested answer, so it never rates above a right quiz
# answer (GOOD): only "Very sure" counts as known; "Fairly sure" is recall with doubt
# (HARD: kept, but back sooner); "A little" is not knowing it yet.
SELF_CHECK_LEVELS = (
    ("Not yet", Recall.FORGOT),
    ("A little", Recall.FORGOT),
    ("Fairly sure", Recall.HARD),
    ("Very sure", Recall.GOOD),
)
# The rating at or above which an answer counts as right.
KNOWN = Recall.GOOD

EVERY_DAY = frozenset(range(7))


def review(
    card: str | None,
    recall: Recall,
    at: datetime,
    *,
    study_days: frozenset[int] = EVERY_DAY,
    zone: tzinfo = UTC,
) -> tuple[str, datetime]:
    """The card after this review, as JSON, and when it is due next: on a study day
    (weekday numbers, Monday 0) in the learner's time zone."""
    current = fsrs.Card.from_json(card) if card else fsrs.Card()
    updated, _log = _SCHEDULER.review_card(current, fsrs.Rating(int(recall)), at)
    updated.due = on_a_study_day(updated.due, study_days, zone)
    return updated.to_json(), updated.due


def recall_at(card: str, now: datetime) -> float:
    """How likely the card's subject is remembered at `now`, from 0 to 1 (FSRS's
    retrievability: it falls as time passes since the last review, slower the more
    often it was recalled)."""
    return float(_SCHEDULER.get_card_retrievability(fsrs.Card.from_json(card), now))


def on_a_study_day(due: datetime, study_days: frozenset[int], zone: tzinfo) -> datetime:
    """`due`, moved on by whole local days until it falls on a study day."""
    local = due.astimezone(zone)
    for _day in range(7 if study_days else 0):
        if local.weekday() in study_days:
            break
        local += timedelta(days=1)  # wall-clock days, so the hour survives a DST change
    return local.astimezone(UTC)


def last_reviewed(card: str) -> datetime | None:
    return fsrs.Card.from_json(card).last_review
