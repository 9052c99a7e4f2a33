"""Quiz records as the quiz use cases and the storage exchange them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuizRecord:
    id: int
    learner_id: int
    kind: str  # "quiz" or "self_check"
    question_id: str  # the review subject
    correct_option: int
    answered: bool


@dataclass(frozen=True)
class QuizFigures:
    answered: int
    correct: int
    due: int
    # subject -> (answers, right answers), for the weakest topics
    by_subject: dict[str, tuple[int, int]]
