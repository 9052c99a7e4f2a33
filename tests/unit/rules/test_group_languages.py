"""A study group's language: its posts and what the whole chat sees speak it, what only
one member sees speaks theirs, and only an admin changes it with /group language."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest

from core.app.coach import Coach
from core.groups.admin import language_named
from core.groups.model import GroupWeekFigures, StudyGroup
from core.groups.standings import group_plan
from core.groups.views import weekly_report
from core.kernel.clock import FrozenClock
from core.kernel.i18n import speaking
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Heading, Reply, Visibility
from core.learning.tracks import BuiltinCatalog
from core.outreach.service import Outreach
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions

CHAT = ChatRef("test", "-100", "Backend cohort")
PERSIAN_DIGITS = re.compile("[۰-۹]")
LATIN_DIGITS = re.compile("[0-9]")
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")


class Member:
    """Someone in the group chat whose app is set to `language`."""

    def __init__(
        self, coach: Coach, external_id: str, name: str, *, language: str = "", admin: bool = False
    ) -> None:
        self.coach = coach
        self.who = LearnerRef("test", external_id, name, language=language)

        async def is_admin() -> bool:
            return admin

        self.chat = ChatContext(CHAT, is_admin)

    async def group(self, text: str) -> Reply:
        outcome = await self.coach.handle(self.who, text, chat=self.chat)
        assert isinstance(outcome, Reply), outcome
        return outcome

    async def private(self, text: str) -> Reply:
        outcome = await self.coach.handle(self.who, text)
        assert isinstance(outcome, Reply), outcome
        return outcome


@pytest.fixture
def decisions(coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Decisions:
    return Decisions(clock, Outreach(coach, uow, clock))


async def group_language(uow: MemoryUnitOfWorkFactory) -> str:
    async with uow() as work:
        group = await work.groups.find(CHAT)
        assert group is not None
        return group.language


def persian(text: str) -> bool:
    return bool(ARABIC_SCRIPT.search(text))


def russian(text: str) -> bool:
    return bool(CYRILLIC.search(text))


async def test_a_persian_group_gets_its_digest_and_weekly_report_in_persian(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock, decisions: Decisions
) -> None:
    # The admin's app is in Persian: the group they set up speaks it.
    sara = Member(coach, "2", "Sara", language="fa-IR", admin=True)
    set_up = await sara.group("/group setup")
    assert set_up.visibility is Visibility.CHAT and persian(set_up.plain_text())
    assert await group_language(uow) == "fa"
    ada = Member(coach, "1", "Ada", language="en")
    await ada.group("/join")
    await ada.private("/done")

    clock.advance(timedelta(hours=1))  # Monday 09:00 UTC: the digest
    await decisions.tick()
    [digest] = decisions.of("digest", CHAT)
    heading = digest.reply.blocks[0]
    assert isinstance(heading, Heading)
    # "خلاصهٔ گروه، دوشنبه ۱۶ نوامبر: هفتهٔ ۱ از ۲۴": Persian words and digits only.
    assert persian(heading.text) and PERSIAN_DIGITS.search(heading.text)
    assert not LATIN_DIGITS.search(heading.text)
    assert "Group digest" not in digest.text and "Tick items off" not in digest.text

    clock.set(clock.now().replace(day=21, hour=18))  # Saturday, the last study day, 18:00
    await decisions.tick()
    [report] = decisions.of("report", CHAT)
    assert persian(report.text) and "in review" not in report.text
    # One item done all week, by Ada: "روی هم ۱ مورد انجام شد".
    assert "۱ مورد انجام شد" in report.text


async def test_a_russian_group_counts_in_russian_plural_forms(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock, decisions: Decisions
) -> None:
    bob = Member(coach, "2", "Bob", admin=True)
    await bob.group("/group setup")
    changed = await bob.group("/group language ru-RU")
    # Said in the group's new language, for the whole chat.
    assert changed.visibility is Visibility.CHAT and russian(changed.plain_text())
    assert await group_language(uow) == "ru"
    ada, cy, di = Member(coach, "3", "Ada"), Member(coach, "4", "Cy"), Member(coach, "5", "Di")
    for member in (ada, cy, di):
        await member.group("/join")
    await ada.private("/done")
    await ada.private("/done")
    await cy.private("/done")

    clock.advance(timedelta(hours=1))
    await decisions.tick()
    [digest] = decisions.of("digest", CHAT)
    assert digest.text.startswith("== Сводка группы, пн 16 нояб.: неделя 1 из 24 ==")
    clock.set(clock.now().replace(day=21, hour=18))
    await decisions.tick()
    [report] = decisions.of("report", CHAT)
    assert "Итоги недели 1" in report.text
    assert "Хоть что-то отметили 2 из 4; всего выполнено 3 пункта." in report.text


@pytest.mark.parametrize(
    ("done", "said"),
    [
        (1, "всего выполнен 1 пункт."),
        (3, "всего выполнено 3 пункта."),
        (5, "всего выполнено 5 пунктов."),
        (21, "всего выполнен 21 пункт."),
    ],
)
def test_the_weekly_report_picks_the_russian_plural_for_1_3_5_and_21(done: int, said: str) -> None:
    track = BuiltinCatalog().get("python-backend")
    assert track is not None
    monday = date(2026, 11, 16)
    group = StudyGroup(
        1, CHAT, track.id, "UTC", time(9), time(18), frozenset(range(5)), frozenset(),
        monday, True, None, None, language="ru",
    )  # fmt: skip
    plan = group_plan(track, group, monday)
    nothing = GroupWeekFigures(0, 0, 0, 0, 0)
    with speaking("ru"):
        report = weekly_report(plan, track, [], 30, 12, done, nothing).plain_text()
    assert said in report


async def test_only_an_admin_changes_the_language_and_the_schedule_view_shows_it(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    bob = Member(coach, "2", "Bob", admin=True)
    await bob.group("/group setup")
    ada = Member(coach, "1", "Ada")
    refused = await ada.group("/group language fa")
    assert "admins" in refused.plain_text() and refused.visibility is Visibility.PERSONAL
    assert await group_language(uow) == "en"
    unknown = await bob.group("/group language klingon")
    assert "klingon" in unknown.plain_text() and "Nothing was changed" in unknown.plain_text()
    assert await group_language(uow) == "en"

    for typed, code in (("فارسی", "fa"), ("Russian", "ru"), ("EN", "en"), ("persian", "fa")):
        await bob.group(f"/group language {typed}")
        assert await group_language(uow) == code, typed
    # The schedule view is Ada's own to read: in her language, naming the group's.
    status = (await ada.group("/group")).plain_text()
    assert "Language: فارسی." in status and "Daily digest" in status


def test_a_language_is_named_by_its_code_a_tag_or_its_name_in_any_of_ours() -> None:
    named = {
        word: language_named(word)
        for word in ("fa", "ru-RU", "en_GB", "Persian", "Farsi", "персидский", "Русский", "روسی")
    }
    assert named == {
        "fa": "fa",
        "ru-RU": "ru",
        "en_GB": "en",
        "Persian": "fa",
        "Farsi": "fa",
        "персидский": "fa",
        "Русский": "ru",
        "روسی": "ru",
    }
    assert language_named("de") is None and language_named("") is None


async def test_what_the_chat_sees_speaks_the_groups_language_and_the_rest_the_members(
    coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock, decisions: Decisions
) -> None:
    sara = Member(coach, "2", "Sara", language="fa", admin=True)
    await sara.group("/group setup")
    ivan = Member(coach, "1", "Ivan", language="ru")
    welcome = await ivan.group("/join")
    assert welcome.visibility is Visibility.CHAT and persian(welcome.plain_text())
    board = await ivan.group("/leaderboard")
    assert board.visibility is Visibility.CHAT and persian(board.plain_text())
    assert all(persian(button.label) for row in board.buttons for button in row)
    sharing = await ivan.group("/share")
    assert sharing.visibility is Visibility.PERSONAL and russian(sharing.plain_text())
    assert all(russian(button.label) for row in sharing.buttons for button in row)
    usage = await ivan.group("/review")
    assert russian(usage.plain_text())
    refused = await ivan.group("/group days mon-fri")
    assert russian(refused.plain_text())

    # The group quiz's feedback is Ivan's alone: in Russian, in a Persian group.
    clock.advance(timedelta(hours=1))
    await decisions.tick()
    [posted] = decisions.of("quiz", CHAT)
    assert persian(posted.text)
    quiz = posted.reply.quiz
    assert quiz is not None and quiz.ref is not None
    await coach.quiz_posted(quiz.ref, "test", "poll-1", "msg-1")
    answered = await coach.answer_quiz(ivan.who, "test", "poll-1", [quiz.correct_option])
    assert isinstance(answered, Reply) and answered.visibility is Visibility.PASSING
    assert answered.plain_text().startswith("Верно!")


async def test_a_members_own_choice_beats_their_apps_language_in_private_answers(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    bob = Member(coach, "2", "Bob", admin=True)
    await bob.group("/group setup")
    ada = Member(coach, "1", "Ada", language="en-US")
    await ada.group("/join")
    async with uow() as work:
        found = await work.learners.load(ada.who)
        assert found is not None
        await work.learners.set_language(found.learner_id, "fa")
        await work.commit()
    assert persian((await ada.group("/share")).plain_text())
    # What the chat sees stays in the group's English.
    assert "Standings since" in (await ada.group("/leaderboard")).plain_text()
    assert "left the group" in (await ada.group("/leave")).plain_text()


async def test_a_group_set_up_again_keeps_its_language(
    coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    bob = Member(coach, "2", "Bob", admin=True)
    await bob.group("/group setup")
    await bob.group("/group language ru")
    await bob.group("/group off")
    sara = Member(coach, "3", "Sara", language="fa", admin=True)
    again = await sara.group("/group setup")
    assert russian(again.plain_text()) and await group_language(uow) == "ru"
