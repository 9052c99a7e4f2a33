"""A learner's data: /export as a versioned document, and /forget deleting only when its
own one-time button is pressed, by its learner, in time."""

from __future__ import annotations

import json
from datetime import timedelta

from core.accounts.model import EXPORT_FORMAT, EXPORT_SECTIONS, EXPORT_VERSION
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.commands import MAX_ACTION_BYTES
from tests.conftest import Learner
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.unit.rules.support import rows, snapshot, ticks

ROADMAP = b"## Week 1: A\n- SQL joins\n- Indexes\n## Week 2: B\n- Transactions\n"


async def started(learner: Learner) -> None:
    await learner.say("/start")
    await learner.say("/done")


async def confirm_button(learner: Learner) -> str:
    """Asks /forget and returns its confirm button's action."""
    await learner.say("/forget")
    assert learner.last is not None
    confirm, cancel = (b.action for b in learner.last.all_buttons)
    assert confirm.startswith("forget:confirm ") and cancel.startswith("forget:cancel ")
    return confirm


async def kept(uow: MemoryUnitOfWorkFactory, learner: Learner) -> bool:
    return await snapshot(uow, learner.ref) is not None and len(await ticks(uow, learner.ref)) == 1


# -- forget -------------------------------------------------------------------------------


async def test_a_forged_or_typed_confirmation_deletes_nothing(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await started(ada)
    for forged in ("forget:confirm", "forget:yes", "forget:confirm 00000000000000000000"):
        answer = await ada.press(forged)
        assert "Nothing was deleted" in answer and "/forget" in answer, forged
    for typed in ("/forget yes", "/forget confirm"):
        assert "Nothing was deleted" in await ada.say(typed), typed
    assert await kept(uow, ada)


async def test_the_button_works_once(
    ada: Learner, uow: MemoryUnitOfWorkFactory, database: MemoryDatabase
) -> None:
    await started(ada)
    confirm = await confirm_button(ada)
    assert len(confirm.encode()) <= MAX_ACTION_BYTES
    assert "everything I kept about you is deleted" in await ada.press(confirm)
    assert await snapshot(uow, ada.ref) is None
    for table in database.tables:  # the used token went too
        assert rows(database, table) == 0, table
    # Started afresh, the old button deletes nothing.
    await started(ada)
    answer = await ada.press(confirm)
    assert "Nothing was deleted" in answer and "Send /forget to start again" in answer
    assert await kept(uow, ada)


async def test_a_cancelled_question_cannot_be_confirmed_later(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await started(ada)
    await ada.say("/forget")
    assert ada.last is not None
    confirm, cancel = (b.action for b in ada.last.all_buttons)
    assert "Nothing was deleted" in await ada.press(cancel)
    assert "Nothing was deleted" in await ada.press(confirm)
    assert await kept(uow, ada)


async def test_an_expired_button_deletes_nothing(
    ada: Learner, uow: MemoryUnitOfWorkFactory, clock: FrozenClock
) -> None:
    await started(ada)
    confirm = await confirm_button(ada)
    clock.advance(timedelta(minutes=10))
    answer = await ada.press(confirm)
    assert "Nothing was deleted" in answer and "expired" in answer
    assert await kept(uow, ada)
    # A fresh question is answered in time.
    confirm = await confirm_button(ada)
    clock.advance(timedelta(minutes=9))
    await ada.press(confirm)
    assert await snapshot(uow, ada.ref) is None


async def test_only_the_latest_question_can_be_confirmed(
    ada: Learner, uow: MemoryUnitOfWorkFactory
) -> None:
    await started(ada)
    first = await confirm_button(ada)
    second = await confirm_button(ada)
    assert first != second
    assert "Nothing was deleted" in await ada.press(first)
    assert await kept(uow, ada)
    await ada.press(second)
    assert await snapshot(uow, ada.ref) is None


async def test_another_learners_button_deletes_nothing(
    ada: Learner, coach: Coach, uow: MemoryUnitOfWorkFactory
) -> None:
    bob = Learner(coach, "bob")
    await started(ada)
    await started(bob)
    adas = await confirm_button(ada)
    assert "Nothing was deleted" in await bob.press(adas)
    assert await kept(uow, bob) and await kept(uow, ada)
    # Bob's try did not use Ada's button up.
    await ada.press(adas)
    assert await snapshot(uow, ada.ref) is None
    assert await kept(uow, bob)


# -- export -------------------------------------------------------------------------------


async def test_the_export_is_a_versioned_document_of_every_section(
    ada: Learner, coach: Coach
) -> None:
    preview = await coach.import_roadmap(ada.ref, "r.md", ROADMAP)
    await ada.press(preview.all_buttons[0].action)  # type: ignore[union-attr]
    await ada.say("/done")
    await ada.say("/export")
    assert ada.last is not None and ada.last.attachment is not None
    document = json.loads(ada.last.attachment.content)
    assert list(document)[:3] == ["format", "version", "exported_at"]
    assert (document["format"], document["version"]) == (EXPORT_FORMAT, EXPORT_VERSION)
    assert document["exported_at"] == "2026-11-16T08:00:00+00:00"
    assert list(document)[3:] == list(EXPORT_SECTIONS)
    [track] = document["imported_tracks"]
    assert isinstance(track["content"], dict)  # an object, not JSON inside a string
    assert [w["title"] for w in track["content"]["weeks"]] == ["A", "B"]
    [enrollment] = document["enrollments"]
    assert enrollment["active_days"] == ["2026-11-16"]
    assert enrollment["study_days"] == [0, 1, 2, 3, 4, 5]


async def test_a_learner_without_a_track_can_export_and_forget_what_they_sent(
    coach: Coach, ada: Learner, database: MemoryDatabase
) -> None:
    # A roadmap sent before any /start makes a learner with rows, but no track yet.
    await coach.import_roadmap(ada.ref, "r.md", ROADMAP)
    await ada.say("/export")
    assert ada.last is not None and ada.last.attachment is not None
    document = json.loads(ada.last.attachment.content)
    assert len(document["imported_tracks"]) == 1
    assert document["enrollments"] == []
    await ada.press(await confirm_button(ada))
    assert rows(database, "learners") == 0
    assert rows(database, "tracks") == 0
