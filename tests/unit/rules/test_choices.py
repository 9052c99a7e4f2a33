"""/choose: where a track says "choose one", the learner follows one option, switches with
a button or by name, and loses no tick by switching; bad input changes nothing and says so."""

from __future__ import annotations

import pytest

from core.app.coach import Coach
from core.importing.markdown import ImportedTrack
from core.kernel.commands import Choose
from tests.choice_tracks import CHOICE_TRACK_ID, choice_track
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment, snapshot

PICK_DJANGO = Choose("c1=b").as_action()
PICK_FASTAPI = Choose("c1=a").as_action()


@pytest.fixture
async def on_choice_track(coach: Coach, ada: Learner) -> Learner:
    await coach.share_track(ImportedTrack(choice_track(), "test", []), "web.md")
    await ada.say(f"/start {CHOICE_TRACK_ID}")
    return ada


async def into_week_two(learner: Learner) -> None:
    await learner.say("/done 1")
    await learner.say("/done 2")


def actions(learner: Learner) -> list[str]:
    assert learner.last is not None
    return [button.action for button in learner.last.all_buttons]


async def picks(uow: MemoryUnitOfWorkFactory, learner: Learner) -> dict[str, str]:
    return (await enrollment(uow, learner.ref)).picks


async def week_titles(learner: Learner) -> list[str]:
    await learner.say("/week")
    assert learner.last is not None
    return [
        item.text.split(". ", 1)[1]
        for block in learner.last.blocks
        for item in getattr(block, "items", ())
    ]


async def test_choose_lists_the_blocks_and_offers_the_other_option(
    on_choice_track: Learner,
) -> None:
    reply = await on_choice_track.say("/choose")
    assert "FastAPI" in reply and "Django" in reply
    assert actions(on_choice_track) == [PICK_DJANGO]


async def test_the_week_of_a_choice_shows_the_option_followed_and_a_button_for_the_other(
    on_choice_track: Learner,
) -> None:
    await into_week_two(on_choice_track)
    assert await week_titles(on_choice_track) == [
        "FastAPI routing",
        "Pydantic models",
        "Write tests for it",
    ]
    assert actions(on_choice_track) == [PICK_DJANGO]


async def test_a_pick_by_button_swaps_the_weeks_items_and_is_stored(
    on_choice_track: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await into_week_two(on_choice_track)
    await on_choice_track.press(PICK_DJANGO)
    assert "week" in actions(on_choice_track)
    assert await picks(uow, on_choice_track) == {"c1": "b"}
    assert await week_titles(on_choice_track) == ["Django apps", "Django ORM", "Write tests for it"]
    assert actions(on_choice_track) == [PICK_FASTAPI]
    await on_choice_track.say("/week 3")
    assert "Django REST framework" in on_choice_track.last.plain_text()  # type: ignore[union-attr]


async def test_ticks_stay_with_their_option_when_the_learner_switches_back(
    on_choice_track: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await into_week_two(on_choice_track)
    await on_choice_track.say("/done 1")  # FastAPI routing
    await on_choice_track.press(PICK_DJANGO)
    found = await snapshot(uow, on_choice_track.ref)
    assert found is not None and set(found.week_done) == {"w02-01"}
    await on_choice_track.say("/done 1")  # Django apps
    await on_choice_track.press(PICK_FASTAPI)
    await on_choice_track.say("/week")
    checklist = [
        item
        for block in on_choice_track.last.blocks  # type: ignore[union-attr]
        for item in getattr(block, "items", ())
    ]
    assert [item.done for item in checklist] == [True, False, False]


@pytest.mark.parametrize("typed", ["django", "Django", "djan", "ang"])
async def test_an_option_is_picked_by_its_name_or_part_of_it(
    on_choice_track: Learner, uow: MemoryUnitOfWorkFactory, typed: str
) -> None:
    await on_choice_track.say(f"/choose {typed}")
    assert await picks(uow, on_choice_track) == {"c1": "b"}


@pytest.mark.parametrize("typed", ["flask", "c1=z", "zz=b"])
async def test_an_unknown_option_changes_nothing_and_says_so(
    on_choice_track: Learner, uow: MemoryUnitOfWorkFactory, typed: str
) -> None:
    reply = await on_choice_track.say(f"/choose {typed}")
    assert "nothing changed" in reply.lower()
    assert await picks(uow, on_choice_track) == {}


async def test_an_ambiguous_name_asks_which_and_changes_nothing(
    on_choice_track: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await on_choice_track.say("/choose a")  # in both FastAPI and Django
    assert set(actions(on_choice_track)) == {PICK_FASTAPI, PICK_DJANGO}
    assert await picks(uow, on_choice_track) == {}


async def test_picking_the_option_already_followed_stores_nothing(
    on_choice_track: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await on_choice_track.press(PICK_FASTAPI)
    assert await picks(uow, on_choice_track) == {}


async def test_a_track_without_choices_says_so(ada: Learner) -> None:
    await ada.say("/start")
    await ada.say("/choose django")
    assert actions(ada) == []


async def test_choose_before_starting_asks_to_start(ada: Learner) -> None:
    reply = await ada.say("/choose django")
    assert "/start" in reply
