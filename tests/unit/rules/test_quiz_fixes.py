"""Three answers quizzes and /progress got wrong: a doubtful self-check counted as known, a
finished track asked for this week's hours, and reviews fell on rest days."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.reply import QuizQuestion, Reply
from core.learning.tracks import BuiltinCatalog
from core.quizzes.review import Recall, on_a_study_day, review
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.fakes.questions import BANK
from tests.unit.rules.support import snapshot

ROADMAP = b"## Week 1: A\n- SQL joins\n- Indexes\n## Week 2: B\n- Transactions\n"
MONDAY_UTC = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


@pytest.fixture
def ada(uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Learner:
    return Learner(Coach(uow, clock, BuiltinCatalog(), questions=BANK))


async def ask(learner: Learner) -> tuple[str, QuizQuestion]:
    await learner.say("/quiz")
    assert learner.last is not None and learner.last.quiz is not None
    quiz = learner.last.quiz
    assert quiz.ref is not None
    poll = f"poll-{quiz.ref.id}"
    await learner.coach.quiz_posted(quiz.ref, "test", poll, poll)
    return poll, quiz


async def answer(learner: Learner, poll: str, option: int) -> str:
    outcome = await learner.coach.answer_quiz(learner.ref, "test", poll, [option])
    assert isinstance(outcome, Reply), outcome
    return outcome.plain_text()


async def on_imported_track(learner: Learner) -> None:
    preview = await learner.coach.import_roadmap(learner.ref, "r.md", ROADMAP)
    assert isinstance(preview, Reply)
    await learner.press(preview.all_buttons[0].action)


async def stored(
    uow: MemoryUnitOfWorkFactory, learner: Learner
) -> tuple[dict[str, tuple[int, int]], dict[str, datetime]]:
    """Answers and right answers by subject, and when each subject is due."""
    found = await snapshot(uow, learner.ref)
    assert found is not None
    async with uow() as work:
        figures = await work.quizzes.figures(found.learner_id, now=MONDAY_UTC)
        return figures.by_subject, await work.reviews.due(found.learner_id)


# -- 1. a self-check counts as known only when the learner is sure ----------------------


async def test_fairly_sure_is_not_a_right_answer_and_comes_back_sooner(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await on_imported_track(ada)
    poll, quiz = await ask(ada)
    assert quiz.options[2] == "Fairly sure" and "SQL joins" in quiz.question
    await answer(ada, poll, 2)
    poll, quiz = await ask(ada)
    assert quiz.options[3] == "Very sure" and "Indexes" in quiz.question
    await answer(ada, poll, 3)
    by_subject, due = await stored(uow, ada)
    # Asked in order: SQL joins (fairly sure), then Indexes (very sure).
    joins, indexes = by_subject
    assert (by_subject[joins], by_subject[indexes]) == ((1, 0), (1, 1))
    assert due[joins] < due[indexes]
    progress = await ada.say("/progress")
    assert "Quiz: 2 answers, 1 right (50%)" in progress
    assert "Weakest topics: SQL joins." in progress


async def test_a_little_sure_comes_back_the_next_day(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await on_imported_track(ada)
    poll, quiz = await ask(ada)
    assert quiz.options[1] == "A little"
    assert "Tue 17 Nov" in await answer(ada, poll, 1)
    by_subject, _ = await stored(uow, ada)
    assert list(by_subject.values()) == [(1, 0)]


def test_no_self_check_rates_above_a_right_quiz_answer() -> None:
    _, very_sure = review(None, Recall.GOOD, MONDAY_UTC)
    _, fairly_sure = review(None, Recall.HARD, MONDAY_UTC)
    assert fairly_sure < very_sure


# -- 2. a finished track's /progress ----------------------------------------------------


async def test_a_finished_track_shows_totals_and_no_week_to_aim_for(ada: Learner) -> None:
    await on_imported_track(ada)
    await ada.say("/log 2")
    for _ in range(10):
        if "You finished" in await ada.say("/done"):
            break
    else:
        pytest.fail("the track never finished")
    progress = await ada.say("/progress")
    assert "Track finished" in progress
    assert "Weeks completed: 2 of 2." in progress
    assert "Items done: 3 of 3." in progress
    assert "Hours logged in total: 2." in progress
    assert "This week" not in progress
    assert "calendar week" not in progress
    assert "target" not in progress


async def test_a_track_under_way_still_shows_this_week(ada: Learner) -> None:
    await on_imported_track(ada)
    progress = await ada.say("/progress")
    assert "Track finished" not in progress
    assert "This week (1): 0/2 items." in progress
    assert "reaches this week's target" in progress


# -- 3. reviews fall on study days -------------------------------------------------------


async def test_a_review_due_on_a_rest_day_waits_for_the_next_study_day(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    await ada.say("/settings days mon,wed,fri")
    poll, quiz = await ask(ada)
    wrong = (quiz.correct_option + 1) % len(quiz.options)
    # A miss is due the next day, a Tuesday: a rest day, so Wednesday.
    assert "Wed 18 Nov" in await answer(ada, poll, wrong)
    _, due = await stored(uow, ada)
    assert due == {"w01-q01": datetime(2026, 11, 18, 8, 0, tzinfo=UTC)}


async def test_a_review_on_a_study_day_stays(ada: Learner, uow: MemoryUnitOfWorkFactory) -> None:
    await ada.say("/start")  # Monday to Saturday
    poll, quiz = await ask(ada)
    wrong = (quiz.correct_option + 1) % len(quiz.options)
    assert "Tue 17 Nov" in await answer(ada, poll, wrong)
    _, due = await stored(uow, ada)
    assert due == {"w01-q01": datetime(2026, 11, 17, 8, 0, tzinfo=UTC)}


def test_study_days_are_the_learners_local_days() -> None:
    auckland = ZoneInfo("Pacific/Auckland")  # UTC+13 in November
    # Tuesday 12:00 UTC is Wednesday 01:00 in Auckland: a study day there.
    tuesday_utc = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
    assert on_a_study_day(tuesday_utc, frozenset({0, 2}), auckland) == tuesday_utc
    # On a rest day it moves to the next study day, at the same local time.
    moved = on_a_study_day(tuesday_utc, frozenset({0, 4}), auckland)
    assert moved.astimezone(auckland) == datetime(2026, 11, 20, 1, 0, tzinfo=auckland)
    # No study days at all (nothing to move to): left as it is.
    assert on_a_study_day(tuesday_utc, frozenset(), auckland) == tuesday_utc


def test_moving_to_a_study_day_keeps_the_local_hour_across_a_clock_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # summer time ends on Sunday 25 October 2026
    saturday = datetime(2026, 10, 24, 9, 0, tzinfo=berlin)
    moved = on_a_study_day(saturday.astimezone(UTC), frozenset({0}), berlin)
    assert moved.astimezone(berlin) == datetime(2026, 10, 26, 9, 0, tzinfo=berlin)
