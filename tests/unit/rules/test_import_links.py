"""`/import LINK` in the core: the link goes to the downloads port as a learner's (public
addresses only), a refusal is passed on and saves nothing, and a coach without downloads
says so."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.app.coach import Coach
from core.importing.ports import Downloaded, DownloadProblem, DownloadRefused
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory

ROADMAP = b"# Go\n## Week 1: Basics\n- Slices\n## Week 2: More\n- Channels\n"


@dataclass
class FakeDownloads:
    answer: Downloaded | DownloadRefused
    asked: list[tuple[str, bool]] = field(default_factory=list)

    async def download(self, url: str, *, from_chat: bool) -> Downloaded | DownloadRefused:
        self.asked.append((url, from_chat))
        return self.answer


def coach_with(uow: MemoryUnitOfWorkFactory, clock: FrozenClock, downloads: FakeDownloads) -> Coach:
    return Coach(uow, clock, BuiltinCatalog(), downloads=downloads)


async def stored(uow: MemoryUnitOfWorkFactory) -> int:
    async with uow() as work:
        return len(await work.tracks.visible(1))


async def test_a_link_is_downloaded_as_the_learners_and_imported(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    downloads = FakeDownloads(Downloaded("https://example.org/go.md", "go.md", ROADMAP))
    ada = Learner(coach_with(uow, clock, downloads))
    reply = await ada.say("/import https://github.com/someone/go/blob/main/go.md")
    assert downloads.asked == [("https://github.com/someone/go/blob/main/go.md", True)]
    assert "2 weeks" in reply
    assert await stored(uow) == 1


async def test_a_refused_download_says_why_and_saves_nothing(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    refusal = DownloadRefused(
        DownloadProblem.WEB_PAGE, "That link is a web page. Nothing was saved."
    )
    ada = Learner(coach_with(uow, clock, FakeDownloads(refusal)))
    assert await ada.say("/import https://example.org/") == refusal.reason
    assert await stored(uow) == 0


async def test_a_coach_without_downloads_asks_for_the_file(coach: Coach, ada: Learner) -> None:
    reply = await ada.say("/import https://example.org/go.md")
    assert ".md" in reply
    assert ada.last is not None and ada.last.all_buttons == ()


async def test_words_after_import_are_not_taken_for_a_link(
    uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    downloads = FakeDownloads(Downloaded("https://example.org/go.md", "go.md", ROADMAP))
    ada = Learner(coach_with(uow, clock, downloads))
    await ada.say("/import my roadmap please")
    assert downloads.asked == []
