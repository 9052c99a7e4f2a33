"""Quiz questions: the bank for the built-in track, validated when loaded, and the pick of the next one."""

from __future__ import annotations

import random
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from core.kernel.errors import TrackError

Option = Annotated[str, StringConstraints(min_length=1, max_length=55)]  # Discord's answer limit


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", max_length=16)]
    week: str
    topic: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    question: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    options: tuple[Option, ...] = Field(min_length=3, max_length=4)
    answer: int = Field(ge=0)
    explanation: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    code: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.answer >= len(self.options):
            raise ValueError(f"{self.id}: answer {self.answer} is not one of its options")
        if len({o.casefold() for o in self.options}) != len(self.options):
            raise ValueError(f"{self.id}: options repeat")
        if self.explanation.count("\n") > 2:
            raise ValueError(f"{self.id}: an explanation may have at most 2 line feeds")
        return self


@dataclass(frozen=True)
class QuestionBank:
    questions: tuple[Question, ...]

    def get(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def get_by_text(self, text: str) -> Question:
        return next(q for q in self.questions if q.question == text)

    def for_weeks(self, week_ids: Iterable[str]) -> list[Question]:
        wanted = set(week_ids)
        return [q for q in self.questions if q.week in wanted]


@cache
def builtin_bank() -> QuestionBank:
    text = resources.files("core.data").joinpath("questions.toml").read_text("utf-8")
    try:
        questions = tuple(Question.model_validate(q) for q in tomllib.loads(text)["questions"])
    except (ValidationError, KeyError) as exc:
        raise TrackError(f"invalid question bank: {exc}") from exc
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise TrackError("question ids must be unique")
    return QuestionBank(questions)


def pick_subject(candidates: list[str], due: Mapping[str, datetime], now: datetime) -> str | None:
    """Reviews that are due first, the longest overdue first; then subjects never asked,
    in the order given (earliest week first). None when nothing is due and all were asked."""
    overdue = [
        (due[s], index, s) for index, s in enumerate(candidates) if s in due and due[s] <= now
    ]
    if overdue:
        return min(overdue)[2]
    return next((s for s in candidates if s not in due), None)


def next_review(candidates: list[str], due: Mapping[str, datetime]) -> datetime | None:
    upcoming = [due[s] for s in candidates if s in due]
    return min(upcoming) if upcoming else None


def shuffled(question: Question, rng: random.Random) -> tuple[tuple[str, ...], int, str]:
    """The options in a fresh order, where the right one now stands, and that order as text."""
    order = list(range(len(question.options)))
    rng.shuffle(order)
    options = tuple(question.options[i] for i in order)
    return options, order.index(question.answer), ",".join(map(str, order))
