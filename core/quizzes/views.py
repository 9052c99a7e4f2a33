"""What the coach says about quizzes. The built-in bank's questions are the track's
content, in English; the words around them are the coach's."""

from __future__ import annotations

from datetime import date

from core.kernel import i18n
from core.kernel.i18n import messages
from core.kernel.reply import (
    Button,
    Reply,
)
from core.learning.tracks import Track
from core.quizzes.review import SELF_CHECK_LEVELS

_, n_ = messages("quizzes")


def no_questions(track: Track) -> Reply:
    return Reply.text(
        _("I have no quiz questions for {track} yet. /week shows what to study.").format(
            track=track.title
        )
    )


def quiz_title() -> str:
    return _("Quiz")


def self_check_title() -> str:
    return _("Self-check")


def self_check_question(topic: str) -> str:
    return _("How sure are you about “{topic}”?").format(topic=topic)


def self_check_options() -> tuple[str, ...]:
    """The self-check's answers, in SELF_CHECK_LEVELS' order: poll options and buttons, so
    short in every language (Discord takes 55 characters, Telegram 100)."""
    said = {
        "Not yet": _("Not yet"),
        "A little": _("A little"),
        "Fairly sure": _("Fairly sure"),
        "Very sure": _("Very sure"),
    }
    return tuple(said[label] for label, _recall in SELF_CHECK_LEVELS)


def quiz_result(correct: bool, right_option: str, explanation: str, again_on: date) -> Reply:
    wrong = _("Not quite: the answer is “{answer}”.").format(answer=right_option)
    verdict = _("Correct!") if correct else wrong
    return Reply.text(
        verdict,
        explanation,
        _("I will ask it again on {day}.").format(day=i18n.day(again_on)),
        buttons=((Button(_("Another question"), "quiz"),),),
    )


def self_check_noted(again_on: date) -> Reply:
    return Reply.text(
        _("Noted. I will check on it again on {day}.").format(day=i18n.day(again_on)),
        buttons=((Button(_("Another one"), "quiz"),),),
    )


def quiz_caught_up(next_on: date | None) -> Reply:
    if next_on is None:
        return Reply.text(_("You are all caught up: nothing to review right now."))
    return Reply.text(
        _(
            "You are all caught up: nothing to review right now. The next review is on {day}."
        ).format(day=i18n.day(next_on))
    )
