"""/start TRACK: a new learner starts the track named; a learner already on a track is
asked before switching, keeps their progress, and is shown the tracks there are when the
name is not one of them."""

from __future__ import annotations

from core.app.coach import Coach
from core.importing.markdown import ImportedTrack, import_markdown
from core.kernel.commands import Settings, Start
from core.learning.tracks import BUILTIN_TRACK_ID, builtin_track
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment, snapshot, ticks

ROADMAP = b"""# SQL in three weeks

## Week 1: Basics
- [ ] SELECT and WHERE
- [ ] ORDER BY and LIMIT

## Week 2: Joins
- Inner joins
- Outer joins

## Week 3: Indexes
- B-trees
"""


async def shared_track(coach: Coach, roadmap: bytes = ROADMAP) -> str:
    """A roadmap shared with every learner, as `coach import` does; its track id."""
    imported = import_markdown(roadmap, source="sql.md")
    assert isinstance(imported, ImportedTrack)
    await coach.share_track(imported, "sql.md")
    return imported.track.id


def actions(learner: Learner) -> list[str]:
    assert learner.last is not None
    return [button.action for button in learner.last.all_buttons]


async def test_another_track_is_asked_about_and_switched_to_on_confirmation(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    sql = await shared_track(coach)
    await ada.say("/start")
    await ada.say("/done")
    await ada.say("/done")

    question = await ada.say(f"/start {sql}")
    assert "SQL in three weeks" in question
    assert (await enrollment(uow, ada.ref)).track_id == BUILTIN_TRACK_ID  # not yet
    switch = Settings("track", sql).as_action()
    keep = Start(BUILTIN_TRACK_ID).as_action()
    assert actions(ada) == [switch, keep]

    await ada.press(switch)
    assert (await enrollment(uow, ada.ref)).track_id == sql
    assert await ticks(uow, ada.ref) == []

    # Back again: the two ticks on the built-in track are where they were.
    await ada.say(f"/start {BUILTIN_TRACK_ID}")
    assert Settings("track", BUILTIN_TRACK_ID).as_action() in actions(ada)
    await ada.press(Settings("track", BUILTIN_TRACK_ID).as_action())
    assert (await enrollment(uow, ada.ref)).track_id == BUILTIN_TRACK_ID
    assert len(await ticks(uow, ada.ref)) == 2


async def test_keeping_the_track_changes_nothing(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    sql = await shared_track(coach)
    await ada.say("/start")
    await ada.say("/done")
    before = await enrollment(uow, ada.ref)
    await ada.say(f"/start {sql.upper()}")  # names are not case-sensitive
    [_, keep] = actions(ada)
    reply = await ada.press(keep)
    assert "already on" in reply
    assert await enrollment(uow, ada.ref) == before
    assert len(await ticks(uow, ada.ref)) == 1


async def test_the_track_they_are_on_says_so_and_where_they_are(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    before = await enrollment(uow, ada.ref)
    reply = await ada.say(f"/start {BUILTIN_TRACK_ID}")
    assert "already on" in reply
    assert builtin_track().title in reply
    assert builtin_track().weeks[0].title in reply
    assert actions(ada) == ["today"]
    assert await enrollment(uow, ada.ref) == before


async def test_plain_start_still_welcomes_back(ada: Learner) -> None:
    await ada.say("/start")
    reply = await ada.say("/start")
    assert "Welcome back" in reply
    assert builtin_track().weeks[0].title in reply


async def test_an_unknown_track_lists_the_tracks_to_choose_from(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    sql = await shared_track(coach)
    await ada.say("/start")
    before = await enrollment(uow, ada.ref)
    reply = await ada.say("/start nope")
    assert "nope" in reply
    assert BUILTIN_TRACK_ID in reply and sql in reply
    # A button for each track but the one they are on; it switches as /settings track does.
    assert actions(ada) == [Settings("track", sql).as_action()]
    assert await enrollment(uow, ada.ref) == before


async def test_a_new_learner_with_an_unknown_track_chooses_from_buttons(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    sql = await shared_track(coach)
    reply = await ada.say("/start nope")
    assert BUILTIN_TRACK_ID in reply and sql in reply
    assert await snapshot(uow, ada.ref) is None
    assert actions(ada) == [Start(BUILTIN_TRACK_ID).as_action(), Start(sql).as_action()]
    await ada.press(Start(sql).as_action())
    assert (await enrollment(uow, ada.ref)).track_id == sql


async def test_a_new_learner_starts_an_imported_track_by_its_id(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    sql = await shared_track(coach)
    assert "SQL in three weeks" in await ada.say(f"/start {sql}")
    assert (await enrollment(uow, ada.ref)).track_id == sql


async def test_another_learners_own_roadmap_is_not_offered(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    bob = Learner(coach, "bob")
    await bob.say("/start")
    preview = await coach.import_roadmap(bob.ref, "sql.md", ROADMAP)  # private to Bob
    assert preview.all_buttons  # type: ignore[union-attr]
    private = import_markdown(ROADMAP, source="sql.md")
    assert isinstance(private, ImportedTrack)
    await ada.say("/start")
    reply = await ada.say(f"/start {private.track.id}")
    assert "There is no track" in reply
    assert actions(ada) == []  # the built-in track is the only one, and she is on it
    assert (await enrollment(uow, ada.ref)).track_id == BUILTIN_TRACK_ID
