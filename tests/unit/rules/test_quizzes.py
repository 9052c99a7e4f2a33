"""Quizzes: asked from the weeks studied, graded once and by the right person, and fed
into the review schedule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.reply import ALREADY_HANDLED, NOTHING_TO_SAY, QuizQuestion, Reply
from core.learning.tracks import BuiltinCatalog
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.fakes.questions import BANK
from tests.unit.rules.support import snapshot


@pytest.fixture
def quiz_coach(uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Coach:
    return Coach(uow, clock, BuiltinCatalog(), questions=BANK)


@pytest.fixture
def ada(quiz_coach: Coach) -> Learner:
    return Learner(quiz_coach)


async def posted(learner: Learner, quiz: QuizQuestion) -> tuple[str, QuizQuestion]:
    """Posts a quiz as an adapter would; returns its poll and the question."""
    assert quiz.ref is not None and not quiz.for_group
    poll = f"poll-{quiz.ref.id}"
    await learner.coach.quiz_posted(quiz.ref, "test", poll, poll)
    return poll, quiz


async def ask(learner: Learner) -> tuple[str, QuizQuestion]:
    await learner.say("/quiz")
    assert learner.last is not None and learner.last.quiz is not None
    return await posted(learner, learner.last.quiz)


def wrong(quiz: QuizQuestion) -> int:
    return (quiz.correct_option + 1) % len(quiz.options)


async def answer(learner: Learner, poll: str, option: int, **kwargs: str) -> Reply:
    outcome = await learner.coach.answer_quiz(learner.ref, "test", poll, [option], **kwargs)
    assert isinstance(outcome, Reply), outcome
    return outcome


async def review_due(uow: MemoryUnitOfWorkFactory, learner: Learner) -> dict[str, datetime]:
    found = await snapshot(uow, learner.ref)
    assert found is not None
    async with uow() as work:
        return await work.reviews.due(found.learner_id)


async def test_a_question_is_asked_from_the_weeks_studied_and_graded(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    poll, quiz = await ask(ada)
    assert set(quiz.options) == {"[2, 3]", "(2, 3)", "3"}  # week 2 is not studied yet
    assert quiz.options[quiz.correct_option] == "[2, 3]"  # grading follows the shuffle
    reply = await answer(ada, poll, quiz.correct_option)
    assert "Correct" in reply.plain_text()
    assert [b.action for b in reply.all_buttons] == ["quiz"]
    found = await snapshot(uow, ada.ref)
    assert found is not None
    async with uow() as work:
        figures = await work.quizzes.figures(found.learner_id, now=datetime.now(UTC))
    assert figures.by_subject == {"w01-q01": (1, 1)}


async def test_a_miss_comes_back_the_next_day_before_new_questions(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    poll, quiz = await ask(ada)
    assert "[2, 3]" in quiz.options  # week 1's first question
    reply = await answer(ada, poll, wrong(quiz))
    assert "[2, 3]" in reply.plain_text() and "Tue 17 Nov" in reply.plain_text()
    # The next review date is stored: a day later.
    assert await review_due(uow, ada) == {"w01-q01": datetime(2026, 11, 17, 8, 0, tzinfo=UTC)}
    poll, quiz = await ask(ada)
    assert "0, 1, 2" in quiz.options  # the same day: a new question
    await answer(ada, poll, quiz.correct_option)
    await ada.say("/quiz")
    assert ada.last is not None and ada.last.quiz is None  # all caught up
    assert "Tue 17 Nov" in ada.last.plain_text()  # when the next review is
    clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    _, quiz = await ask(ada)
    assert "[2, 3]" in quiz.options  # the missed one is due again


async def test_progress_shows_quiz_figures(ada: Learner) -> None:
    await ada.say("/start")
    assert "Quiz: none answered yet" in await ada.say("/progress")
    poll, quiz = await ask(ada)
    await answer(ada, poll, wrong(quiz))
    poll, quiz = await ask(ada)
    await answer(ada, poll, quiz.correct_option)
    progress = await ada.say("/progress")
    assert "Quiz: 2 answers, 1 right (50%); 0 reviews due." in progress
    assert "Weakest topics: Unpacking." in progress


async def test_a_week_three_learner_gets_weeks_one_to_three(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    coach = Coach(uow, clock, BuiltinCatalog())
    ada = Learner(coach)
    await ada.say("/start")
    for _ in range(2):  # finish weeks 1 and 2
        for _ in range(9):
            if "complete" in await ada.say("/done"):
                break
    assert "Week 3 of 24" in await ada.say("/week")
    weeks = set()
    asked = 0
    for _ in range(100):
        await ada.say("/quiz")
        assert ada.last is not None
        if ada.last.quiz is None:
            break
        poll, quiz = await posted(ada, ada.last.quiz)
        weeks.add(coach.quizzes.questions.get_by_text(quiz.question).week)
        asked += 1
        await answer(ada, poll, quiz.correct_option)
    assert asked == len(coach.quizzes.questions.for_weeks(["w01", "w02", "w03"]))
    assert weeks == {"w01", "w02", "w03"}


async def test_second_answers_strangers_and_unknown_polls_change_nothing(
    ada: Learner, quiz_coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    bob = Learner(quiz_coach, "bob")
    await ada.say("/start")
    await bob.say("/start")
    poll, quiz = await ask(ada)
    right = quiz.correct_option
    assert await quiz_coach.answer_quiz(bob.ref, "test", poll, [right]) == NOTHING_TO_SAY
    assert await quiz_coach.answer_quiz(ada.ref, "test", "no-such-poll", [0]) == NOTHING_TO_SAY
    # A retracted vote.
    assert await quiz_coach.answer_quiz(ada.ref, "test", poll, []) == NOTHING_TO_SAY
    assert "Correct" in (await answer(ada, poll, right)).plain_text()
    assert await quiz_coach.answer_quiz(ada.ref, "test", poll, [wrong(quiz)]) == NOTHING_TO_SAY
    assert set(await review_due(uow, bob)) == set()
    found = await snapshot(uow, ada.ref)
    assert found is not None
    async with uow() as work:
        figures = await work.quizzes.figures(found.learner_id, now=datetime.now(UTC))
    assert (figures.answered, figures.correct) == (1, 1)


async def test_a_redelivered_answer_counts_once(ada: Learner, quiz_coach: Coach) -> None:
    await ada.say("/start")
    poll, quiz = await ask(ada)
    first = await answer(ada, poll, quiz.correct_option, update_key="u:1")
    again = await quiz_coach.answer_quiz(
        ada.ref, "test", poll, [quiz.correct_option], update_key="u:1"
    )
    assert "Correct" in first.plain_text()
    assert again == ALREADY_HANDLED


async def test_an_imported_track_asks_self_checks_that_feed_the_schedule(
    ada: Learner, quiz_coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    roadmap = b"## Week 1: A\n- SQL joins\n- Indexes\n## Week 2: B\n- Transactions\n"
    preview = await quiz_coach.import_roadmap(ada.ref, "r.md", roadmap)
    assert isinstance(preview, Reply)
    await ada.press(preview.all_buttons[0].action)
    poll, quiz = await ask(ada)
    assert "SQL joins" in quiz.question
    assert quiz.options == ("Not yet", "A little", "Fairly sure", "Very sure")
    assert not quiz.scored  # nothing to get wrong
    noted = await answer(ada, poll, 0)
    assert "Tue 17 Nov" in noted.plain_text()
    poll, quiz = await ask(ada)
    assert "Indexes" in quiz.question  # week 2 not yet studied
    await answer(ada, poll, 3)
    assert len(await review_due(uow, ada)) == 2
    assert "Weakest topics: SQL joins." in await ada.say("/progress")
