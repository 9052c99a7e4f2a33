"""/note 3 …: a note on item 3 of this week ("where I left off"), shown beside it in
/week; a number that names no item is a reflection like any other."""

from __future__ import annotations

from core.app.coach import Coach
from core.learning.tracks import BuiltinCatalog
from tests.conftest import Learner
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.unit.rules.support import enrollment

WEEK_ONE = BuiltinCatalog().get("python-backend")
assert WEEK_ONE is not None
ITEMS = WEEK_ONE.first_week.items


def checklist(learner: Learner) -> list[tuple[str, str]]:
    assert learner.last is not None
    return [
        (item.text, item.detail)
        for block in learner.last.blocks
        for item in getattr(block, "items", ())
    ]


async def notes(uow: MemoryUnitOfWorkFactory, learner: Learner) -> tuple[list[str], dict[str, str]]:
    e = await enrollment(uow, learner.ref)
    async with uow() as work:
        return (
            await work.journal.week_notes(e.id, e.current_week_id),
            await work.journal.item_notes(e.id, e.current_week_id),
        )


async def test_a_note_on_an_item_is_shown_beside_it_and_the_latest_wins(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    reply = await ada.say("/note 2 left off at chapter 4")
    assert ITEMS[1].title in reply
    await ada.say("/note 2 left off at chapter 5")
    await ada.say("/week")
    shown = checklist(ada)
    assert "note: left off at chapter 5" in shown[1][1]
    assert "note:" not in shown[0][1]
    assert await notes(uow, ada) == ([], {ITEMS[1].id: "left off at chapter 5"})
    assert "Reflection notes this week: 0" in (ada.last.plain_text() if ada.last else "")


async def test_a_number_that_names_no_item_is_a_reflection(
    coach: Coach, ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await ada.say("/start")
    many = len(ITEMS) + 1
    await ada.say(f"/note {many} things I learned today")
    await ada.say("/note 3")  # a number alone is a short reflection too
    assert await notes(uow, ada) == ([f"{many} things I learned today", "3"], {})
