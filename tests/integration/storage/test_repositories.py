"""The repositories' contract, on the memory fake, SQLite and PostgreSQL alike: what the
rule tests learn on the fake holds for the real storage."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.accounts.model import MergedEnrollment
from core.app.ports import UnitOfWork
from core.groups.model import (
    Membership,
    NewStudyGroup,
    QuizResult,
    QuizTally,
    ReviewRecord,
    Sharing,
    StudyGroup,
)
from core.kernel.errors import AlreadyDone, StorageError
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.schedule import QuietHours, Slot
from core.learning.activity import DayBitmap
from core.learning.model import NewCompletion
from core.learning.pace import Pace
from core.learning.tracks import Track, parse_track
from core.outreach.model import Kind, NewOutboxItem, Recipient, Status
from core.quizzes.review import Recall, review
from tests.conftest import MONDAY_MORNING
from tests.integration.storage.conftest import Factory, new_enrollment

NOW = MONDAY_MORNING
MONDAY = date(2026, 11, 16)
TUESDAY = date(2026, 11, 17)
ADA = LearnerRef("test", "ada", "Ada")
BOB = LearnerRef("test", "bob", "Bob")
CHAT = ChatRef("test", "-100", "Backend cohort", parent="server-1")


async def seeded(
    uow: Factory, who: LearnerRef = ADA, track_id: str = "python-backend", **changes: object
) -> tuple[int, int]:
    async with uow() as work:
        snapshot = await work.learners.create(who, new_enrollment(track_id, **changes), at=NOW)
        await work.commit()
    assert snapshot.enrollment is not None
    return snapshot.learner_id, snapshot.enrollment.id


async def tick(work: UnitOfWork, enrollment_id: int, item_id: str, **changes: object) -> None:
    fields: dict[str, object] = {
        "week_id": item_id.split("-")[0],
        "item_id": item_id,
        "done_on": MONDAY,
        "done_at": NOW,
        "completes_week": False,
        **changes,
    }
    await work.ticks.add(enrollment_id, **fields)  # type: ignore[arg-type]


def new_group(chat: ChatRef = CHAT, **changes: object) -> NewStudyGroup:
    fields: dict[str, object] = {
        "chat": chat,
        "track_id": "python-backend",
        "timezone": "UTC",
        "digest_time": time(9, 0),
        "report_time": time(18, 0),
        "study_days": frozenset(range(6)),
        "quiz_days": frozenset({0, 2, 4}),
        "started_on": MONDAY,
        "next_digest_at": NOW + timedelta(hours=1),
        "next_report_at": NOW + timedelta(days=5, hours=10),
        **changes,
    }
    return NewStudyGroup(**fields)  # type: ignore[arg-type]


def member(group_id: int, learner_id: int, who: LearnerRef, minutes: int = 0) -> Membership:
    return Membership(group_id, learner_id, who, NOW + timedelta(minutes=minutes), Sharing())


def owed(
    recipient: Recipient, kind: Kind = Kind.PLAN, day: date = MONDAY, due: datetime = NOW
) -> NewOutboxItem:
    return NewOutboxItem(recipient, kind, day, due, due)


def small_track(track_id: str, title: str) -> Track:
    return parse_track(
        {
            "id": track_id,
            "title": title,
            "weeks": [
                {
                    "id": f"{track_id}-w1",
                    "number": 1,
                    "title": "One",
                    "items": [{"id": f"{track_id}-a", "kind": "learn", "title": "A"}],
                }
            ],
        }
    )


# -- learners and identities -------------------------------------------------------------


async def test_an_unknown_identity_loads_as_none(uow: Factory) -> None:
    async with uow() as work:
        assert await work.learners.load(ADA) is None
        assert await work.learners.load_by_id(999) is None


async def test_create_and_load_round_trip(uow: Factory) -> None:
    learner_id, enrollment_id = await seeded(uow)
    async with uow() as work:
        snapshot = await work.learners.load(ADA)
        by_id = await work.learners.load_by_id(learner_id)
    assert snapshot is not None and by_id is not None
    assert snapshot == by_id
    e = snapshot.enrollment
    assert e is not None
    assert (snapshot.learner_id, e.id, e.learner_id, e.track_id) == (
        learner_id,
        enrollment_id,
        learner_id,
        "python-backend",
    )
    assert (e.pace, e.timezone, e.study_days, e.nudge_time) == (
        Pace.STANDARD,
        "Europe/Berlin",
        frozenset({0, 2, 4}),
        time(7, 45),
    )
    assert e.next_nudge_at == datetime(2026, 11, 16, 6, 45, tzinfo=UTC)
    assert (e.current_week_id, e.week_opened_on, e.paused_since) == ("w01", MONDAY, None)
    assert (e.active_days.days(), e.paused_days.days()) == ([], [])
    assert (snapshot.week_done, snapshot.reachable) == ({}, True)


async def test_a_learner_without_a_track_loads_without_an_enrollment(uow: Factory) -> None:
    async with uow() as work:
        created = await work.learners.create(ADA, None, at=NOW)
        await work.commit()
    async with uow() as work:
        snapshot = await work.learners.load(ADA)
    assert snapshot is not None
    assert (snapshot.learner_id, snapshot.enrollment) == (created.learner_id, None)


async def test_uncommitted_work_is_rolled_back(uow: Factory) -> None:
    async with uow() as work:
        await work.learners.create(ADA, new_enrollment(), at=NOW)
    async with uow() as work:
        assert await work.learners.load(ADA) is None


async def test_work_after_a_commit_is_rolled_back_on_leaving(uow: Factory) -> None:
    learner_id, enrollment_id = await seeded(uow)
    async with uow() as work:
        await work.journal.add_hours(learner_id, enrollment_id, on=MONDAY, hours=1, at=NOW)
        await work.commit()
        await work.journal.add_hours(learner_id, enrollment_id, on=MONDAY, hours=2, at=NOW)
    async with uow() as work:
        assert await work.journal.hours_on(learner_id, MONDAY) == 1


async def test_an_identity_is_one_learners_only(uow: Factory) -> None:
    await seeded(uow)
    with pytest.raises(StorageError):
        async with uow() as work:
            await work.learners.create(ADA, None, at=NOW)
            await work.commit()


async def test_two_units_creating_one_identity_at_once_make_one_learner(uow: Factory) -> None:
    async def create() -> bool:
        try:
            async with uow() as work:
                await work.learners.create(ADA, new_enrollment(), at=NOW)
                await asyncio.sleep(0.01)
                await work.commit()
        except StorageError:
            return False
        return True

    assert sorted(await asyncio.gather(create(), create())) == [False, True]
    async with uow() as work:
        snapshot = await work.learners.load(ADA)
        assert snapshot is not None
        assert len(await work.enrollments.of_learner(snapshot.learner_id)) == 1


async def test_a_locking_load_waits_for_the_learners_other_unit_and_reads_its_commit(
    uow: Factory,
) -> None:
    learner_id, enrollment_id = await seeded(uow)
    locked = asyncio.Event()
    order: list[str] = []

    async def ticking() -> None:
        async with uow() as work:
            await work.learners.load(ADA, lock=True)
            locked.set()
            await asyncio.sleep(0.02)  # room for the other unit to overtake, were it free to
            await tick(work, enrollment_id, "w01-a")
            order.append("ticked")
            await work.commit()

    async def reading(load_by_id: bool) -> dict[str, date]:
        await locked.wait()
        async with uow() as work:
            snapshot = await (
                work.learners.load_by_id(learner_id, lock=True)
                if load_by_id
                else work.learners.load(ADA, lock=True)
            )
            order.append("read")
            assert snapshot is not None
            return snapshot.week_done

    for by_id in (False, True):
        order.clear()
        locked.clear()
        _, seen = await asyncio.gather(ticking(), reading(by_id))
        assert order == ["ticked", "read"]
        assert "w01-a" in seen
        async with uow() as work:
            last = await work.ticks.last(enrollment_id)
            assert last is not None
            await work.ticks.delete(last.id)
            await work.commit()


async def test_identities_oldest_first_and_reachability(uow: Factory) -> None:
    learner_id, _ = await seeded(uow)
    discord = LearnerRef("discord", "dc-ada", "Ada D")
    async with uow() as work:
        await work.learners.add_identity(learner_id, discord, at=NOW + timedelta(hours=1))
        await work.commit()
    async with uow() as work:
        identities = await work.learners.identities(learner_id)
        assert [(i.who, i.reachable) for i in identities] == [(ADA, True), (discord, True)]
        snapshot = await work.learners.load(discord)
        assert snapshot is not None and snapshot.learner_id == learner_id
        await work.learners.set_reachable(ADA, reachable=False)
        await work.commit()
    async with uow() as work:
        assert (await work.learners.load(ADA)).reachable is False  # type: ignore[union-attr]
        assert (await work.learners.load(discord)).reachable is True  # type: ignore[union-attr]
        # A learner is reachable while any of their identities is.
        assert (await work.learners.load_by_id(learner_id)).reachable is True  # type: ignore[union-attr]
        await work.learners.set_reachable(discord, reachable=False)
        await work.commit()
    async with uow() as work:
        assert (await work.learners.load_by_id(learner_id)).reachable is False  # type: ignore[union-attr]
        assert [i.reachable for i in await work.learners.identities(learner_id)] == [False, False]


# -- enrollments ------------------------------------------------------------------------


async def test_save_enrollment_keeps_every_field(uow: Factory) -> None:
    await seeded(uow)
    async with uow() as work:
        snapshot = await work.learners.load(ADA)
        assert snapshot is not None and snapshot.enrollment is not None
        e = snapshot.enrollment
        e.active_days = DayBitmap(MONDAY).with_days([MONDAY, date(2026, 12, 31)])
        e.paused_days = DayBitmap(MONDAY).with_day(date(2026, 11, 20))
        e.paused_since = date(2026, 11, 21)
        e.pace = Pace.ACCELERATED
        e.timezone = "Asia/Tokyo"
        e.study_days = frozenset({5, 6})
        e.nudge_time = time(21, 5)
        e.evening_time = time(19, 30)
        e.next_evening_at = datetime(2026, 11, 16, 10, 30, tzinfo=UTC)
        e.quiz_days = frozenset({1})
        e.quiet_hours = QuietHours(time(22, 0), time(7, 0))
        e.current_week_id = "w02"
        e.week_opened_on = date(2026, 11, 22)
        e.next_nudge_at = None
        e.picks = {"c1": "b", "c12": "a"}
        e.moved = {"w02-a": date(2026, 11, 23), "w02-b": date(2026, 11, 24)}
        await work.enrollments.save(e)
        await work.commit()
    async with uow() as work:
        again = await work.learners.load(ADA)
    assert again is not None
    assert again.enrollment == e


async def test_a_loaded_enrollment_is_a_copy(uow: Factory) -> None:
    await seeded(uow)
    async with uow() as work:
        snapshot = await work.learners.load(ADA)
        assert snapshot is not None and snapshot.enrollment is not None
        snapshot.enrollment.current_week_id = "w09"
        again = await work.learners.load(ADA)
    assert again is not None and again.enrollment is not None
    assert again.enrollment.current_week_id == "w01"


async def test_one_enrollment_is_active_and_leaving_one_stops_its_nudges(uow: Factory) -> None:
    learner_id, first_id = await seeded(uow)
    async with uow() as work:
        assert await work.enrollments.find(learner_id, "other-track") is None
        other = await work.enrollments.create(learner_id, new_enrollment("other-track"), at=NOW)
        await work.commit()
    async with uow() as work:
        snapshot = await work.learners.load(ADA)
        assert snapshot is not None and snapshot.enrollment is not None
        assert snapshot.enrollment.id == other.id
        first = await work.enrollments.find(learner_id, "python-backend")
        assert first is not None and first.next_nudge_at is None
        await work.enrollments.activate(learner_id, first_id)
        await work.commit()
    async with uow() as work:
        snapshot = await work.learners.load(ADA)
        assert snapshot is not None and snapshot.enrollment is not None
        assert snapshot.enrollment.id == first_id
        found = await work.enrollments.find(learner_id, "other-track")
        assert found is not None and found.id == other.id and found.next_nudge_at is None
        listed = await work.enrollments.of_learner(learner_id)
    assert [e.id for e in listed] == [first_id, other.id]


async def test_one_enrollment_per_track(uow: Factory) -> None:
    learner_id, _ = await seeded(uow)
    with pytest.raises(StorageError):
        async with uow() as work:
            await work.enrollments.create(learner_id, new_enrollment(), at=NOW)
            await work.commit()


# -- ticks, hours and notes ------------------------------------------------------------


async def test_an_item_is_ticked_once_and_the_snapshot_has_this_week_only(uow: Factory) -> None:
    _, enrollment_id = await seeded(uow)
    async with uow() as work:
        await tick(work, enrollment_id, "w01-a")
        await tick(work, enrollment_id, "w02-a")
        with pytest.raises(AlreadyDone):
            await tick(work, enrollment_id, "w01-a", done_on=TUESDAY)
        await work.commit()
    async with uow() as work:
        snapshot = await work.learners.load(ADA)
        assert snapshot is not None
        assert snapshot.week_done == {"w01-a": MONDAY}
        assert await work.ticks.week_done(enrollment_id, "w02") == {"w02-a": MONDAY}
        with pytest.raises(AlreadyDone):
            await tick(work, enrollment_id, "w02-a")


async def test_an_item_ticked_by_two_units_at_once_counts_once(uow: Factory) -> None:
    _, enrollment_id = await seeded(uow)

    async def done() -> str:
        try:
            async with uow() as work:
                await tick(work, enrollment_id, "w01-a")
                await asyncio.sleep(0.01)
                await work.commit()
        except AlreadyDone:
            return "already"
        return "done"

    assert sorted(await asyncio.gather(done(), done())) == ["already", "done"]


async def test_last_tick_delete_and_day_lookup(uow: Factory) -> None:
    _, enrollment_id = await seeded(uow)
    async with uow() as work:
        assert await work.ticks.last(enrollment_id) is None
        for minute, item in enumerate(("w01-a", "w01-b", "w01-c")):
            await tick(
                work,
                enrollment_id,
                item,
                done_at=NOW.replace(minute=minute),
                completes_week=item == "w01-c",
            )
        last = await work.ticks.last(enrollment_id)
        assert last is not None
        assert (last.item_id, last.week_id, last.completes_week) == ("w01-c", "w01", True)
        assert last.done_at == NOW.replace(minute=2)
        assert await work.ticks.week_completed_on(enrollment_id, "w01") == MONDAY
        await work.ticks.delete(last.id)
        assert await work.ticks.week_completed_on(enrollment_id, "w01") is None
        assert await work.ticks.any_on(enrollment_id, MONDAY)
        assert not await work.ticks.any_on(enrollment_id, TUESDAY)
        listed = await work.ticks.of_enrollment(enrollment_id)
        assert [c.item_id for c in listed] == ["w01-a", "w01-b"]
        last = await work.ticks.last(enrollment_id)
        assert last is not None and last.item_id == "w01-b"
        first = await work.ticks.of_item(enrollment_id, "w01-a")
        assert first is not None and (first.week_id, first.done_at) == ("w01", NOW)
        assert await work.ticks.of_item(enrollment_id, "w01-c") is None
        assert await work.ticks.of_item(enrollment_id + 1, "w01-a") is None


async def test_a_skipped_item_settles_the_week_but_is_no_study(uow: Factory) -> None:
    _, enrollment_id = await seeded(uow)
    async with uow() as work:
        await tick(work, enrollment_id, "w01-a")
        await tick(work, enrollment_id, "w01-b", done_on=TUESDAY, skipped=True)
        await work.commit()
    async with uow() as work:
        assert await work.ticks.week_done(enrollment_id, "w01") == {
            "w01-a": MONDAY,
            "w01-b": TUESDAY,
        }
        assert [c.skipped for c in await work.ticks.of_enrollment(enrollment_id)] == [False, True]
        assert not await work.ticks.any_on(enrollment_id, TUESDAY)
        figures = await work.ticks.progress(enrollment_id, hours_from=MONDAY, hours_to=TUESDAY)
        assert figures.items_done == 1


async def test_hours_are_summed_by_day_from_a_date_on(uow: Factory) -> None:
    learner_id, enrollment_id = await seeded(uow)
    async with uow() as work:
        for day, hours in ((MONDAY, 1.5), (TUESDAY, 0.25), (TUESDAY, 0.5), (date(2026, 11, 18), 2)):
            await work.journal.add_hours(learner_id, enrollment_id, on=day, hours=hours, at=NOW)
        await work.commit()
    async with uow() as work:
        assert await work.journal.hours_by_day(enrollment_id, since=TUESDAY) == {
            TUESDAY: 0.75,
            date(2026, 11, 18): 2.0,
        }


async def test_a_tick_on_no_enrollment_is_a_storage_error(uow: Factory) -> None:
    with pytest.raises(StorageError):
        async with uow() as work:
            await tick(work, 999, "w01-a")
            await work.commit()


async def test_hours_notes_and_progress(uow: Factory) -> None:
    learner_id, enrollment_id = await seeded(uow)
    async with uow() as work:
        journal = work.journal
        await journal.add_hours(learner_id, enrollment_id, on=MONDAY, hours=1.25, at=NOW)
        await journal.add_hours(learner_id, enrollment_id, on=MONDAY, hours=2, at=NOW)
        await journal.add_hours(learner_id, enrollment_id, on=date(2026, 11, 9), hours=3.5, at=NOW)
        assert await journal.hours_on(learner_id, MONDAY) == 3.25
        assert await journal.hours_on(learner_id, TUESDAY) == 0
        for text, week, at in (
            ("second", "w01", NOW.replace(hour=9)),
            ("first", "w01", NOW),
            ("other", "w02", NOW),
        ):
            await journal.add_note(
                learner_id, enrollment_id, week_id=week, on=MONDAY, text=text, at=at
            )
        for text, item, at in (
            ("left off at 4.2", "w01-a", NOW),
            ("left off at 4.5", "w01-a", NOW.replace(hour=10)),
            ("stuck on joins", "w01-b", NOW),
        ):
            await journal.add_note(
                learner_id, enrollment_id, week_id="w01", on=MONDAY, text=text, at=at, item_id=item
            )
        assert await journal.week_notes(enrollment_id, "w01") == ["first", "second"]
        assert await journal.item_notes(enrollment_id, "w01") == {
            "w01-a": "left off at 4.5",
            "w01-b": "stuck on joins",
        }
        assert await journal.item_notes(enrollment_id, "w02") == {}
        await journal.add_note(
            learner_id,
            enrollment_id,
            week_id="w02",
            on=MONDAY,
            text="read twice",
            at=NOW,
            item_id="w02-c",
        )
        assert await journal.all_item_notes(enrollment_id) == {
            "w01-a": "left off at 4.5",
            "w01-b": "stuck on joins",
            "w02-c": "read twice",
        }
        await tick(work, enrollment_id, "w01-z", completes_week=True)
        figures = await work.ticks.progress(
            enrollment_id, hours_from=MONDAY, hours_to=date(2026, 11, 22)
        )
        await work.commit()
    assert figures.items_done == 1
    assert figures.weeks_completed == {"w01": MONDAY}
    assert (figures.hours_total, figures.hours_in_range) == (6.75, 3.25)


# -- tracks ---------------------------------------------------------------------------


async def test_imported_tracks_are_visible_to_their_owner_and_shared_ones_to_all(
    uow: Factory,
) -> None:
    ada_id, _ = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB)
    shared, private = small_track("shared", "Shared"), small_track("mine", "Ada's own")
    async with uow() as work:
        assert await work.tracks.save(shared, owner_learner_id=None, source="s.md", at=NOW)
        assert await work.tracks.save(
            private, owner_learner_id=ada_id, source="m.md", at=NOW + timedelta(seconds=1)
        )
        assert not await work.tracks.save(private, owner_learner_id=bob_id, source="x", at=NOW)
        await work.commit()
    async with uow() as work:
        assert [t.id for t in await work.tracks.visible(ada_id)] == ["shared", "mine"]
        assert [t.title for t in await work.tracks.visible(bob_id)] == ["Shared"]
        assert [t.id for t in await work.tracks.visible(None)] == ["shared"]
        assert await work.tracks.load("mine") == private
        assert await work.tracks.load("nope") is None


async def test_a_learners_own_tracks_are_listed_oldest_first_renamed_and_deleted(
    uow: Factory,
) -> None:
    ada_id, _ = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB, track_id="followed")
    async with uow() as work:
        for offset, track_id in enumerate(("followed", "idle", "later")):
            track = small_track(track_id, track_id.title())
            at = NOW + timedelta(seconds=offset)
            await work.tracks.save(track, owner_learner_id=ada_id, source="a.md", at=at)
        await work.tracks.save(
            small_track("shared", "Shared"), owner_learner_id=None, source="", at=NOW
        )
        await work.commit()
    async with uow() as work:
        owned = await work.tracks.owned(ada_id)
        assert [(t.id, t.followed) for t in owned] == [
            ("followed", True),  # Bob's enrollment is on a track with that id
            ("idle", False),
            ("later", False),
        ]
        assert await work.tracks.owned(bob_id) == []
        await work.tracks.rename("idle", "Renamed")
        await work.tracks.delete("later")
        await work.commit()
    async with uow() as work:
        renamed = await work.tracks.load("idle")
        assert renamed is not None and renamed.title == "Renamed"
        assert renamed.weeks == small_track("idle", "Idle").weeks
        assert [t.title for t in await work.tracks.visible(ada_id)] == [
            "Followed",
            "Shared",
            "Renamed",
        ]
        assert await work.tracks.load("later") is None


# -- quizzes and review cards --------------------------------------------------------


async def test_a_quiz_takes_its_first_answer_only(uow: Factory) -> None:
    learner_id, _ = await seeded(uow)
    async with uow() as work:
        quiz_id = await work.quizzes.add(
            learner_id,
            kind="quiz",
            question_id="w01-q01",
            option_order="2,0,1",
            correct_option=1,
            at=NOW,
        )
        assert await work.quizzes.find("test", "poll-1") is None
        await work.quizzes.set_ref(quiz_id, platform="test", poll_ref="poll-1")
        await work.commit()
    async with uow() as work:
        found = await work.quizzes.find("test", "poll-1")
        assert found is not None
        assert (found.id, found.learner_id, found.kind, found.question_id) == (
            quiz_id,
            learner_id,
            "quiz",
            "w01-q01",
        )
        assert (found.correct_option, found.answered) == (1, False)
        assert await work.quizzes.answer(quiz_id, chosen=1, correct=True, at=NOW)
        assert not await work.quizzes.answer(quiz_id, chosen=0, correct=False, at=NOW)
        await work.commit()
    async with uow() as work:
        found = await work.quizzes.find("test", "poll-1")
        assert found is not None and found.answered
        figures = await work.quizzes.figures(learner_id, now=NOW)
    assert (figures.answered, figures.correct, figures.by_subject) == (1, 1, {"w01-q01": (1, 1)})


async def test_quiz_figures_count_answers_per_subject_and_cards_due(uow: Factory) -> None:
    learner_id, _ = await seeded(uow)
    async with uow() as work:
        for n, (subject, correct) in enumerate((("q1", False), ("q1", True), ("q2", True))):
            quiz_id = await work.quizzes.add(
                learner_id,
                kind="quiz",
                question_id=subject,
                option_order="0,1",
                correct_option=0,
                at=NOW,
            )
            await work.quizzes.answer(quiz_id, chosen=0, correct=correct, at=NOW)
            if n == 0:
                await work.quizzes.add(  # asked, never answered: not counted
                    learner_id,
                    kind="quiz",
                    question_id="q3",
                    option_order="0,1",
                    correct_option=0,
                    at=NOW,
                )
        await work.reviews.save(learner_id, "q1", card="{}", due=NOW, lapsed=True)
        await work.reviews.save(
            learner_id, "q2", card="{}", due=NOW + timedelta(days=3), lapsed=False
        )
        figures = await work.quizzes.figures(learner_id, now=NOW)
    assert (figures.answered, figures.correct, figures.due) == (3, 2, 1)
    assert figures.by_subject == {"q1": (2, 1), "q2": (1, 1)}


async def test_a_review_card_is_one_per_learner_and_subject(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB)
    first, first_due = review(None, Recall.FORGOT, NOW)
    second, second_due = review(first, Recall.GOOD, first_due)
    async with uow() as work:
        assert await work.reviews.card(ada_id, "q1") is None
        await work.reviews.save(ada_id, "q1", card=first, due=first_due, lapsed=True)
        await work.reviews.save(bob_id, "q1", card=first, due=first_due, lapsed=True)
        await work.commit()
    async with uow() as work:
        await work.reviews.save(ada_id, "q1", card=second, due=second_due, lapsed=False)
        await work.commit()
    async with uow() as work:
        assert await work.reviews.card(ada_id, "q1") == second
        assert await work.reviews.due(ada_id) == {"q1": second_due}
        assert await work.reviews.due(bob_id) == {"q1": first_due}
        assert await work.reviews.cards(ada_id) == {"q1": second}
        assert await work.reviews.cards(bob_id) == {"q1": first}


async def test_a_refresh_reschedules_only_the_named_cards_of_one_learner(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB)
    card, due = review(None, Recall.GOOD, NOW)
    refresh_at = NOW + timedelta(days=2)
    async with uow() as work:
        for learner_id in (ada_id, bob_id):
            for subject in ("q1", "q2", "q3"):
                await work.reviews.save(learner_id, subject, card=card, due=due, lapsed=False)
        await work.commit()
    async with uow() as work:
        await work.reviews.reschedule(ada_id, ["q1", "q3", "unknown"], refresh_at)
        await work.commit()
    async with uow() as work:
        assert await work.reviews.due(ada_id) == {"q1": refresh_at, "q2": due, "q3": refresh_at}
        assert await work.reviews.due(bob_id) == {"q1": due, "q2": due, "q3": due}
        assert await work.reviews.card(ada_id, "q1") == card


# -- link codes -------------------------------------------------------------------------


async def test_a_link_code_expires_is_replaced_and_is_used_once(uow: Factory) -> None:
    learner_id, _ = await seeded(uow)
    expires = NOW + timedelta(minutes=10)
    async with uow() as work:
        await work.links.issue(ADA, code_hash="h1", at=NOW, expires_at=expires)
        await work.commit()
    async with uow() as work:
        code = await work.links.find("h1", now=NOW)
        assert code is not None
        assert (code.learner_id, code.issued_by, code.expires_at) == (learner_id, ADA, expires)
        assert await work.links.find("h1", now=expires) is None  # expired
        assert not await work.links.use("h1", now=expires)
        # Asking again replaces the code.
        await work.links.issue(ADA, code_hash="h2", at=NOW, expires_at=expires)
        await work.commit()
    async with uow() as work:
        assert await work.links.find("h1", now=NOW) is None
        assert await work.links.use("h2", now=NOW)
        assert not await work.links.use("h2", now=NOW)
        await work.commit()
    async with uow() as work:
        assert await work.links.find("h2", now=NOW) is None


async def test_a_link_code_redeemed_by_two_units_at_once_works_once(uow: Factory) -> None:
    await seeded(uow)
    async with uow() as work:
        await work.links.issue(ADA, code_hash="h", at=NOW, expires_at=NOW + timedelta(hours=1))
        await work.commit()

    async def redeem() -> bool:
        async with uow() as work:
            used = await work.links.use("h", now=NOW)
            await asyncio.sleep(0.01)
            await work.commit()
            return used

    assert sorted(await asyncio.gather(redeem(), redeem())) == [False, True]


async def test_wrong_codes_are_counted_per_identity_within_a_window(uow: Factory) -> None:
    stranger = LearnerRef("discord", "nobody")  # no learner needed to guess
    async with uow() as work:
        for minutes in (0, 1, 2):
            await work.links.add_failure(
                stranger,
                at=NOW + timedelta(minutes=minutes),
                forget_before=NOW - timedelta(hours=1),
            )
        await work.links.add_failure(ADA, at=NOW, forget_before=NOW - timedelta(hours=1))
        await work.commit()
    async with uow() as work:
        assert await work.links.failures(stranger, since=NOW) == [
            NOW + timedelta(minutes=1),
            NOW + timedelta(minutes=2),
        ]
        assert await work.links.failures(ADA, since=NOW - timedelta(seconds=1)) == [NOW]
        # Adding one forgets everyone's older than the window.
        later = NOW + timedelta(minutes=30)
        await work.links.add_failure(stranger, at=later, forget_before=NOW + timedelta(minutes=1))
        await work.commit()
    async with uow() as work:
        assert await work.links.failures(stranger, since=NOW - timedelta(days=1)) == [
            NOW + timedelta(minutes=2),
            NOW + timedelta(minutes=30),
        ]
        assert await work.links.failures(ADA, since=NOW - timedelta(days=1)) == []


# -- confirmations ----------------------------------------------------------------------


async def test_a_confirmation_is_used_once_by_its_learner_before_it_expires(
    uow: Factory,
) -> None:
    ada_id, _ = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB)
    expires = NOW + timedelta(minutes=10)
    async with uow() as work:
        await work.confirmations.issue(
            ada_id, action="forget", token_hash="t1", at=NOW, expires_at=expires
        )
        await work.commit()
    async with uow() as work:
        confirmations = work.confirmations
        assert not await confirmations.use(bob_id, action="forget", token_hash="t1", now=NOW)
        assert not await confirmations.use(ada_id, action="other", token_hash="t1", now=NOW)
        assert not await confirmations.use(ada_id, action="forget", token_hash="t1", now=expires)
        assert not await confirmations.use(ada_id, action="forget", token_hash="t2", now=NOW)
        assert await confirmations.use(ada_id, action="forget", token_hash="t1", now=NOW)
        assert not await confirmations.use(ada_id, action="forget", token_hash="t1", now=NOW)
        await work.commit()


async def test_a_new_confirmation_replaces_the_learners_last_for_that_action(
    uow: Factory,
) -> None:
    ada_id, _ = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB)
    later = NOW + timedelta(minutes=20)
    async with uow() as work:
        issue = work.confirmations.issue
        await issue(ada_id, action="forget", token_hash="a1", at=NOW, expires_at=later)
        await issue(ada_id, action="other", token_hash="a0", at=NOW, expires_at=later)
        await issue(bob_id, action="forget", token_hash="b1", at=NOW, expires_at=later)
        await issue(ada_id, action="forget", token_hash="a2", at=NOW, expires_at=later)
        await work.commit()
    async with uow() as work:
        use = work.confirmations.use
        assert not await use(ada_id, action="forget", token_hash="a1", now=NOW)
        assert await use(ada_id, action="forget", token_hash="a2", now=NOW)
        # Another action's and another learner's stay.
        assert await use(ada_id, action="other", token_hash="a0", now=NOW)
        assert await use(bob_id, action="forget", token_hash="b1", now=NOW)
        await work.commit()


async def test_a_confirmation_pressed_twice_at_once_works_once(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    async with uow() as work:
        await work.confirmations.issue(
            ada_id, action="forget", token_hash="t", at=NOW, expires_at=NOW + timedelta(hours=1)
        )
        await work.commit()

    async def press() -> bool:
        async with uow() as work:
            used = await work.confirmations.use(ada_id, action="forget", token_hash="t", now=NOW)
            await asyncio.sleep(0.01)
            await work.commit()
            return used

    assert sorted(await asyncio.gather(press(), press())) == [False, True]


# -- update keys ------------------------------------------------------------------------


async def test_an_update_key_is_claimed_once_and_pruned_when_old(uow: Factory) -> None:
    async with uow() as work:
        assert await work.updates.claim("tg:1", at=NOW)
        assert not await work.updates.claim("tg:1", at=NOW)
        assert await work.updates.claim("tg:2", at=NOW + timedelta(hours=1))
        await work.commit()
    async with uow() as work:
        assert not await work.updates.claim("tg:1", at=NOW)
        assert await work.updates.prune(before=NOW + timedelta(minutes=1), limit=10) == 1
        await work.commit()
    async with uow() as work:
        assert await work.updates.claim("tg:1", at=NOW)
        assert not await work.updates.claim("tg:2", at=NOW)


async def test_a_key_claimed_by_an_open_unit_is_refused_once_it_commits(uow: Factory) -> None:
    async def second() -> bool:
        async with uow() as other:
            claimed = await other.updates.claim("tg:1", at=NOW)
            await other.commit()
            return claimed

    async with uow() as first:
        assert await first.updates.claim("tg:1", at=NOW)
        racing = asyncio.create_task(second())
        await asyncio.sleep(0.05)
        await first.commit()
    assert await racing is False


async def test_a_key_claimed_by_a_unit_that_rolls_back_stays_free(uow: Factory) -> None:
    async with uow() as first:
        assert await first.updates.claim("tg:1", at=NOW)
    async with uow() as second:
        assert await second.updates.claim("tg:1", at=NOW)


# -- study groups -------------------------------------------------------------------------


async def made_group(uow: Factory, chat: ChatRef = CHAT, **changes: object) -> StudyGroup:
    async with uow() as work:
        group = await work.groups.create(new_group(chat, **changes), at=NOW)
        await work.commit()
    return group


async def test_a_group_is_found_by_its_chat_and_saved_whole(uow: Factory) -> None:
    group = await made_group(uow)
    assert group.active and group.chat == CHAT
    async with uow() as work:
        assert await work.groups.find(ChatRef("test", "-100")) == group
        assert await work.groups.get(group.id) == group
        assert await work.groups.find(ChatRef("other", "-100")) is None
        group.track_id = "sql"
        group.study_days = frozenset({0, 1})
        group.quiz_days = frozenset({3})
        group.digest_time = time(7, 15)
        group.chat = ChatRef("test", "-100", "Renamed", parent="server-1")
        await work.groups.save(group)
        await work.commit()
    async with uow() as work:
        assert await work.groups.get(group.id) == group


async def test_one_group_per_chat(uow: Factory) -> None:
    await made_group(uow)
    with pytest.raises(StorageError):
        await made_group(uow)


async def test_deactivating_a_group_stops_it_and_drops_its_pending_posts(uow: Factory) -> None:
    group = await made_group(uow)
    other = await made_group(uow, ChatRef("test", "-200", parent="server-1"))
    learner_id, _ = await seeded(uow)
    async with uow() as work:
        assert (
            await work.outbox.enqueue(
                [
                    owed(Recipient.group(group.id), Kind.GROUP_DIGEST),
                    owed(Recipient.group(group.id), Kind.GROUP_QUIZ),
                    owed(Recipient.group(group.id), Kind.GROUP_DIGEST, TUESDAY),
                    owed(Recipient.group(other.id), Kind.GROUP_DIGEST),
                    owed(Recipient.learner(learner_id)),
                ]
            )
            == 5
        )
        [sent] = [
            i
            for i in await work.outbox.claim(NOW, lease_until=NOW, worker="w", limit=10)
            if i.recipient == Recipient.group(group.id) and i.kind == Kind.GROUP_QUIZ
        ]
        await work.outbox.finish(sent.id, status=Status.SENT, at=NOW, outcome="quiz", to=CHAT)
        await work.commit()
    async with uow() as work:
        assert [g.id for g in await work.groups.in_parent("test", "server-1")] == [
            group.id,
            other.id,
        ]
        assert await work.groups.deactivate(group.id) == 2  # the sent quiz stays on record
        await work.commit()
    async with uow() as work:
        stopped = await work.groups.get(group.id)
        assert stopped is not None
        assert (stopped.active, stopped.next_digest_at, stopped.next_report_at) == (
            False,
            None,
            None,
        )
        assert [g.id for g in await work.groups.in_parent("test", "server-1")] == [other.id]
        left = await work.outbox.claim(
            NOW + timedelta(minutes=1), lease_until=NOW, worker="w", limit=10
        )
    assert sorted(i.recipient.id for i in left) == sorted([other.id, learner_id])


async def test_a_learners_groups_are_the_active_ones_they_joined_first_joined_first(
    uow: Factory,
) -> None:
    ada_id, _ = await seeded(uow)
    first, second, stopped, unjoined = [
        await made_group(uow, ChatRef("test", f"-10{n}", f"group {n}")) for n in range(4)
    ]
    async with uow() as work:
        await work.groups.add_member(member(second.id, ada_id, ADA, minutes=5))
        await work.groups.add_member(member(first.id, ada_id, ADA, minutes=1))
        await work.groups.add_member(member(stopped.id, ada_id, ADA, minutes=2))
        await work.groups.deactivate(stopped.id)
        await work.commit()
    async with uow() as work:
        assert [g.id for g in await work.groups.of_learner(ada_id)] == [first.id, second.id]
        assert await work.groups.of_learner(ada_id + 1000) == []
    assert unjoined.id not in (first.id, second.id)


async def test_an_admins_word_is_kept_renewed_and_withdrawn_member_or_not(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    runs, member_of, stopped = [
        await made_group(uow, ChatRef("test", f"-20{n}", f"group {n}")) for n in range(3)
    ]
    async with uow() as work:
        assert await work.groups.admin_since(runs.id, ada_id) is None
        await work.groups.add_member(member(member_of.id, ada_id, ADA))
        await work.groups.set_admin(runs.id, ada_id, NOW)  # not a member there
        await work.groups.set_admin(member_of.id, ada_id, NOW - timedelta(days=40))
        await work.groups.set_admin(stopped.id, ada_id, NOW)
        await work.groups.deactivate(stopped.id)
        await work.commit()
    async with uow() as work:
        assert await work.groups.admin_since(runs.id, ada_id) == NOW
        recent = await work.groups.administered(ada_id, since=NOW - timedelta(days=30))
        assert [g.id for g in recent] == [runs.id]
        await work.groups.set_admin(member_of.id, ada_id, NOW)  # renewed: one row still
        await work.groups.set_admin(runs.id, ada_id, None)
        await work.groups.set_admin(runs.id, ada_id, None)  # a second no is no error
        await work.commit()
    async with uow() as work:
        assert await work.groups.admin_since(runs.id, ada_id) is None
        assert await work.groups.admin_since(member_of.id, ada_id) == NOW
        recent = await work.groups.administered(ada_id, since=NOW - timedelta(days=30))
        assert [g.id for g in recent] == [member_of.id]
        assert await work.groups.administered(ada_id + 1000, since=NOW) == []


async def test_two_workers_recording_one_admin_at_once_leave_one_row(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    group = await made_group(uow)

    async def said_yes(minutes: int) -> None:
        async with uow() as work:
            await work.groups.set_admin(group.id, ada_id, NOW + timedelta(minutes=minutes))
            await work.commit()

    await asyncio.gather(said_yes(1), said_yes(2))
    async with uow() as work:
        since = await work.groups.admin_since(group.id, ada_id)
    assert since in (NOW + timedelta(minutes=1), NOW + timedelta(minutes=2))


async def test_members_join_change_their_sharing_and_leave(uow: Factory) -> None:
    group = await made_group(uow)
    ada_id, _ = await seeded(uow)
    async with uow() as work:
        assert await work.groups.membership(group.id, ada_id) is None
        await work.groups.add_member(member(group.id, ada_id, ADA))
        await work.commit()
    async with uow() as work:
        found = await work.groups.membership(group.id, ada_id)
        assert found == member(group.id, ada_id, ADA)
        assert await work.groups.member_count(group.id) == 1
        changed = Membership(
            group.id,
            ada_id,
            LearnerRef("test", "ada", "Ada L."),
            NOW,
            Sharing(done=False, streak=True, quiz=False, mentions=True),
        )
        await work.groups.save_member(changed)
        await work.commit()
    async with uow() as work:
        assert await work.groups.membership(group.id, ada_id) == changed
    with pytest.raises(StorageError):
        async with uow() as work:
            await work.groups.add_member(member(group.id, ada_id, ADA))
    async with uow() as work:
        assert await work.groups.remove_member(group.id, ada_id)
        assert not await work.groups.remove_member(group.id, ada_id)
        await work.commit()
    async with uow() as work:
        assert await work.groups.member_count(group.id) == 0


async def test_member_activity_has_every_member_their_ticks_and_quiz_answers(
    uow: Factory,
) -> None:
    group = await made_group(uow)
    other_group = await made_group(uow, ChatRef("test", "-200"))
    ada_id, ada_enrollment = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB, track_id="other-track")
    cy = LearnerRef("test", "cy", "Cy")
    async with uow() as work:
        cy_id = (await work.learners.create(cy, None, at=NOW)).learner_id
        for minutes, (learner_id, who) in enumerate(((bob_id, BOB), (ada_id, ADA), (cy_id, cy))):
            await work.groups.add_member(member(group.id, learner_id, who, minutes))
        await tick(work, ada_enrollment, "w01-old", done_on=date(2026, 11, 15))
        await tick(work, ada_enrollment, "w01-b", done_at=NOW + timedelta(minutes=5))
        await tick(work, ada_enrollment, "w01-a", done_at=NOW + timedelta(minutes=1))
        await tick(work, ada_enrollment, "w02-a", done_at=NOW + timedelta(minutes=7))
        quiz_id = await work.group_quizzes.add(
            other_group.id,
            question_id="q",
            option_order="0,1",
            correct_option=0,
            local_date=MONDAY,
            at=NOW,
        )
        assert quiz_id is not None
        await work.group_quizzes.answer(quiz_id, ADA, ada_id, chosen=0, correct=True, at=NOW)
        await work.group_quizzes.answer(quiz_id, BOB, bob_id, chosen=1, correct=False, at=NOW)
        own = await work.quizzes.add(
            ada_id, kind="quiz", question_id="q", option_order="0,1", correct_option=0, at=NOW
        )
        await work.quizzes.answer(own, chosen=1, correct=False, at=NOW)
        old = await work.quizzes.add(
            ada_id, kind="quiz", question_id="q", option_order="0,1", correct_option=0, at=NOW
        )
        await work.quizzes.answer(old, chosen=0, correct=True, at=NOW - timedelta(days=2))
        await work.commit()
    async with uow() as work:
        activity = await work.groups.member_activity(
            group, since=MONDAY, since_at=NOW - timedelta(hours=1)
        )
    assert [a.membership.learner_id for a in activity] == [bob_id, ada_id, cy_id]
    bob, ada, cy_activity = activity
    assert bob.membership == member(group.id, bob_id, BOB, 0)
    assert bob.enrollment is None  # on another track than the group's
    assert (bob.ticks, bob.quiz_right, bob.quiz_answered) == ((), 0, 1)
    assert ada.enrollment is not None and ada.enrollment.id == ada_enrollment
    assert [t.item_id for t in ada.ticks] == ["w01-a", "w01-b", "w02-a"]  # from Monday, by time
    assert (ada.ticks[0].done_on, ada.ticks[0].week_id) == (MONDAY, "w01")
    # Their current week's ticks, whenever made, as their own Snapshot holds them.
    assert ada.week_done == {"w01-old": date(2026, 11, 15), "w01-a": MONDAY, "w01-b": MONDAY}
    assert (ada.quiz_right, ada.quiz_answered) == (1, 2)
    assert (bob.week_done, cy_activity.week_done) == ({}, {})
    assert (cy_activity.enrollment, cy_activity.ticks, cy_activity.quiz_answered) == (None, (), 0)


async def test_a_group_quiz_is_one_a_day_and_takes_each_persons_first_answer(
    uow: Factory,
) -> None:
    group = await made_group(uow)
    ada_id, _ = await seeded(uow)
    eve = LearnerRef("test", "eve", "Eve")  # not a learner: counted in the chat all the same
    async with uow() as work:
        quiz_id = await work.group_quizzes.add(
            group.id,
            question_id="w01-q01",
            option_order="1,0,2",
            correct_option=2,
            local_date=MONDAY,
            at=NOW,
        )
        assert quiz_id is not None
        again = await work.group_quizzes.add(
            group.id,
            question_id="w01-q02",
            option_order="0,1",
            correct_option=0,
            local_date=MONDAY,
            at=NOW,
        )
        assert again is None
        await work.group_quizzes.set_ref(quiz_id, platform="test", poll_ref="p1", message_ref="m1")
        await work.commit()
    async with uow() as work:
        record = await work.group_quizzes.on_day(group.id, MONDAY)
        assert record is not None and record == await work.group_quizzes.find("test", "p1")
        assert (record.id, record.group_id, record.question_id, record.option_order) == (
            quiz_id,
            group.id,
            "w01-q01",
            "1,0,2",
        )
        assert (record.correct_option, record.local_date, record.message_ref, record.closed) == (
            2,
            MONDAY,
            "m1",
            False,
        )
        assert await work.group_quizzes.on_day(group.id, TUESDAY) is None
        assert await work.group_quizzes.asked(group.id) == {"w01-q01"}
        answer = work.group_quizzes.answer
        assert await answer(quiz_id, ADA, ada_id, chosen=2, correct=True, at=NOW)
        assert not await answer(quiz_id, ADA, ada_id, chosen=0, correct=False, at=NOW)
        assert await answer(quiz_id, eve, None, chosen=0, correct=False, at=NOW)
        tally = await work.group_quizzes.close(quiz_id, at=NOW + timedelta(hours=8))
        assert (tally.answered, tally.right) == (2, 1)
        await work.commit()
    async with uow() as work:
        closed = await work.group_quizzes.find("test", "p1")
        assert closed is not None and closed.closed
        figures = await work.groups.week_figures(group.id, since_at=NOW - timedelta(days=1))
        # A second quiz, closed with no answers, and a third still open.
        quiet = work.group_quizzes.add
        second = await quiet(
            group.id,
            question_id="w01-q02",
            option_order="0,1,2",
            correct_option=0,
            local_date=TUESDAY,
            at=NOW,
        )
        assert second is not None
        await work.group_quizzes.close(second, at=NOW + timedelta(days=1))
        await quiet(
            group.id,
            question_id="w01-q03",
            option_order="0,1,2",
            correct_option=0,
            local_date=TUESDAY + timedelta(days=1),
            at=NOW,
        )
        await work.commit()
    async with uow() as work:
        results = await work.group_quizzes.results(group.id, limit=5)
        newest = await work.group_quizzes.results(group.id, limit=1)
    assert (figures.quizzes, figures.quiz_answers, figures.quiz_right) == (1, 2, 1)
    assert results == [
        QuizResult(TUESDAY, "w01-q02", QuizTally(answered=0, right=0)),
        QuizResult(MONDAY, "w01-q01", QuizTally(answered=2, right=1)),
    ]
    assert newest == results[:1]


async def test_submissions_are_numbered_per_group_and_reviewed_once_per_reviewer(
    uow: Factory,
) -> None:
    group = await made_group(uow)
    other = await made_group(uow, ChatRef("test", "-200"))
    ada_id, _ = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB)
    async with uow() as work:
        await work.groups.add_member(member(group.id, ada_id, ADA))
        submit = work.projects.submit
        assert await submit(group.id, ada_id, week_id="w01", text="one", at=NOW) == 1
        assert await submit(group.id, bob_id, week_id="w01", text="two", at=NOW) == 2
        assert await submit(other.id, ada_id, week_id="w01", text="elsewhere", at=NOW) == 1
        await work.commit()
    async with uow() as work:
        first = await work.projects.find(group.id, 1)
        assert first is not None
        assert (first.group_id, first.number, first.learner_id, first.author) == (
            group.id,
            1,
            ada_id,
            "Ada",
        )
        assert (first.week_id, first.text, first.submitted_at) == ("w01", "one", NOW)
        second = await work.projects.find(group.id, 2)
        assert second is not None and second.author == ""  # Bob never joined: no name here
        assert await work.projects.find(group.id, 3) is None
        # A number typed by a member, however large, is simply not there.
        assert await work.projects.find(group.id, 10**12) is None
        assert await work.projects.find(group.id, -1) is None
        assert await work.projects.review(first.id, bob_id, comment="nice", at=NOW)
        assert not await work.projects.review(first.id, bob_id, comment="nicer", at=NOW)
        assert await work.projects.review(first.id, ada_id, comment="mine", at=NOW)
        await work.commit()
    async with uow() as work:
        figures = await work.groups.week_figures(group.id, since_at=NOW - timedelta(days=1))
        later = await work.groups.week_figures(group.id, since_at=NOW + timedelta(days=1))
    assert (figures.submissions, figures.reviews, figures.quizzes) == (2, 2, 0)
    assert (later.submissions, later.reviews) == (0, 0)
    async with uow() as work:
        recent = await work.projects.recent(group.id, limit=5)
        only_newest = await work.projects.recent(group.id, limit=1)
        assert await work.projects.recent(other.id + 1000, limit=5) == []
    # The newest first, each with its reviews in the order given; Bob left no name here.
    assert [(r.submission.number, r.submission.text) for r in recent] == [(2, "two"), (1, "one")]
    # Given at the same instant, by the reviewer's id: Ada's, then Bob's edited one.
    assert ada_id < bob_id
    assert recent[1].reviews == (ReviewRecord("Ada", "mine", NOW), ReviewRecord("", "nicer", NOW))
    assert recent[0].reviews == ()
    assert [r.submission.number for r in only_newest] == [2]


# -- schedules ------------------------------------------------------------------------


async def test_due_learners_come_oldest_first_active_ones_only(uow: Factory) -> None:
    at = NOW.replace(hour=6)
    ada_id, ada_enrollment = await seeded(uow, next_nudge_at=at + timedelta(minutes=30))
    bob_id, bob_enrollment = await seeded(
        uow, BOB, next_nudge_at=at, next_evening_at=at + timedelta(hours=12)
    )
    await seeded(uow, LearnerRef("test", "cy"), next_nudge_at=NOW + timedelta(hours=1))
    async with uow() as work:
        await work.learners.set_reachable(BOB, reachable=False)
        await work.commit()
    async with uow() as work:
        due = await work.learner_schedule.due(Slot.MORNING, NOW, 10)
        assert [(d.enrollment_id, d.learner_id, d.due_at) for d in due] == [
            (bob_enrollment, bob_id, at),
            (ada_enrollment, ada_id, at + timedelta(minutes=30)),
        ]
        bob = due[0]
        assert (bob.timezone, bob.nudge_time, bob.study_days, bob.reachable) == (
            "Europe/Berlin",
            time(7, 45),
            frozenset({0, 2, 4}),
            False,
        )
        assert (bob.next_evening_at, bob.quiz_days) == (
            at + timedelta(hours=12),
            frozenset({0, 2, 4}),
        )
        assert due[1].reachable
        assert len(await work.learner_schedule.due(Slot.MORNING, NOW, 1)) == 1
        assert await work.learner_schedule.due(Slot.EVENING, NOW, 10) == []
        await work.learner_schedule.reschedule(
            Slot.MORNING, {bob_enrollment: NOW + timedelta(days=1), ada_enrollment: None}
        )
        await work.learner_schedule.reschedule(Slot.EVENING, {ada_enrollment: at})
        await work.commit()
    async with uow() as work:
        assert await work.learner_schedule.due(Slot.MORNING, NOW, 10) == []
        [evening] = await work.learner_schedule.due(Slot.EVENING, NOW, 10)
        assert (evening.enrollment_id, evening.due_at) == (ada_enrollment, at)
        # A track left behind is not due.
        await work.enrollments.create(ada_id, new_enrollment("other", next_nudge_at=None), at=NOW)
        assert await work.learner_schedule.due(Slot.EVENING, NOW, 10) == []


async def test_due_groups_come_by_slot_active_ones_only(uow: Factory) -> None:
    first = await made_group(uow, next_digest_at=NOW - timedelta(minutes=5))
    second = await made_group(
        uow, ChatRef("test", "-200"), next_digest_at=NOW - timedelta(minutes=10)
    )
    stopped = await made_group(
        uow, ChatRef("test", "-300"), next_digest_at=NOW - timedelta(hours=1)
    )
    async with uow() as work:
        await work.groups.deactivate(stopped.id)
        await work.commit()
    async with uow() as work:
        due = await work.group_schedule.due(Slot.MORNING, NOW, 10)
        assert [(d.group.id, d.due_at) for d in due] == [
            (second.id, NOW - timedelta(minutes=10)),
            (first.id, NOW - timedelta(minutes=5)),
        ]
        assert due[1].group == first
        assert await work.group_schedule.due(Slot.EVENING, NOW, 10) == []
        await work.group_schedule.reschedule(Slot.MORNING, {first.id: None})
        await work.group_schedule.reschedule(Slot.EVENING, {second.id: NOW})
        await work.commit()
    async with uow() as work:
        [morning] = await work.group_schedule.due(Slot.MORNING, NOW, 10)
        [evening] = await work.group_schedule.due(Slot.EVENING, NOW, 10)
    assert (morning.group.id, evening.group.id) == (second.id, second.id)
    assert (evening.group.next_report_at, morning.group.next_digest_at) == (
        NOW,
        NOW - timedelta(minutes=10),
    )


# -- the outbox -------------------------------------------------------------------------


async def test_one_row_per_recipient_kind_and_day(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB)
    group = await made_group(uow)
    ada = Recipient.learner(ada_id)
    async with uow() as work:
        assert await work.outbox.enqueue([]) == 0
        assert (
            await work.outbox.enqueue(
                [owed(ada), owed(ada, Kind.QUIZ), owed(ada), owed(Recipient.learner(bob_id))]
            )
            == 3
        )
        await work.commit()
    async with uow() as work:
        assert (
            await work.outbox.enqueue(
                [
                    owed(ada),
                    owed(ada, day=TUESDAY),
                    owed(Recipient.group(group.id), Kind.GROUP_DIGEST),
                ]
            )
            == 2
        )
        await work.commit()
    async with uow() as work:
        claimed = await work.outbox.claim(
            NOW + timedelta(days=1), lease_until=NOW, worker="w", limit=10
        )
    assert sorted(
        (i.recipient.audience, i.recipient.id, i.kind, i.local_date) for i in claimed
    ) == [
        ("group", group.id, "group_digest", MONDAY),
        ("learner", ada_id, "plan", MONDAY),
        ("learner", ada_id, "plan", TUESDAY),
        ("learner", ada_id, "quiz", MONDAY),
        ("learner", bob_id, "plan", MONDAY),
    ]


async def test_claims_lease_rows_in_order_and_a_lease_runs_out(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    ada = Recipient.learner(ada_id)
    async with uow() as work:
        await work.outbox.enqueue(
            [
                owed(ada, Kind.EVENING, due=NOW + timedelta(minutes=2)),
                owed(ada, Kind.PLAN, due=NOW),
                # Not to be sent before its time (a quiz's close comes hours later).
                NewOutboxItem(ada, Kind.QUIZ, MONDAY, NOW, NOW + timedelta(hours=8)),
            ]
        )
        await work.commit()
    lease = NOW + timedelta(minutes=5)
    later = NOW + timedelta(minutes=3)
    async with uow() as work:
        claimed = await work.outbox.claim(later, lease_until=lease, worker="w1", limit=10)
        assert [(i.kind, i.due_at, i.attempts) for i in claimed] == [
            ("plan", NOW, 1),
            ("evening", NOW + timedelta(minutes=2), 1),
        ]
        assert (claimed[0].recipient, claimed[0].local_date) == (ada, MONDAY)
        await work.commit()
    async with uow() as work:
        assert await work.outbox.claim(later, lease_until=lease, worker="w2", limit=10) == []
        taken_over = await work.outbox.claim(lease, lease_until=lease, worker="w2", limit=10)
        assert [(i.kind, i.attempts) for i in taken_over] == [("plan", 2), ("evening", 2)]
        await work.commit()


async def test_finish_retry_and_prune(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    ada = Recipient.learner(ada_id)
    async with uow() as work:
        await work.outbox.enqueue([owed(ada, k) for k in (Kind.PLAN, Kind.QUIZ, Kind.EVENING)])
        items = {
            i.kind: i for i in await work.outbox.claim(NOW, lease_until=NOW, worker="w", limit=10)
        }
        await work.outbox.finish(
            items["plan"].id, status=Status.SENT, at=NOW, outcome="plan", to=ADA
        )
        await work.outbox.finish(
            items["quiz"].id, status=Status.DROPPED, at=NOW, outcome="paused", to=None
        )
        # Flood control: back later without spending a try.
        await work.outbox.retry(
            items["evening"].id, at=NOW + timedelta(seconds=17), outcome="", count_attempt=False
        )
        await work.commit()
    async with uow() as work:
        assert (
            await work.outbox.claim(
                NOW + timedelta(seconds=16), lease_until=NOW, worker="w", limit=10
            )
            == []
        )
        [evening] = await work.outbox.claim(
            NOW + timedelta(seconds=17), lease_until=NOW, worker="w", limit=10
        )
        assert (evening.kind, evening.attempts) == ("evening", 1)
        # A failed try counts.
        await work.outbox.retry(evening.id, at=NOW, outcome="temporary", count_attempt=True)
        [evening] = await work.outbox.claim(NOW, lease_until=NOW, worker="w", limit=10)
        assert evening.attempts == 2
        await work.commit()
    async with uow() as work:
        assert await work.outbox.prune(before=NOW, limit=10) == 0  # finished at NOW, not before
        assert await work.outbox.prune(before=NOW + timedelta(days=31), limit=1) == 1
        assert await work.outbox.prune(before=NOW + timedelta(days=31), limit=10) == 1
        await work.commit()
    async with uow() as work:
        # The pending row stays; the finished ones are gone, so the day's plan can come again.
        assert (
            await work.outbox.enqueue([owed(ada, k) for k in (Kind.PLAN, Kind.QUIZ, Kind.EVENING)])
            == 2
        )


async def test_two_workers_never_claim_one_row(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    async with uow() as work:
        await work.outbox.enqueue(
            [
                owed(Recipient.learner(ada_id), Kind.PLAN, MONDAY + timedelta(days=n))
                for n in range(6)
            ]
        )
        await work.commit()

    async def worker(name: str) -> list[int]:
        async with uow() as work:
            items = await work.outbox.claim(
                NOW + timedelta(days=7), lease_until=NOW + timedelta(days=8), worker=name, limit=4
            )
            await asyncio.sleep(0.01)
            await work.commit()
            return [i.id for i in items]

    first, second = await asyncio.gather(worker("w1"), worker("w2"))
    assert not set(first) & set(second)
    assert len(first) + len(second) == 6


# -- accounts as a whole ----------------------------------------------------------------


async def everything_of(work: UnitOfWork, who: LearnerRef, group: StudyGroup, day: int) -> int:
    """A learner with a row in every table that has one; returns their id."""
    snapshot = await work.learners.create(who, new_enrollment(), at=NOW)
    learner_id = snapshot.learner_id
    assert snapshot.enrollment is not None
    enrollment_id = snapshot.enrollment.id
    await work.learners.add_identity(
        learner_id, LearnerRef("discord", f"dc-{who.external_id}"), at=NOW
    )
    await tick(work, enrollment_id, "w01-a")
    await work.journal.add_hours(learner_id, enrollment_id, on=MONDAY, hours=1, at=NOW)
    await work.journal.add_note(
        learner_id, enrollment_id, week_id="w01", on=MONDAY, text="note", at=NOW
    )
    await work.tracks.save(
        small_track(f"own-{who.external_id}", "Own"),
        owner_learner_id=learner_id,
        source="x",
        at=NOW,
    )
    quiz_id = await work.quizzes.add(
        learner_id, kind="quiz", question_id="q1", option_order="0,1", correct_option=0, at=NOW
    )
    await work.quizzes.set_ref(quiz_id, platform="test", poll_ref=f"poll-{who.external_id}")
    await work.quizzes.answer(quiz_id, chosen=0, correct=True, at=NOW)
    card, due = review(None, Recall.GOOD, NOW - timedelta(days=3))
    await work.reviews.save(learner_id, "q1", card=card, due=due, lapsed=False)
    await work.links.issue(
        who, code_hash=f"code-{who.external_id}", at=NOW, expires_at=NOW + timedelta(hours=1)
    )
    await work.links.add_failure(who, at=NOW, forget_before=NOW - timedelta(days=1))
    await work.groups.add_member(member(group.id, learner_id, who))
    await work.projects.submit(group.id, learner_id, week_id="w01", text=who.external_id, at=NOW)
    quiz = await work.group_quizzes.on_day(group.id, MONDAY)
    assert quiz is not None
    await work.group_quizzes.answer(quiz.id, who, learner_id, chosen=0, correct=True, at=NOW)
    await work.outbox.enqueue(
        [owed(Recipient.learner(learner_id), day=MONDAY + timedelta(days=day))]
    )
    await work.confirmations.issue(
        learner_id,
        action="forget",
        token_hash=f"token-{who.external_id}",
        at=NOW,
        expires_at=NOW + timedelta(hours=1),
    )
    return learner_id


async def two_learners_with_everything(uow: Factory) -> tuple[StudyGroup, int, int]:
    group = await made_group(uow)
    async with uow() as work:
        quiz_id = await work.group_quizzes.add(
            group.id,
            question_id="q",
            option_order="0,1",
            correct_option=0,
            local_date=MONDAY,
            at=NOW,
        )
        assert quiz_id is not None
        ada_id = await everything_of(work, ADA, group, 0)
        bob_id = await everything_of(work, BOB, group, 1)
        submission = await work.projects.find(group.id, 2)  # Bob's
        assert submission is not None
        await work.projects.review(submission.id, ada_id, comment="from ada", at=NOW)
        await work.commit()
    return group, ada_id, bob_id


async def test_forget_leaves_nothing_of_that_learner(uow: Factory) -> None:
    group, ada_id, bob_id = await two_learners_with_everything(uow)
    async with uow() as work:
        await work.accounts.forget(ada_id)
        await work.commit()
    async with uow() as work:
        assert await work.learners.load(ADA) is None
        assert await work.learners.load(LearnerRef("discord", "dc-ada")) is None
        assert await work.learners.load_by_id(ada_id) is None
        assert await work.learners.identities(ada_id) == []
        assert await work.enrollments.of_learner(ada_id) == []
        assert await work.tracks.load("own-ada") is None
        assert await work.quizzes.find("test", "poll-ada") is None
        assert await work.reviews.due(ada_id) == {}
        assert await work.links.find("code-ada", now=NOW) is None
        assert await work.links.failures(ADA, since=NOW - timedelta(days=1)) == []
        assert await work.groups.membership(group.id, ada_id) is None
        assert await work.groups.member_count(group.id) == 1
        quiz = await work.group_quizzes.on_day(group.id, MONDAY)
        assert quiz is not None
        tally = await work.group_quizzes.close(quiz.id, at=NOW)
        assert (tally.answered, tally.right) == (1, 1)
        figures = await work.groups.week_figures(group.id, since_at=NOW - timedelta(days=1))
        assert (figures.submissions, figures.reviews) == (1, 0)
        owed_to = {
            i.recipient
            for i in await work.outbox.claim(
                NOW + timedelta(days=2), lease_until=NOW, worker="w", limit=10
            )
        }
        assert owed_to == {Recipient.learner(bob_id)}
        # Bob keeps all of his.
        bob = await work.learners.load(BOB)
        assert bob is not None and bob.enrollment is not None
        assert set(bob.week_done) == {"w01-a"}
        assert len(await work.learners.identities(bob_id)) == 2
        assert await work.links.find("code-bob", now=NOW) is not None
        assert await work.confirmations.use(
            bob_id, action="forget", token_hash="token-bob", now=NOW
        )
        assert (await work.accounts.export(bob_id))["learner"]["id"] == bob_id


async def test_export_has_the_learners_rows(uow: Factory) -> None:
    _, ada_id, bob_id = await two_learners_with_everything(uow)
    async with uow() as work:
        snapshot = await work.learners.load(ADA)
        assert snapshot is not None and snapshot.enrollment is not None
        e = snapshot.enrollment
        e.active_days = e.active_days.with_day(MONDAY)
        await work.enrollments.save(e)
        exported = await work.accounts.export(ada_id)
    assert exported["learner"]["id"] == ada_id
    assert [(i["platform"], i["external_id"]) for i in exported["identities"]] == [
        ("test", "ada"),
        ("discord", "dc-ada"),
    ]
    [enrollment] = exported["enrollments"]
    assert (enrollment["study_days"], enrollment["active_days"]) == ([0, 2, 4], ["2026-11-16"])
    assert (enrollment["track_id"], enrollment["nudge_time"]) == ("python-backend", "07:45:00")
    assert [c["item_id"] for c in exported["completions"]] == ["w01-a"]
    assert exported["hours"][0]["hours"] == 1.0
    assert exported["notes"][0]["text"] == "note"
    assert [t["id"] for t in exported["imported_tracks"]] == ["own-ada"]
    assert exported["imported_tracks"][0]["content"]["title"] == "Own"  # an object, not a string
    assert [c["subject"] for c in exported["review_cards"]] == ["q1"]
    assert isinstance(exported["review_cards"][0]["card"], dict)
    assert [q["option_order"] for q in exported["quiz_deliveries"]] == [[0, 1]]
    assert [m["learner_id"] for m in exported["messages"]] == [ada_id]
    assert [f["external_id"] for f in exported["link_failures"]] == ["ada"]
    assert "code_hash" not in exported["link_codes"][0]
    assert [a["learner_id"] for a in exported["group_quiz_answers"]] == [ada_id]
    assert [s["text"] for s in exported["submissions"]] == ["ada"]
    assert [r["comment"] for r in exported["submission_reviews"]] == ["from ada"]
    assert [c["action"] for c in exported["confirmations"]] == ["forget"]
    assert "token_hash" not in exported["confirmations"][0]
    assert len(exported["group_memberships"]) == 1
    assert bob_id != ada_id


RECENT_CARD, RECENT_DUE = review(None, Recall.FORGOT, NOW - timedelta(days=1))


async def bob_absorbed_by_ada(uow: Factory) -> tuple[StudyGroup, StudyGroup, int, int, int]:
    """Bob, with a second track, a second group and cards, absorbed by Ada; returns the
    shared group, Bob's other one, Ada's and Bob's ids and Ada's enrollment."""
    group, ada_id, bob_id = await two_learners_with_everything(uow)
    other = await made_group(uow, ChatRef("test", "-200"))
    old, _ = review(None, Recall.GOOD, NOW - timedelta(days=20))
    async with uow() as work:
        await work.reviews.save(ada_id, "q2", card=old, due=NOW + timedelta(days=30), lapsed=False)
        await work.reviews.save(bob_id, "q2", card=RECENT_CARD, due=RECENT_DUE, lapsed=True)
        await work.reviews.save(bob_id, "q3", card=RECENT_CARD, due=RECENT_DUE, lapsed=True)
        await work.groups.add_member(member(other.id, bob_id, BOB))
        bob = await work.learners.load(BOB)
        assert bob is not None and bob.enrollment is not None
        bob_elsewhere = await work.enrollments.create(bob_id, new_enrollment("sql"), at=NOW)
        await tick(work, bob_elsewhere.id, "s1-a")
        await work.commit()
    async with uow() as work:
        ada = await work.learners.load(ADA)
        assert ada is not None and ada.enrollment is not None
        merged = MergedEnrollment(
            enrollment=ada.enrollment,
            absorbed_id=bob.enrollment.id,
            completions=(
                NewCompletion("w01", "w01-a", MONDAY, NOW, False),
                NewCompletion("w01", "w01-b", TUESDAY, NOW, False),
            ),
            added=1,
        )
        await work.accounts.absorb(ada_id, bob_id, [merged])
        await work.commit()
    return group, other, ada_id, bob_id, ada.enrollment.id


async def test_absorb_moves_identities_ticks_and_enrollments(uow: Factory) -> None:
    _, _, ada_id, bob_id, ada_enrollment = await bob_absorbed_by_ada(uow)
    async with uow() as work:
        assert await work.learners.load_by_id(bob_id) is None
        assert [i.who.external_id for i in await work.learners.identities(ada_id)] == [
            "ada",
            "dc-ada",
            "bob",
            "dc-bob",
        ]
        bob_now = await work.learners.load(BOB)
        assert bob_now is not None and bob_now.learner_id == ada_id
        enrollments = await work.enrollments.of_learner(ada_id)
        assert [e.track_id for e in enrollments] == ["python-backend", "sql"]
        assert bob_now.enrollment is not None and bob_now.enrollment.id == ada_enrollment
        assert bob_now.week_done == {"w01-a": MONDAY, "w01-b": TUESDAY}
        # Bob's other track moves over, not active and not nudged.
        moved = await work.enrollments.find(ada_id, "sql")
        assert moved is not None and moved.next_nudge_at is None
        assert [c.item_id for c in await work.ticks.of_enrollment(moved.id)] == ["s1-a"]


async def test_absorb_merges_cards_and_moves_groups_quizzes_tracks_and_the_outbox(
    uow: Factory,
) -> None:
    group, other, ada_id, bob_id, _ = await bob_absorbed_by_ada(uow)
    async with uow() as work:
        assert set(await work.reviews.due(ada_id)) == {"q1", "q2", "q3"}
        assert await work.reviews.due(bob_id) == {}
        # The card reviewed last wins.
        assert await work.reviews.card(ada_id, "q2") == RECENT_CARD
        figures = await work.quizzes.figures(ada_id, now=NOW)
        assert figures.answered == 2  # both sides' quizzes
        # Both were in the group: one membership. Bob's other group is now Ada's.
        assert await work.groups.member_count(group.id) == 1
        assert await work.groups.membership(other.id, ada_id) is not None
        submission = await work.projects.find(group.id, 2)
        assert submission is not None and submission.learner_id == ada_id
        assert [t.id for t in await work.tracks.visible(ada_id)] == ["own-ada", "own-bob"]
        assert await work.links.find("code-bob", now=NOW) is None
        # Bob's owed plan went; Ada's is still owed.
        owed_to = await work.outbox.claim(
            NOW + timedelta(days=2), lease_until=NOW, worker="w", limit=10
        )
        assert [(i.recipient, i.local_date) for i in owed_to] == [
            (Recipient.learner(ada_id), MONDAY)
        ]


async def test_absorb_keeps_sent_rows_so_a_day_is_not_sent_twice(uow: Factory) -> None:
    ada_id, _ = await seeded(uow)
    bob_id, _ = await seeded(uow, BOB, track_id="other-track")
    ada, bob = Recipient.learner(ada_id), Recipient.learner(bob_id)
    async with uow() as work:
        await work.outbox.enqueue(
            [
                owed(ada, Kind.PLAN, TUESDAY),
                owed(bob, Kind.PLAN, TUESDAY),
                owed(bob, Kind.EVENING, MONDAY),
                owed(bob, Kind.PLAN, MONDAY),
            ]
        )
        for item in await work.outbox.claim(NOW, lease_until=NOW, worker="w", limit=10):
            if (item.recipient, item.kind, item.local_date) == (bob, "plan", MONDAY):
                await work.outbox.finish(
                    item.id, status=Status.SENT, at=NOW, outcome="plan", to=BOB
                )
            else:
                await work.outbox.retry(item.id, at=NOW, outcome="", count_attempt=False)
        await work.commit()
    async with uow() as work:
        await work.accounts.absorb(ada_id, bob_id, [])
        await work.commit()
    async with uow() as work:
        # Monday's plan went to Bob already: Ada is not owed it again.
        assert await work.outbox.enqueue([owed(ada, Kind.PLAN, MONDAY)]) == 0
        pending = await work.outbox.claim(NOW, lease_until=NOW, worker="w", limit=10)
    assert [(i.recipient, i.kind, i.local_date) for i in pending] == [(ada, "plan", TUESDAY)]
