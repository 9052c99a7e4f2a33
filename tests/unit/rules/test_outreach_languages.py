"""What the coach writes first to a learner is in the learner's language, whoever else the
same tick writes to."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.app.coach import Coach
from core.kernel import i18n
from core.kernel.clock import FrozenClock
from core.kernel.i18n import speaking
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.focus_views import check_in
from core.learning.pace import Pace
from core.learning.plan import plan_week
from core.learning.tracks import BuiltinCatalog
from core.outreach import focus
from core.outreach.service import Outreach
from core.outreach.views import streak_at_risk, weekly_digest
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions

MONDAY_EIGHT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
PERSIAN_DIGITS = re.compile("[۰-۹]")
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


class Speaker:
    """A learner whose app is set to `language`."""

    def __init__(self, coach: Coach, name: str, language: str) -> None:
        self.coach = coach
        self.ref = LearnerRef("test", name, name.title(), language=language)

    async def say(self, text: str) -> str:
        outcome = await self.coach.handle(self.ref, text)
        assert isinstance(outcome, Reply), outcome
        return outcome.plain_text()


@pytest.fixture
def decisions(coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Decisions:
    return Decisions(clock, Outreach(coach, uow, clock))


async def test_one_tick_writes_each_learner_their_plan_in_their_own_language(
    coach: Coach, clock: FrozenClock, decisions: Decisions
) -> None:
    clock.set(MONDAY_EIGHT)
    sara, ada, ivan = (
        Speaker(coach, "sara", "fa-IR"),
        Speaker(coach, "ada", "en"),
        Speaker(coach, "ivan", "ru"),
    )
    for learner in (sara, ada, ivan):
        await learner.say("/start")
    clock.set(MONDAY_EIGHT + timedelta(hours=1))  # everyone's 09:00 nudge, in one tick
    await decisions.tick()
    [persian] = decisions.of("plan", sara.ref)
    [english] = decisions.of("plan", ada.ref)
    [russian] = decisions.of("plan", ivan.ref)
    assert english.text.startswith("Good morning! Here is your plan.")
    assert persian.text.startswith("صبح بخیر!") and "Good morning" not in persian.text
    assert russian.text.startswith("Доброе утро!") and "Good morning" not in russian.text


async def test_the_evening_reminder_speaks_the_learners_language(
    coach: Coach, clock: FrozenClock, decisions: Decisions
) -> None:
    clock.set(MONDAY_EIGHT)
    ivan = Speaker(coach, "ivan", "ru")
    await ivan.say("/start")
    await decisions.run_until(MONDAY_EIGHT + timedelta(days=1), step_minutes=30)
    [reminder] = decisions.of("streak", ivan.ref)
    assert reminder.text.startswith("Сегодня пока ничего не отмечено.")
    assert all(CYRILLIC.search(button.label) or button.label.startswith("✓")
               for row in reminder.reply.buttons for button in row)  # fmt: skip


async def test_a_persian_learner_hears_that_a_buddy_was_found_in_persian(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock, decisions: Decisions
) -> None:
    clock.set(MONDAY_EIGHT)
    sara, bob = Speaker(coach, "sara", "fa"), Speaker(coach, "bob", "en")
    await sara.say("/start")
    await bob.say("/start")
    await sara.say("/buddy")
    assert "Your study buddy: Sara" in await bob.say("/buddy")
    await decisions.drain()
    [news] = decisions.of("buddy", sara.ref)
    assert news.text.startswith("== هم‌درس شما: Bob ==")


async def test_a_focus_check_in_is_composed_in_the_learners_language(
    coach: Coach, clock: FrozenClock, decisions: Decisions, monkeypatch: pytest.MonkeyPatch
) -> None:
    spoken: list[str] = []

    def recording(*args: Any, **kwargs: Any) -> Reply:
        spoken.append(i18n.language())
        return check_in(*args, **kwargs)

    monkeypatch.setattr(focus, "check_in", recording)
    clock.set(MONDAY_EIGHT)
    sara, ada = Speaker(coach, "sara", "fa"), Speaker(coach, "ada", "")
    for learner in (sara, ada):
        await learner.say("/start")
        await learner.say("/focus")
    clock.advance(timedelta(minutes=25))
    await decisions.tick()
    assert sorted(spoken) == ["en", "fa"]
    assert len(decisions.of("focus")) == 2


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (1, "Ваша серия в 1 день прервётся"),
        (3, "Ваша серия в 3 дня прервётся"),
        (5, "Ваша серия в 5 дней прервётся"),
        (21, "Ваша серия в 21 день прервётся"),
    ],
)
def test_a_russian_streak_reminder_picks_the_plural_for_1_3_5_and_21(days: int, said: str) -> None:
    track = BuiltinCatalog().get("python-backend")
    assert track is not None
    monday = date(2026, 11, 16)
    plan = plan_week(
        track.weeks[0],
        opened_on=monday,
        pace=Pace.STANDARD,
        study_days=frozenset(range(5)),
        done_on={},
    )
    with speaking("ru"):
        text = streak_at_risk(plan, monday, days).plain_text()
    assert text.startswith(said)


def test_a_persian_weekly_digest_counts_in_persian_digits() -> None:
    track = BuiltinCatalog().get("python-backend")
    assert track is not None
    friday = date(2026, 11, 20)
    plan = plan_week(
        track.weeks[0],
        opened_on=date(2026, 11, 16),
        pace=Pace.STANDARD,
        study_days=frozenset(range(5)),
        done_on={},
    )
    with speaking("en"):
        english = weekly_digest(track, plan, friday, Pace.STANDARD, 2.5, 0, worked_today=False)
    with speaking("fa"):
        persian = weekly_digest(track, plan, friday, Pace.STANDARD, 2.5, 0, worked_today=False)
    assert "Hours logged: 2.5 of 10–15 h/week (standard pace)." in english.plain_text()
    heading, *_ = persian.plain_text().splitlines()
    assert heading.startswith("== مرور هفتهٔ ۱:")
    assert (
        PERSIAN_DIGITS.search(persian.plain_text()) and "Hours logged" not in persian.plain_text()
    )
