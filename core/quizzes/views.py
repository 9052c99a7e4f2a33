"""What the coach says about quizzes."""

from __future__ import annotations

from datetime import date

from core.kernel.reply import (
    Button,
    Reply,
)
from core.learning.tracks import Track
from core.learning.views import day_text


def no_questions(track: Track) -> Reply:
    return Reply.text(f"I have no quiz questions for {track.title} yet. /week shows what to study.")


def quiz_result(correct: bool, right_option: str, explanation: str, again_on: date) -> Reply:
    verdict = "Correct!" if correct else f"Not quite: the answer is “{right_option}”."
    return Reply.text(
        verdict,
        explanation,
        f"I will ask it again on {day_text(again_on)}.",
        buttons=((Button("Another question", "quiz"),),),
    )


def self_check_noted(again_on: date) -> Reply:
    return Reply.text(
        f"Noted. I will check on it again on {day_text(again_on)}.",
        buttons=((Button("Another one", "quiz"),),),
    )


def quiz_caught_up(next_on: date | None) -> Reply:
    when = f" The next review is on {day_text(next_on)}." if next_on else ""
    return Reply.text(f"You are all caught up: nothing to review right now.{when}")
