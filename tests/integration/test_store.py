"""Every store method against a real database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.kernel.errors import AlreadyDone, StorageError
from core.learning.activity import DayBitmap
from core.learning.pace import Pace
from core.ports import LearnerRef, NewEnrollment
from core.storage.engine import make_sessions
from core.storage.store import SqlUnitOfWork, SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
MONDAY = date(2026, 11, 16)


def new_enrollment(track_id: str = "python-backend") -> NewEnrollment:
    return NewEnrollment(
        track_id=track_id,
        started_on=MONDAY,
        pace=Pace.STANDARD,
        timezone="Europe/Berlin",
        study_days=frozenset({0, 2, 4}),
        nudge_time=time(7, 45),
        current_week_id="w01",
        next_nudge_at=datetime(2026, 11, 16, 6, 45, tzinfo=UTC),
    )


@pytest.fixture
def uow(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(make_sessions(engine))


async def seeded(uow: SqlUnitOfWorkFactory, external_id: str = "ada") -> tuple[int, int]:
    async with uow() as work:
        snapshot = await work.store.create_learner(
            LearnerRef("test", external_id, "Ada"), new_enrollment()
        )
        await work.commit()
    assert snapshot.enrollment is not None
    return snapshot.learner_id, snapshot.enrollment.id


async def test_load_unknown_identity_is_none(uow: SqlUnitOfWorkFactory) -> None:
    async with uow() as work:
        assert await work.store.load("test", "nobody") is None


async def test_create_and_load_round_trip(uow: SqlUnitOfWorkFactory) -> None:
    learner_id, enrollment_id = await seeded(uow)
    async with uow() as work:
        snapshot = await work.store.load("test", "ada")
    assert snapshot is not None
    e = snapshot.enrollment
    assert e is not None
    assert (snapshot.learner_id, e.id, e.track_id, e.pace) == (
        learner_id,
        enrollment_id,
        "python-backend",
        Pace.STANDARD,
    )
    assert (e.timezone, e.study_days, e.nudge_time) == (
        "Europe/Berlin",
        frozenset({0, 2, 4}),
        time(7, 45),
    )
    assert e.next_nudge_at == datetime(2026, 11, 16, 6, 45, tzinfo=UTC)
    assert (e.current_week_id, e.week_opened_on, e.paused_since) == ("w01", MONDAY, None)
    assert snapshot.week_done == {}


async def test_uncommitted_work_is_rolled_back(uow: SqlUnitOfWorkFactory) -> None:
    async with uow() as work:
        await work.store.create_learner(LearnerRef("test", "ghost"), new_enrollment())
    async with uow() as work:
        assert await work.store.load("test", "ghost") is None


async def test_completions_load_with_the_current_week_only(uow: SqlUnitOfWorkFactory) -> None:
    _, enrollment_id = await seeded(uow)
    async with uow() as work:
        await work.store.add_completion(
            enrollment_id,
            week_id="w01",
            item_id="w01-a",
            done_on=MONDAY,
            done_at=NOW,
            completes_week=False,
        )
        await work.store.add_completion(
            enrollment_id,
            week_id="w02",
            item_id="w02-a",
            done_on=MONDAY,
            done_at=NOW,
            completes_week=False,
        )
        with pytest.raises(AlreadyDone):
            await work.store.add_completion(
                enrollment_id,
                week_id="w01",
                item_id="w01-a",
                done_on=MONDAY,
                done_at=NOW,
                completes_week=False,
            )
        await work.commit()
    async with uow() as work:
        snapshot = await work.store.load("test", "ada")
        assert snapshot is not None
        assert snapshot.week_done == {"w01-a": MONDAY}
        assert await work.store.week_done(enrollment_id, "w02") == {"w02-a": MONDAY}


async def test_save_enrollment_keeps_every_field(uow: SqlUnitOfWorkFactory) -> None:
    await seeded(uow)
    async with uow() as work:
        snapshot = await work.store.load("test", "ada")
        assert snapshot is not None and snapshot.enrollment is not None
        e = snapshot.enrollment
        e.active_days = DayBitmap(MONDAY).with_days([MONDAY, date(2026, 12, 31)])
        e.paused_days = DayBitmap(MONDAY).with_day(date(2026, 11, 20))
        e.paused_since = date(2026, 11, 21)
        e.pace = Pace.ACCELERATED
        e.timezone = "Asia/Tokyo"
        e.study_days = frozenset({5, 6})
        e.nudge_time = time(21, 5)
        e.current_week_id = "w02"
        e.week_opened_on = date(2026, 11, 22)
        e.next_nudge_at = None
        await work.store.save_enrollment(e)
        await work.commit()
    async with uow() as work:
        again = await work.store.load("test", "ada")
    assert again is not None
    assert again.enrollment == e


async def test_last_completion_delete_and_day_lookup(uow: SqlUnitOfWorkFactory) -> None:
    _, enrollment_id = await seeded(uow)
    async with uow() as work:
        store = work.store
        assert await store.last_completion(enrollment_id) is None
        for minute, item in enumerate(("w01-a", "w01-b", "w01-c")):
            await store.add_completion(
                enrollment_id,
                week_id="w01",
                item_id=item,
                done_on=MONDAY,
                done_at=NOW.replace(minute=minute),
                completes_week=item == "w01-c",
            )
        last = await store.last_completion(enrollment_id)
        assert last is not None
        assert (last.item_id, last.completes_week) == ("w01-c", True)
        assert await store.week_completed_on(enrollment_id, "w01") == MONDAY
        await store.delete_completion(last.id)
        assert await store.week_completed_on(enrollment_id, "w01") is None
        assert await store.any_completion_on(enrollment_id, MONDAY)
        assert not await store.any_completion_on(enrollment_id, date(2026, 11, 17))


async def test_hours_notes_and_progress(uow: SqlUnitOfWorkFactory) -> None:
    learner_id, enrollment_id = await seeded(uow)
    async with uow() as work:
        store = work.store
        await store.add_hours(learner_id, enrollment_id, on=MONDAY, hours=1.25, at=NOW)
        await store.add_hours(learner_id, enrollment_id, on=MONDAY, hours=2, at=NOW)
        await store.add_hours(learner_id, enrollment_id, on=date(2026, 11, 9), hours=3.5, at=NOW)
        assert await store.hours_on(learner_id, MONDAY) == 3.25
        assert await store.hours_on(learner_id, date(2026, 11, 17)) == 0
        await store.add_note(
            learner_id,
            enrollment_id,
            week_id="w01",
            on=MONDAY,
            text="second",
            at=NOW.replace(hour=9),
        )
        await store.add_note(
            learner_id, enrollment_id, week_id="w01", on=MONDAY, text="first", at=NOW
        )
        await store.add_note(
            learner_id, enrollment_id, week_id="w02", on=MONDAY, text="other", at=NOW
        )
        assert await store.week_notes(enrollment_id, "w01") == ["first", "second"]
        await store.add_completion(
            enrollment_id,
            week_id="w01",
            item_id="w01-z",
            done_on=MONDAY,
            done_at=NOW,
            completes_week=True,
        )
        figures = await store.progress(
            enrollment_id, hours_from=MONDAY, hours_to=date(2026, 11, 22)
        )
        await work.commit()
    assert figures.items_done == 1
    assert figures.weeks_completed == {"w01": MONDAY}
    assert (figures.hours_total, figures.hours_in_range) == (6.75, 3.25)


async def test_switching_enrollments_keeps_one_active(uow: SqlUnitOfWorkFactory) -> None:
    learner_id, first_id = await seeded(uow)
    async with uow() as work:
        assert await work.store.find_enrollment(learner_id, "other-track") is None
        other = await work.store.create_enrollment(learner_id, new_enrollment("other-track"))
        await work.commit()
    async with uow() as work:
        snapshot = await work.store.load("test", "ada")
        assert snapshot is not None and snapshot.enrollment is not None
        assert snapshot.enrollment.id == other.id
        await work.store.activate(learner_id, first_id)
        await work.commit()
    async with uow() as work:
        snapshot = await work.store.load("test", "ada")
        assert snapshot is not None and snapshot.enrollment is not None
        assert snapshot.enrollment.id == first_id
        found = await work.store.find_enrollment(learner_id, "other-track")
        assert found is not None and found.id == other.id


async def test_export_and_forget_touch_only_that_learner(uow: SqlUnitOfWorkFactory) -> None:
    ada_id, ada_enrollment = await seeded(uow, "ada")
    bob_id, _ = await seeded(uow, "bob")
    async with uow() as work:
        await work.store.add_hours(ada_id, ada_enrollment, on=MONDAY, hours=1, at=NOW)
        await work.commit()
    async with uow() as work:
        exported = await work.store.export(ada_id)
    assert exported["learner"]["id"] == ada_id
    assert [i["external_id"] for i in exported["identities"]] == ["ada"]
    assert exported["enrollments"][0]["study_days"] == [0, 2, 4]
    assert exported["hours"][0]["hours"] == 1.0
    async with uow() as work:
        await work.store.forget(ada_id)
        await work.commit()
    async with uow() as work:
        assert await work.store.load("test", "ada") is None
        assert await work.store.load("test", "bob") is not None
        assert (await work.store.export(bob_id))["learner"]["id"] == bob_id


async def test_sql_errors_become_storage_errors(engine: AsyncEngine) -> None:
    sessions = make_sessions(engine)
    with pytest.raises(StorageError):
        async with SqlUnitOfWork(sessions) as work:
            await work.store.add_completion(  # no such enrollment: a foreign key violation
                999,
                week_id="w01",
                item_id="w01-a",
                done_on=MONDAY,
                done_at=NOW,
                completes_week=False,
            )
            await work.commit()
