"""The storage the quiz use cases need."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from core.learning.ports import LearningUnitOfWork
from core.quizzes.model import QuizFigures, QuizRecord


class Quizzes(Protocol):
    """Questions asked of one learner, and their answers."""

    async def add(
        self,
        learner_id: int,
        *,
        kind: str,
        question_id: str,
        option_order: str,
        correct_option: int,
        at: datetime,
    ) -> int: ...

    async def set_ref(self, quiz_id: int, *, platform: str, poll_ref: str) -> None: ...

    async def find(self, platform: str, poll_ref: str) -> QuizRecord | None: ...

    async def answer(self, quiz_id: int, *, chosen: int, correct: bool, at: datetime) -> bool:
        """Records the first answer; False if the quiz was answered already."""
        ...

    async def figures(self, learner_id: int, *, now: datetime) -> QuizFigures: ...


class Reviews(Protocol):
    """Spaced-review cards, one per learner and subject."""

    async def due(self, learner_id: int) -> dict[str, datetime]:
        """Every subject this learner has a card for, and when it is due."""
        ...

    async def card(self, learner_id: int, subject: str) -> str | None: ...

    async def cards(self, learner_id: int) -> dict[str, str]:
        """Every card this learner has, by subject."""
        ...

    async def save(
        self, learner_id: int, subject: str, *, card: str, due: datetime, lapsed: bool
    ) -> None: ...

    async def reschedule(self, learner_id: int, subjects: Collection[str], due: datetime) -> None:
        """Makes the cards of `subjects` due at `due` (a refresh planned for that day); the
        cards themselves and their counts stay."""
        ...


class QuizUnitOfWork(LearningUnitOfWork, Protocol):
    @property
    def quizzes(self) -> Quizzes: ...

    @property
    def reviews(self) -> Reviews: ...
