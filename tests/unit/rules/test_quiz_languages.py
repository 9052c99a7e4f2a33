"""Quizzes in Persian: the bank's questions stay the track's English content, the coach's
words around them (feedback, the self-check and its four answers) are Persian."""

from __future__ import annotations

import re

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.i18n import speaking
from core.kernel.refs import LearnerRef
from core.kernel.reply import QuizQuestion, Reply
from core.learning.tracks import BuiltinCatalog
from core.quizzes import views
from core.quizzes.review import SELF_CHECK_LEVELS
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.fakes.questions import BANK

PERSIAN_LETTERS = re.compile("[\u0600-\u06ff]")
ROADMAP = b"## Week 1: A\n- SQL joins\n- Indexes\n## Week 2: B\n- Transactions\n"
# The most a poll option may hold: Discord's answers; Telegram takes 100.
MOST_OPTION_CHARS = 55


@pytest.fixture
def quiz_coach(uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Coach:
    return Coach(uow, clock, BuiltinCatalog(), questions=BANK)


@pytest.fixture
def sara(quiz_coach: Coach) -> Learner:
    learner = Learner(quiz_coach, "sara")
    learner.ref = LearnerRef("test", "sara", "Sara", language="fa")
    return learner


async def ask(learner: Learner) -> tuple[str, QuizQuestion]:
    await learner.say("/quiz")
    assert learner.last is not None and learner.last.quiz is not None
    quiz = learner.last.quiz
    assert quiz.ref is not None
    poll = f"poll-{quiz.ref.id}"
    await learner.coach.quiz_posted(quiz.ref, "test", poll, poll)
    return poll, quiz


async def answer(learner: Learner, poll: str, option: int) -> Reply:
    outcome = await learner.coach.answer_quiz(learner.ref, "test", poll, [option])
    assert isinstance(outcome, Reply), outcome
    return outcome


async def test_quiz_feedback_is_persian_around_the_banks_english(sara: Learner) -> None:
    await sara.say("/start")
    poll, quiz = await ask(sara)
    assert quiz.question == BANK.questions[0].question  # the track's content, as written
    missed = await answer(sara, poll, (quiz.correct_option + 1) % len(quiz.options))
    said = missed.plain_text()
    assert "نه کاملاً" in said and "«[2, 3]»" in said  # the right option, in Persian quotes
    assert BANK.questions[0].explanation in said
    assert "Not quite" not in said and "I will ask" not in said
    # Tomorrow, Tuesday 17 November, in Persian digits and names.
    assert "۱۷" in said and "17" not in said
    assert [b.label for b in missed.all_buttons] == ["سؤال بعدی"]
    assert [b.action for b in missed.all_buttons] == ["quiz"]


async def test_a_right_answer_is_praised_in_persian(sara: Learner) -> None:
    await sara.say("/start")
    poll, quiz = await ask(sara)
    said = (await answer(sara, poll, quiz.correct_option)).plain_text()
    assert said.startswith("درست است!")


async def test_a_self_check_asks_in_persian_with_short_persian_answers(
    sara: Learner, quiz_coach: Coach
) -> None:
    preview = await quiz_coach.import_roadmap(sara.ref, "r.md", ROADMAP)
    assert isinstance(preview, Reply)
    await sara.press(preview.all_buttons[0].action)
    poll, quiz = await ask(sara)
    assert "«SQL joins»" in quiz.question and PERSIAN_LETTERS.search(quiz.question)
    with speaking("en"):
        english = views.self_check_options()
    assert english == tuple(label for label, _recall in SELF_CHECK_LEVELS)
    assert len(quiz.options) == len(english)
    for option, original in zip(quiz.options, english, strict=True):
        assert option != original and PERSIAN_LETTERS.search(option)
        assert len(option) <= MOST_OPTION_CHARS
    assert len(set(quiz.options)) == len(quiz.options)
    noted = (await answer(sara, poll, 0)).plain_text()
    assert noted.startswith("ثبت شد.") and "۱۷" in noted


@pytest.mark.parametrize("language", ["fa", "ru"])
def test_every_self_check_answer_fits_a_poll_and_a_button(language: str) -> None:
    with speaking(language):
        options = views.self_check_options()
    assert all(0 < len(option) <= MOST_OPTION_CHARS for option in options)
    assert len(set(options)) == len(SELF_CHECK_LEVELS)
