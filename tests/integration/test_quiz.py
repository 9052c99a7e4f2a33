"""Quizzes through the core on SQLite and PostgreSQL: asked, graded once, by the right person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FrozenClock
from core.coach import Coach
from core.quiz import Question, QuestionBank
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.store import SqlUnitOfWorkFactory
from core.tracks import BuiltinCatalog
from tests.conftest import Learner

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


@pytest.fixture
def quiz_coach(engine: AsyncEngine, clock: FrozenClock) -> Coach:
    return Coach(
        SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog(), questions=BANK
    )


async def ask(learner: Learner) -> tuple[int, int, tuple[str, ...]]:
    await learner.say("/quiz")
    assert learner.last is not None
    quiz = learner.last.quiz
    assert quiz is not None
    assert quiz.quiz_id is not None
    await learner.coach.quiz_sent(quiz.quiz_id, "test", f"poll-{quiz.quiz_id}")
    return quiz.quiz_id, quiz.correct_option, quiz.options


async def test_a_question_is_asked_from_the_weeks_studied_and_graded(
    quiz_coach: Coach, engine: AsyncEngine
) -> None:
    ada = Learner(quiz_coach)
    await ada.say("/start")
    quiz_id, correct, options = await ask(ada)
    assert set(options) == {"[2, 3]", "(2, 3)", "3"}  # week 2 is not studied yet
    assert options[correct] == "[2, 3]"  # grading follows the shuffle
    reply = await quiz_coach.quiz_answered(ada.ref, "test", f"poll-{quiz_id}", [correct])
    assert "Correct!" in reply.plain_text()
    assert [b.action for b in reply.all_buttons] == ["quiz"]
    async with engine.connect() as connection:
        row = (
            await connection.execute(select(m.QuizDelivery.correct, m.QuizDelivery.chosen))
        ).one()
    assert tuple(row) == (True, correct)


async def test_a_wrong_answer_names_the_right_one_and_comes_back_before_known_ones(
    quiz_coach: Coach, clock: FrozenClock
) -> None:
    ada = Learner(quiz_coach)
    await ada.say("/start")
    quiz_id, correct, options = await ask(ada)
    assert "[2, 3]" in options  # week 1's first question
    reply = await quiz_coach.quiz_answered(ada.ref, "test", f"poll-{quiz_id}", [(correct + 1) % 3])
    assert "the answer is “[2, 3]”" in reply.plain_text()
    clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    quiz_id, correct, options = await ask(ada)
    assert "0, 1, 2" in options  # a new question comes first
    await quiz_coach.quiz_answered(ada.ref, "test", f"poll-{quiz_id}", [correct])
    clock.set(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    _, _, options = await ask(ada)
    assert "[2, 3]" in options  # then the missed one, before the one already known


async def test_second_answers_strangers_and_unknown_polls_change_nothing(
    quiz_coach: Coach, engine: AsyncEngine
) -> None:
    ada = Learner(quiz_coach)
    bob = Learner(quiz_coach, "bob")
    await ada.say("/start")
    await bob.say("/start")
    quiz_id, correct, _ = await ask(ada)
    poll = f"poll-{quiz_id}"
    assert (await quiz_coach.quiz_answered(bob.ref, "test", poll, [correct])).blocks == ()
    assert (await quiz_coach.quiz_answered(ada.ref, "test", "no-such-poll", [0])).blocks == ()
    assert (
        await quiz_coach.quiz_answered(ada.ref, "test", poll, [])
    ).blocks == ()  # a retracted vote
    assert (
        "Correct" in (await quiz_coach.quiz_answered(ada.ref, "test", poll, [correct])).plain_text()
    )
    assert (await quiz_coach.quiz_answered(ada.ref, "test", poll, [(correct + 1) % 3])).blocks == ()
    async with engine.connect() as connection:
        rows = (await connection.execute(select(m.QuizDelivery.correct))).all()
    assert [tuple(r) for r in rows] == [(True,)]


async def test_a_redelivered_answer_counts_once(quiz_coach: Coach) -> None:
    ada = Learner(quiz_coach)
    await ada.say("/start")
    quiz_id, correct, _ = await ask(ada)
    first = await quiz_coach.quiz_answered(
        ada.ref, "test", f"poll-{quiz_id}", [correct], update_key="u:1"
    )
    again = await quiz_coach.quiz_answered(
        ada.ref, "test", f"poll-{quiz_id}", [correct], update_key="u:1"
    )
    assert "Correct" in first.plain_text()
    assert again.blocks == ()


async def test_an_imported_track_has_no_questions_yet(quiz_coach: Coach) -> None:
    ada = Learner(quiz_coach)
    roadmap = b"## Week 1: A\n- x\n## Week 2: B\n- y\n"
    reply = await quiz_coach.import_roadmap(ada.ref, "r.md", roadmap)
    await ada.press(reply.all_buttons[0].action)
    assert "no quiz questions" in await ada.say("/quiz")
