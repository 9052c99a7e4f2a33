"""Which question comes next, and how options are shuffled."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from core.quizzes.bank import Question, next_review, pick_subject, shuffled
from core.quizzes.review import SELF_CHECK_LEVELS, Recall, review


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


def test_due_reviews_come_first_the_longest_overdue_first() -> None:
    due = {"q2": at(15), "q3": at(14), "q4": at(20)}
    assert pick_subject(["q1", "q2", "q3", "q4"], due, now=at(16)) == "q3"


def test_then_new_subjects_in_order() -> None:
    due = {"q1": at(20)}
    assert pick_subject(["q1", "q2", "q3"], due, now=at(16)) == "q2"


def test_nothing_due_and_nothing_new_is_none_with_the_next_date() -> None:
    due = {"q1": at(20), "q2": at(18)}
    assert pick_subject(["q1", "q2"], due, now=at(16)) is None
    assert next_review(["q1", "q2"], due) == at(18)
    assert next_review(["q3"], due) is None


def test_a_miss_is_due_again_within_a_day() -> None:
    card, due = review(None, Recall.FORGOT, at(16))
    assert timedelta(0) < due - at(16) <= timedelta(days=1)
    assert card


def test_three_right_answers_push_the_next_review_out_by_weeks() -> None:
    card, when = None, at(16)
    for _ in range(3):
        card, when = review(card, Recall.GOOD, when)
    assert when - at(16) >= timedelta(weeks=3)


def test_a_lapse_after_success_comes_back_within_days() -> None:
    card, when = None, at(16)
    for _ in range(3):
        card, when = review(card, Recall.GOOD, when)
    _, again = review(card, Recall.FORGOT, when)
    assert again - when <= timedelta(days=4)


def test_self_check_levels_rise_and_stop_at_a_right_answer() -> None:
    # A self-check is the learner's guess: at best as good as a right quiz answer.
    assert [recall for _, recall in SELF_CHECK_LEVELS] == [
        Recall.FORGOT,
        Recall.FORGOT,
        Recall.HARD,
        Recall.GOOD,
    ]
    _, sure = review(None, Recall.GOOD, at(16))
    _, unsure = review(None, Recall.HARD, at(16))
    assert sure > unsure


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
