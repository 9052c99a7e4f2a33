"""The learning commands in Persian and Russian: `/settings language`, the day loop said
with the language's digits, weekday names and plural forms, and English unchanged."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.messages.extract import extract_from_dir

from core.app.coach import Coach
from core.kernel import i18n
from core.kernel.clock import FrozenClock
from core.kernel.commands import Settings
from core.kernel.i18n import speaking
from core.kernel.refs import LearnerRef
from core.learning import focus_views, views
from core.learning.settings import language_named
from core.learning.tracks import builtin_track
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.support import snapshot

MONDAY = datetime(2026, 11, 16, 8, tzinfo=UTC)
WEEK1 = builtin_track().weeks[0]
PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")
CORE_LEARNING = i18n.LOCALE_DIR.parent / "learning"


def english_phrases() -> set[str]:
    """Runs of four or more English words from what the learning package says: none may
    reach a learner who reads another language."""
    found = extract_from_dir(CORE_LEARNING, keywords={"_": None, "n_": (1, 2)}, comment_tags=())
    phrases: set[str] = set()
    for _, _, msgid, *_ in found:
        for said in [msgid] if isinstance(msgid, str) else msgid:
            for part in re.split(r"\{[a-z_]+\}|/\w+", said):
                phrases.update(re.findall(r"[A-Za-z']+(?: [A-Za-z']+){3,}", part))
    return phrases


def leaked(text: str) -> list[str]:
    return sorted(p for p in english_phrases() if p in text)


async def three_commands(ada: Learner) -> list[str]:
    return [await ada.say(command) for command in ("/today", "/week", "/progress")]


async def language_of(uow: MemoryUnitOfWorkFactory, ada: Learner) -> str | None:
    found = await snapshot(uow, ada.ref)
    assert found is not None
    return found.language


async def started_with_a_tick(ada: Learner, clock: FrozenClock) -> None:
    clock.set(MONDAY)
    await ada.say("/start")
    await ada.say("/done")


async def test_persian_today_week_and_progress_then_english_exactly_as_before(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await started_with_a_tick(ada, clock)
    english = await three_commands(ada)
    switched = await ada.say("/settings language fa")
    assert await language_of(uow, ada) == "fa"
    with speaking("fa"):
        assert switched == views.now_speaking("fa").plain_text()  # said in Persian already
    persian = await three_commands(ada)
    today, week, progress = persian
    # Monday 16 November: Persian weekday, Persian digits, and every item in the week.
    assert "دوشنبه" in today and "۱۶" in today
    assert "سه\u200cشنبه ۱۷" in week and all(item.title in week for item in WEEK1.items)
    with speaking("fa"):
        assert views.streak_text(1) in today and views.streak_text(1) in progress
    for english_text, persian_text in zip(english, persian, strict=True):
        assert persian_text != english_text
        assert PERSIAN_DIGITS & set(persian_text)
    assert leaked(today + week) == []
    await ada.say("/settings language en")
    assert await language_of(uow, ada) == "en"
    assert await three_commands(ada) == english


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("fa", "fa"),
        ("FA", "fa"),
        ("fa-IR", "fa"),
        ("فارسی", "fa"),
        ("فارسي", "fa"),  # typed on an Arabic keyboard
        ("Persian", "fa"),
        ("ru", "ru"),
        ("ru_RU", "ru"),
        ("русский", "ru"),
        ("Русский", "ru"),
        ("english", "en"),
        ("en-GB", "en"),
    ],
)
async def test_a_language_is_named_by_code_tag_or_its_own_name(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory, typed: str, code: str
) -> None:
    assert language_named(typed) == code
    await started_with_a_tick(ada, clock)
    await ada.say(f"/settings language {typed}")
    assert await language_of(uow, ada) == code


async def test_an_unknown_language_changes_nothing_and_offers_the_ones_there_are(
    ada: Learner, clock: FrozenClock, uow: MemoryUnitOfWorkFactory
) -> None:
    await started_with_a_tick(ada, clock)
    before = await ada.say("/today")
    for typed in ("klingon", "", "xx-YY"):
        reply = await ada.say(f"/settings language {typed}")
        assert typed in reply
        assert ada.last is not None
        assert [b.action for b in ada.last.all_buttons] == [
            Settings("language", code).as_action() for code in i18n.LANGUAGES
        ]
        assert await language_of(uow, ada) is None
    assert await ada.say("/today") == before
    # The buttons work: pressed, Russian it is.
    await ada.press(Settings("language", "ru").as_action())
    assert await language_of(uow, ada) == "ru"
    # Asked in Russian, the list of languages is said in Russian.
    offered = await ada.say("/settings language klingon")
    with speaking("ru"):
        assert offered == views.language_choices("klingon").plain_text()
    assert await language_of(uow, ada) == "ru"


async def test_the_overview_names_the_language_spoken(
    coach: Coach, ada: Learner, clock: FrozenClock
) -> None:
    await started_with_a_tick(ada, clock)
    overview = await ada.say("/settings")
    assert i18n.NAMES["en"] in overview and "/settings language en | fa | ru" in overview
    await ada.say("/settings language ru")
    assert i18n.NAMES["ru"] in await ada.say("/settings")
    # Nothing chosen: the language their app speaks, first seen when they started.
    bob = Learner(coach, "bob")
    bob.ref = LearnerRef("test", "bob", "Bob", language="fa-IR")
    await bob.say("/start")
    assert i18n.NAMES["fa"] in await bob.say("/settings")


def russian_form(count: int, one: str, few: str, many: str) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return one
    return few if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14 else many


@pytest.mark.parametrize(
    ("count", "items", "days"),
    [
        (1, "1 пункт", "1 день"),
        (3, "3 пункта", "3 дня"),
        (5, "5 пунктов", "5 дней"),
        (21, "21 пункт", "21 день"),
        (12, "12 пунктов", "12 дней"),
    ],
)
def test_russian_plurals_pick_the_form_for_the_number(count: int, items: str, days: str) -> None:
    with speaking("ru"):
        assert views.plural(count, "item") == items
        assert views.streak_text(count) == f"Серия: {days}."


async def test_russian_replies_use_the_plural_form_of_their_count(
    ada: Learner, clock: FrozenClock
) -> None:
    await started_with_a_tick(ada, clock)
    await ada.say("/settings language ru")
    clock.set(MONDAY + timedelta(days=5, hours=2))  # Saturday: item 2 was due on Monday
    reply = await ada.say("/today")
    assert "Вы отстаёте на 5 учебных дней" in reply
    assert leaked(reply) == []
    left = re.search(r"Осталось: (\d+) (пункт\w*)", await ada.say("/plan"))
    assert left is not None
    count = int(left[1])
    assert left[2] == russian_form(count, "пункт", "пункта", "пунктов")


def test_persian_numbers_days_and_minutes_in_the_helpers_other_packages_use() -> None:
    with speaking("fa"):
        assert views.day_text(date(2026, 12, 4)) == "جمعه ۴ دسامبر"
        assert views.days_text(range(6)) == "دوشنبه–شنبه"
        assert views.plural(1.5, "day") == "۱٫۵ روز"  # the Persian decimal mark
        assert focus_views.minutes_text(timedelta(minutes=95)) == "۱ ساعت و ۳۵ دقیقه"
    with speaking("en"):
        assert views.day_text(date(2026, 12, 4)) == "Fri 4 Dec"
        assert views.days_text({0, 2, 4}) == "Mon, Wed, Fri"
        assert views.plural(1.5, "day") == "1.5 days"
        assert views.plural(2, "member") == "2 members"  # a word of another package
        assert focus_views.minutes_text(timedelta(minutes=95)) == "1 h 35 min"
