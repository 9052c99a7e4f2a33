"""Which question comes next, and how options are shuffled."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from core.quiz import Asked, Question, next_question, shuffled


def question(qid: str, answer: int = 0) -> Question:
    return Question(
        id=qid,
        week="w01",
        topic="t",
        question=f"Question {qid}?",
        options=("alpha", "beta", "gamma", "delta"),
        answer=answer,
        explanation="Because.",
    )


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 9, 0, tzinfo=UTC)


def test_never_asked_questions_come_first_in_bank_order() -> None:
    q1, q2, q3 = question("q1"), question("q2"), question("q3")
    history = {"q1": Asked(1, False, at(16))}
    assert next_question([q1, q2, q3], history) == q2


def test_missed_questions_come_before_known_ones_oldest_first() -> None:
    q1, q2, q3 = question("q1"), question("q2"), question("q3")
    history = {
        "q1": Asked(1, True, at(10)),
        "q2": Asked(2, False, at(15)),
        "q3": Asked(1, False, at(12)),
    }
    assert next_question([q1, q2, q3], history) == q3
    history["q3"] = Asked(2, True, at(16))
    assert next_question([q1, q2, q3], history) == q2


def test_when_everything_is_known_the_longest_unseen_returns() -> None:
    q1, q2 = question("q1"), question("q2")
    history = {"q1": Asked(1, True, at(14)), "q2": Asked(1, True, at(11))}
    assert next_question([q1, q2], history) == q2


def test_no_candidates_no_question() -> None:
    assert next_question([], {}) is None


@pytest.mark.parametrize("seed", range(20))
def test_shuffling_keeps_the_right_answer_findable(seed: int) -> None:
    q = question("q1", answer=2)
    options, correct, order = shuffled(q, random.Random(seed))
    assert sorted(options) == sorted(q.options)
    assert options[correct] == "gamma"
    assert [q.options[int(i)] for i in order.split(",")] == list(options)


def test_the_bank_model_refuses_bad_questions() -> None:
    with pytest.raises(ValidationError):
        question("q1", answer=4)
    with pytest.raises(ValidationError):
        Question(
            id="q",
            week="w01",
            topic="t",
            question="?",
            options=("a", "A", "b"),
            answer=0,
            explanation="x",
        )
    with pytest.raises(ValidationError):
        Question(
            id="q",
            week="w01",
            topic="t",
            question="?",
            options=("a", "b", "c"),
            answer=0,
            explanation="1\n2\n3\n4",
        )
    with pytest.raises(ValidationError):
        Question(
            id="q",
            week="w01",
            topic="t",
            question="?",
            options=("a", "b", "x" * 56),
            answer=0,
            explanation="x",
        )
