"""An imported roadmap's preview: start it at a pace, look at its weeks first, rename it
before starting; and a learner keeps a bounded number of roadmaps of their own."""

from __future__ import annotations

from core.app.coach import Coach
from core.importing.roadmaps import MAX_OWN_ROADMAPS
from core.kernel.commands import Import, Settings, Start
from core.learning.pace import Pace
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment


def roadmap(tag: str = "sql", weeks: int = 3) -> bytes:
    parts = [f"# {tag.upper()} in {weeks} weeks\n"]
    for number in range(1, weeks + 1):
        parts.append(
            f"## Week {number}: Part {number} of {tag}\n- Topic {number}a\n- Topic {number}b\n"
        )
    return "\n".join(parts).encode()


async def imported(learner: Learner, data: bytes | None = None, name: str = "sql.md") -> str:
    """Imports a roadmap as the learner; the id of the track it became."""
    outcome = await learner.coach.import_roadmap(learner.ref, name, data or roadmap())
    learner._answer(name, outcome)
    week_buttons = [
        b.action
        for b in learner.last.all_buttons
        if b.action.startswith("import:week ")  # type: ignore[union-attr]
    ]
    assert len(week_buttons) == 1, "the preview offers to see week 1"
    return week_buttons[0].split()[1]


def actions(learner: Learner) -> list[str]:
    assert learner.last is not None
    return [button.action for button in learner.last.all_buttons]


async def test_a_new_learner_starts_an_imported_roadmap_at_the_pace_pressed(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    track_id = await imported(ada)
    starts = [Start(track_id, pace.value).as_action() for pace in Pace]
    assert starts == actions(ada)[:3]
    await ada.press(Start(track_id, Pace.ACCELERATED.value).as_action())
    e = await enrollment(uow, ada.ref)
    assert (e.track_id, e.pace) == (track_id, Pace.ACCELERATED)


async def test_a_learner_on_a_track_switches_to_the_import_at_the_pace_pressed(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    track_id = await imported(ada)
    switch = Settings("track", f"{track_id} {Pace.PART_TIME.value}").as_action()
    assert switch in actions(ada)
    await ada.press(switch)
    e = await enrollment(uow, ada.ref)
    assert (e.track_id, e.pace) == (track_id, Pace.PART_TIME)


async def test_an_unknown_pace_starts_nothing(ada: Learner, uow: MemoryUnitOfWorkFactory) -> None:
    track_id = await imported(ada)
    reply = await ada.say(f"/start {track_id} turbo")
    assert "nothing was started" in reply.lower()
    async with uow() as work:
        snapshot = await work.learners.load(ada.ref)
    assert snapshot is not None and snapshot.enrollment is None


async def test_the_weeks_can_be_seen_before_starting_and_paged(ada: Learner) -> None:
    track_id = await imported(ada)
    reply = await ada.press(Import(f"week {track_id}").as_action())
    assert "Topic 1a" in reply and "Topic 2a" not in reply
    assert Import(f"week {track_id} 2").as_action() in actions(ada)
    assert Start(track_id, Pace.STANDARD.value).as_action() in actions(ada)
    reply = await ada.press(Import(f"week {track_id} 2").as_action())
    assert "Topic 2a" in reply
    assert Import(f"week {track_id} 1").as_action() in actions(ada)
    assert Import(f"week {track_id} 3").as_action() in actions(ada)


async def test_another_learners_roadmap_cannot_be_looked_at(coach: Coach, ada: Learner) -> None:
    bob = Learner(coach, "bob")
    track_id = await imported(bob)
    await ada.press(Import(f"week {track_id}").as_action())
    assert actions(ada) == []


async def test_a_roadmap_is_renamed_before_it_is_started(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    track_id = await imported(ada)
    reply = await ada.say("/import name My SQL plan")
    assert "My SQL plan" in reply
    async with uow() as work:
        track = await work.tracks.load(track_id)
        visible = await work.tracks.visible(None)
    assert track is not None and track.title == "My SQL plan"
    await ada.press(Start(track_id, Pace.STANDARD.value).as_action())
    assert "My SQL plan" in (ada.last.plain_text() if ada.last else "")
    # Once followed, a roadmap keeps its name: caches elsewhere hold it by that name.
    await ada.say("/import name Another name")
    async with uow() as work:
        again = await work.tracks.load(track_id)
    assert again is not None and again.title == "My SQL plan"
    assert visible == []  # still hers alone


async def test_renaming_with_nothing_to_rename_or_a_bad_title_changes_nothing(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/import name Something")
    track_id = await imported(ada)
    for typed in ("/import name", "/import name    ", "/import name " + "x" * 201):
        await ada.say(typed)
    async with uow() as work:
        track = await work.tracks.load(track_id)
    assert track is not None and track.title == "SQL in 3 weeks"


async def test_the_oldest_unfollowed_roadmap_makes_room_for_a_new_one(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    first = await imported(ada, roadmap("first"))
    await ada.press(Start(first, "standard").as_action())  # followed: it stays
    ids = [first] + [await imported(ada, roadmap(f"r{n}")) for n in range(MAX_OWN_ROADMAPS - 1)]
    newest = await imported(ada, roadmap("newest"))
    async with uow() as work:
        kept = [t.id for t in await work.tracks.owned(1)]
    assert len(kept) == MAX_OWN_ROADMAPS
    assert ids[1] not in kept, "the oldest roadmap nobody follows made room"
    assert first in kept and newest in kept


async def test_a_new_roadmap_is_refused_when_every_kept_one_is_followed(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    for n in range(MAX_OWN_ROADMAPS):
        track_id = await imported(ada, roadmap(f"r{n}"))
        await ada.press(Settings("track", track_id).as_action())
    outcome = await ada.coach.import_roadmap(ada.ref, "one-more.md", roadmap("one more"))
    ada._answer("one-more", outcome)
    assert "nothing was saved" in ada.last.plain_text().lower()  # type: ignore[union-attr]
    async with uow() as work:
        assert len(await work.tracks.owned(1)) == MAX_OWN_ROADMAPS
