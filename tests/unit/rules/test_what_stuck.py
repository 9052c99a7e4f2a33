"""/progress counts what stuck: how much of each finished week is still remembered, from
the spaced-review cards of its questions and self-checks, and which weeks fade."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from core.quizzes.quizmaster import QuizMaster
from core.quizzes.review import Recall, review
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.fakes.questions import BANK

TRACK = BuiltinCatalog().get("python-backend")
assert TRACK is not None
WEEK_ONE = TRACK.first_week
NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)


def test_recall_by_week_averages_the_cards_of_each_weeks_subjects() -> None:
    master = QuizMaster(BANK)
    on_week_one = next(q for q in BANK.questions if q.week == WEEK_ONE.id)
    fresh, _ = review(None, Recall.GOOD, NOW)
    missed, _ = review(None, Recall.FORGOT, NOW)
    cards = {
        on_week_one.id: fresh,
        f"self/{WEEK_ONE.items[0].id}": missed,  # a self-check of a week-one item
        "gone-question": fresh,  # a subject no longer on the track counts nowhere
    }
    now = master.recall_by_week(TRACK, cards, NOW + timedelta(hours=1))
    later = master.recall_by_week(TRACK, cards, NOW + timedelta(days=90))
    assert list(now) == [1] and 0.8 < now[1] <= 1.0
    assert later[1] < now[1]  # memory fades as time passes


@pytest.fixture
def quiz_coach(uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Coach:
    return Coach(uow, clock, BuiltinCatalog(), questions=BANK)


async def test_progress_shows_what_stuck_of_finished_weeks_and_names_the_fading(
    quiz_coach: Coach, clock: FrozenClock
) -> None:
    ada = Learner(quiz_coach)
    await ada.say("/start")
    for _ in range(2):  # right answers to both questions on week one
        await ada.say("/quiz")
        assert ada.last is not None and ada.last.quiz is not None
        quiz = ada.last.quiz
        assert quiz.ref is not None
        poll = f"poll-{quiz.ref.id}"
        await quiz_coach.quiz_posted(quiz.ref, "test", poll, poll)
        await quiz_coach.answer_quiz(ada.ref, "test", poll, [quiz.correct_option])
    progress = await ada.say("/progress")
    assert "Still remembered" not in progress  # no week finished yet
    assert "2 answers" in progress and "none answered" not in progress
    for _ in WEEK_ONE.items:
        await ada.say("/done")
    progress = await ada.say("/progress")
    found = re.search(r"Still remembered of finished weeks: week 1 (\d+)%", progress)
    assert found is not None and int(found.group(1)) >= 90
    assert "Fading" not in progress
    clock.set(clock.now() + timedelta(days=120))
    progress = await ada.say("/progress")
    found = re.search(r"week 1 (\d+)%", progress)
    assert found is not None and int(found.group(1)) < 70
    assert "Fading: week 1" in progress


async def test_a_learner_without_answers_is_asked_to_quiz_once(quiz_coach: Coach) -> None:
    ada = Learner(quiz_coach)
    await ada.say("/start")
    progress = await ada.say("/progress")
    assert progress.count("/quiz asks one") == 1
