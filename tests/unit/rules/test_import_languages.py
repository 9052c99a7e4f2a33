"""/help and importing a roadmap in Persian and Russian: the coach's own words translated,
numbers in the language's digits, the commands as learners type them."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from core.app import views as app_views
from core.app.coach import Coach
from core.importing import views as import_views
from core.importing.links import refused
from core.importing.markdown import MAX_BYTES
from core.importing.ports import Downloaded, DownloadProblem, DownloadRefused
from core.kernel.clock import FrozenClock
from core.kernel.i18n import speaking
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.tracks import BuiltinCatalog
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory

ROADMAP = b"# SQL\n## Week 1: Basics\n- SELECT\n- WHERE\n## Week 2: Joins\n- Inner joins\n"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
PERSIAN_LETTERS = re.compile("[\u0600-\u06ff]")
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
COMMAND = re.compile("/[a-z]+")


def speaker(coach: Coach, language: str) -> Learner:
    """A learner whose app is set to `language`."""
    learner = Learner(coach)
    learner.ref = LearnerRef("test", "ada", "Ada", language=language)
    return learner


def english_lines(reply: Reply) -> list[str]:
    return [line for line in reply.plain_text().splitlines() if line.strip()]


def leaked(said: str, english: list[str]) -> list[str]:
    return [line for line in english if line in said]


@pytest.mark.parametrize("language", ["fa", "ru"])
async def test_help_is_said_in_the_learners_language(coach: Coach, language: str) -> None:
    with speaking("en"):
        english = english_lines(app_views.help_text())
    said = await speaker(coach, language).say("/help")
    assert not leaked(said, english)
    lines = said.splitlines()
    assert len(lines) == len(english)
    # Every command is there as learners type it, and every line is in the language.
    for line, original in zip(lines[1:], english[1:], strict=True):
        assert COMMAND.findall(line)[0] == COMMAND.findall(original)[0]
        assert (PERSIAN_LETTERS if language == "fa" else CYRILLIC).search(line), line


async def test_a_roadmap_too_large_is_refused_in_persian_with_persian_digits(
    coach: Coach,
) -> None:
    data = b"- x\n" * (MAX_BYTES // 4 + 1)
    in_english = await coach.import_roadmap(speaker(coach, "en").ref, "big.md", data)
    assert isinstance(in_english, Reply)
    english = english_lines(in_english)
    outcome = await coach.import_roadmap(speaker(coach, "fa").ref, "big.md", data)
    assert isinstance(outcome, Reply)
    said = outcome.plain_text()
    assert not leaked(said, english)
    assert not re.search("[0-9]", said), said  # the size and the limit in Persian digits
    assert "۱" in said and "۰۰۰" in said
    assert PERSIAN_LETTERS.search(said)


async def test_a_roadmap_that_is_no_roadmap_is_refused_in_russian(coach: Coach) -> None:
    outcome = await coach.import_roadmap(speaker(coach, "ru").ref, "notes.md", b"Just prose.\n")
    assert isinstance(outcome, Reply)
    said = outcome.plain_text()
    assert "Ничего не сохранено." in said
    assert "«## Week 1: Python basics»" in said  # the example stays Markdown, quoted in Russian
    assert "Nothing was saved" not in said and "I read Markdown" not in said


@dataclass
class RefusingDownloads:
    """A site whose file is too large: the refusal is worded when the download is asked."""

    async def download(self, url: str, *, from_chat: bool) -> Downloaded | DownloadRefused:
        return refused(DownloadProblem.TOO_LARGE)


async def test_a_refused_link_is_explained_in_russian(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    coach = Coach(uow, clock, BuiltinCatalog(), downloads=RefusingDownloads())
    with speaking("en"):
        english = refused(DownloadProblem.TOO_LARGE).reason
    said = await speaker(coach, "ru").say("/import https://example.org/big.md")
    assert said != english
    assert "1 МБ" in said and said.endswith("Ничего не сохранено.")


async def test_the_preview_counts_in_persian_and_offers_the_paces_in_persian(
    coach: Coach,
) -> None:
    ada = speaker(coach, "fa")
    outcome = await coach.import_roadmap(ada.ref, "sql.md", ROADMAP)
    assert isinstance(outcome, Reply)
    said = outcome.plain_text()
    assert "SQL: ۲ هفته، ۳ مورد" in said  # the title is the roadmap's; the counts are ours
    assert "Basics" in said and "Inner joins" not in said
    labels = [button.label for button in outcome.all_buttons]
    assert labels[-1] == "دیدن هفتهٔ ۱"
    assert all(PERSIAN_LETTERS.search(label) for label in labels)
    # The buttons do what they did: their actions are the same in every language.
    english = await coach.import_roadmap(speaker(coach, "en").ref, "sql.md", ROADMAP)
    assert isinstance(english, Reply)
    assert [b.action for b in outcome.all_buttons] == [b.action for b in english.all_buttons]


@pytest.mark.parametrize(
    ("count", "form"),
    [
        (1, "собственная дорожная карта"),
        (3, "собственные дорожные карты"),
        (5, "собственных дорожных карт"),
        (21, "собственная дорожная карта"),
    ],
)
def test_russian_counts_of_roadmaps_take_their_plural_form(count: int, form: str) -> None:
    with speaking("ru"):
        said = import_views.too_many_roadmaps(count).plain_text()
    assert f"У вас уже {count} {form}," in said
