"""A small question bank over the built-in track's first weeks, so quiz tests know every question."""

from __future__ import annotations

from core.quizzes.bank import Question, QuestionBank

BANK = QuestionBank(
    (
        Question(
            id="w01-q01",
            week="w01",
            topic="Unpacking",
            question="x, *rest = [1, 2, 3]; what is rest?",
            options=("[2, 3]", "(2, 3)", "3"),
            answer=0,
            explanation="Starred assignment collects the rest into a list.",
        ),
        Question(
            id="w01-q02",
            week="w01",
            topic="Loops",
            question="What does range(3) yield?",
            options=("0, 1, 2", "1, 2, 3", "0, 1, 2, 3"),
            answer=0,
            explanation="range stops before its end.",
        ),
        Question(
            id="w02-q01",
            week="w02",
            topic="Sets",
            question="Which literal makes an empty set?",
            options=("{}", "set()", "[]"),
            answer=1,
            explanation="{} is an empty dict.",
        ),
    )
)
