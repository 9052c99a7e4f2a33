"""Quizzes through the core on SQLite and PostgreSQL: asked, graded once, by the right person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from core.quizzes.bank import Question, QuestionBank
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.store import SqlUnitOfWorkFactory
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


async def test_a_miss_comes_back_the_next_day_before_new_questions(
    quiz_coach: Coach, clock: FrozenClock, engine: AsyncEngine
) -> None:
    ada = Learner(quiz_coach)
    await ada.say("/start")
    quiz_id, correct, options = await ask(ada)
    assert "[2, 3]" in options  # week 1's first question
    reply = await quiz_coach.quiz_answered(ada.ref, "test", f"poll-{quiz_id}", [(correct + 1) % 3])
    assert "the answer is “[2, 3]”" in reply.plain_text()
    assert "again on Tue 17 Nov" in reply.plain_text()
    async with engine.connect() as connection:
        due = await connection.scalar(select(m.ReviewCard.due))
    assert due == datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # the next review date is stored
    quiz_id, correct, options = await ask(ada)
    assert "0, 1, 2" in options  # the same day: a new question
    reply = await quiz_coach.quiz_answered(ada.ref, "test", f"poll-{quiz_id}", [correct])
    assert "Correct!" in reply.plain_text()
    assert "You are all caught up" in await ada.say("/quiz")
    assert "next review is on Tue 17 Nov" in ada.last.plain_text()
    clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    _, _, options = await ask(ada)
    assert "[2, 3]" in options  # the missed one is due again


async def test_progress_shows_quiz_figures(quiz_coach: Coach) -> None:
    ada = Learner(quiz_coach)
    await ada.say("/start")
    assert "Quiz: none answered yet" in await ada.say("/progress")
    quiz_id, correct, _ = await ask(ada)
    await quiz_coach.quiz_answered(ada.ref, "test", f"poll-{quiz_id}", [(correct + 1) % 3])
    quiz_id, correct, _ = await ask(ada)
    await quiz_coach.quiz_answered(ada.ref, "test", f"poll-{quiz_id}", [correct])
    progress = await ada.say("/progress")
    assert "Quiz: 2 answers, 1 right (50%); 0 reviews due." in progress
    assert "Weakest topics: Unpacking." in progress


async def test_a_week_three_learner_gets_weeks_one_to_three(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    coach = Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())
    ada = Learner(coach)
    await ada.say("/start")
    for _ in range(2):  # finish weeks 1 and 2
        for _ in range(9):
            if "complete" in await ada.say("/done"):
                break
    assert "Week 3 of 24" in await ada.say("/week")
    weeks = set()
    asked = 0
    for attempt in range(100):
        await ada.say("/quiz")
        assert ada.last is not None
        quiz = ada.last.quiz
        if quiz is None:
            assert "all caught up" in ada.last.plain_text()
            break
        weeks.add(coach.questions.get_by_text(quiz.question).week)
        asked += 1
        await coach.quiz_sent(quiz.quiz_id or 0, "test", f"poll-{attempt}")
        await coach.quiz_answered(ada.ref, "test", f"poll-{attempt}", [quiz.correct_option])
    assert asked == len(coach.questions.for_weeks(["w01", "w02", "w03"]))
    assert weeks == {"w01", "w02", "w03"}


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


async def test_an_imported_track_asks_self_checks_that_feed_the_schedule(
    quiz_coach: Coach, clock: FrozenClock
) -> None:
    ada = Learner(quiz_coach)
    roadmap = b"## Week 1: A\n- SQL joins\n- Indexes\n## Week 2: B\n- Transactions\n"
    reply = await quiz_coach.import_roadmap(ada.ref, "r.md", roadmap)
    await ada.press(reply.all_buttons[0].action)
    quiz_id, correct, options = await ask(ada)
    assert ada.last is not None and ada.last.quiz is not None
    assert ada.last.quiz.question == "How sure are you about “SQL joins”?"
    assert options == ("Not yet", "A little", "Fairly sure", "Very sure")
    assert correct == -1  # nothing to get wrong
    noted = await quiz_coach.quiz_answered(ada.ref, "test", f"poll-{quiz_id}", [0])
    assert "again on Tue 17 Nov" in noted.plain_text()
    quiz_id, _, _ = await ask(ada)
    assert ada.last.quiz.question == "How sure are you about “Indexes”?"  # week 2 not yet studied
    await quiz_coach.quiz_answered(ada.ref, "test", f"poll-{quiz_id}", [3])
    assert "Weakest topics: SQL joins." in await ada.say("/progress")
