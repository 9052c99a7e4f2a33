"""Focus sessions in storage, on the memory fake, SQLite and PostgreSQL alike: one session
at a time per learner, its check-in owed once, and a second start in a parallel
transaction refused rather than doubled."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.app.views import apology
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.ports import FocusSession, NewFocusSession
from core.learning.tracks import BuiltinCatalog
from core.outreach.model import Kind, Recipient, Status
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import MONDAY_MORNING
from tests.integration.storage.conftest import Factory, new_enrollment

NOW = MONDAY_MORNING
MONDAY = date(2026, 11, 16)
ADA = LearnerRef("test", "ada", "Ada")
BOB = LearnerRef("test", "bob", "Bob")
CY = LearnerRef("test", "cy", "Cy")
MEMORY_AND_POSTGRES = pytest.mark.parametrize(
    "database_url", ["memory", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


async def seeded(uow: Factory, who: LearnerRef = ADA) -> tuple[int, int]:
    async with uow() as work:
        snapshot = await work.learners.create(who, new_enrollment(), at=NOW)
        await work.commit()
    assert snapshot.enrollment is not None
    return snapshot.learner_id, snapshot.enrollment.id


def session_of(
    ids: tuple[int, int], *, at: datetime = NOW, minutes: int = 25, item: str | None = "w01-a"
) -> NewFocusSession:
    learner_id, enrollment_id = ids
    ends_at = at + timedelta(minutes=minutes)
    return NewFocusSession(learner_id, enrollment_id, "w01", item, at, ends_at, ends_at.date())


async def started(uow: Factory, new: NewFocusSession) -> FocusSession | None:
    async with uow() as work:
        begun = await work.focus_sessions.start(new)
        await work.commit()
    return begun


async def test_a_learner_runs_one_session_at_a_time_each_with_one_check_in(uow: Factory) -> None:
    ids = await seeded(uow)
    first = await started(uow, session_of(ids))
    assert first is not None
    assert (first.item_id, first.started_at, first.stopped_at) == ("w01-a", NOW, None)
    assert first.minutes == 25 and first.running_at(NOW) and not first.running_at(first.ends_at)
    async with uow() as work:
        assert await work.focus_sessions.get(first.id) == first
        assert await work.focus_sessions.running(ids[0]) == first
        assert await work.focus_sessions.latest(ids[0]) == first
    # Not stopped, so no second one, even with its time up.
    assert await started(uow, session_of(ids, at=NOW + timedelta(hours=1))) is None

    async with uow() as work:
        [check_in] = await work.outbox.claim(
            first.ends_at, lease_until=first.ends_at + timedelta(minutes=1), worker="w", limit=9
        )
        await work.outbox.finish(
            check_in.id, status=Status.DROPPED, at=first.ends_at, outcome="stopped", to=None
        )
        await work.commit()
    assert (check_in.recipient, check_in.kind) == (Recipient.focus(first.id), Kind.FOCUS_END)
    assert (check_in.due_at, check_in.local_date) == (first.ends_at, MONDAY)

    stop_at = NOW + timedelta(minutes=10)
    async with uow() as work:
        assert await work.focus_sessions.stop(first.id, at=stop_at)
        assert not await work.focus_sessions.stop(first.id, at=stop_at + timedelta(minutes=1))
        await work.commit()
    async with uow() as work:
        assert await work.focus_sessions.running(ids[0]) is None
        stopped = await work.focus_sessions.get(first.id)
        assert stopped is not None and stopped.stopped_at == stop_at
    second = await started(uow, session_of(ids, at=NOW + timedelta(minutes=30), item=None))
    assert second is not None and second.item_id is None and second.id != first.id
    async with uow() as work:
        assert await work.focus_sessions.latest(ids[0]) == second
        owed = await work.outbox.claim(
            second.ends_at, lease_until=second.ends_at + timedelta(minutes=1), worker="w", limit=9
        )
    assert [o.recipient for o in owed] == [Recipient.focus(second.id)]


async def test_who_is_in_a_session_now_among_a_set_of_learners(uow: Factory) -> None:
    ada, bob, cy = await seeded(uow, ADA), await seeded(uow, BOB), await seeded(uow, CY)
    later = NOW + timedelta(minutes=20)
    focusing = await started(uow, session_of(ada, minutes=50))
    stopped = await started(uow, session_of(bob, minutes=50))
    time_up = await started(uow, session_of(cy, minutes=15))
    assert focusing and stopped and time_up
    async with uow() as work:
        await work.focus_sessions.stop(stopped.id, at=NOW + timedelta(minutes=5))
        await work.commit()
    async with uow() as work:
        everyone = [ada[0], bob[0], cy[0]]
        assert await work.focus_sessions.running_among(everyone, now=later) == [focusing]
        assert await work.focus_sessions.running_among([bob[0], cy[0]], now=later) == []
        assert await work.focus_sessions.running_among([], now=later) == []
        assert await work.focus_sessions.running_among(everyone, now=NOW) == [time_up, focusing]


async def test_forget_takes_the_sessions_and_their_check_ins(uow: Factory) -> None:
    ada, bob = await seeded(uow, ADA), await seeded(uow, BOB)
    gone = await started(uow, session_of(ada))
    kept = await started(uow, session_of(bob))
    assert gone and kept
    async with uow() as work:
        await work.accounts.forget(ada[0])
        await work.commit()
    async with uow() as work:
        assert await work.focus_sessions.get(gone.id) is None
        assert await work.focus_sessions.running(bob[0]) == kept
        owed = await work.outbox.claim(
            kept.ends_at, lease_until=kept.ends_at + timedelta(minutes=1), worker="w", limit=9
        )
    assert [o.recipient for o in owed] == [Recipient.focus(kept.id)]


# -- parallel transactions ----------------------------------------------------------------


@MEMORY_AND_POSTGRES
async def test_a_start_waits_for_one_in_a_parallel_transaction_and_begins_nothing(
    uow: Factory,
) -> None:
    ids = await seeded(uow)
    async with uow() as first, uow() as second:
        begun = await first.focus_sessions.start(session_of(ids))
        assert begun is not None
        # Runs while the first holds the index entry; it can finish only once that ends.
        racing = asyncio.create_task(second.focus_sessions.start(session_of(ids)))
        await first.commit()
        assert await racing is None
        await second.commit()
    async with uow() as work:
        assert await work.focus_sessions.running(ids[0]) == begun


@MEMORY_AND_POSTGRES
async def test_starts_in_parallel_transactions_leave_exactly_one_running(uow: Factory) -> None:
    ids = await seeded(uow)
    for trial in range(8):
        outcomes = await asyncio.gather(*(started(uow, session_of(ids)) for _ in range(3)))
        begun = [o for o in outcomes if o is not None]
        assert len(begun) == 1, f"trial {trial}"
        async with uow() as work:
            assert await work.focus_sessions.running(ids[0]) == begun[0]
            # Of two stops at once only one counts, so the minutes are logged once.
            stops = await asyncio.gather(
                *(stopped_in_its_own_unit(uow, begun[0].id) for _ in range(2))
            )
        assert sorted(stops) == [False, True], f"trial {trial}"


async def stopped_in_its_own_unit(uow: Factory, session_id: int) -> bool:
    async with uow() as work:
        stopped = await work.focus_sessions.stop(session_id, at=NOW + timedelta(minutes=1))
        await work.commit()
    return stopped


@pytest.mark.postgres
async def test_focus_from_two_workers_at_once_starts_one_session(
    two_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """Two `coach run` processes each take one of a learner's `/focus` commands."""
    clock = FrozenClock(NOW)
    workers = [
        Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())
        for engine in two_engines
    ]
    for trial in range(6):
        who = LearnerRef("test", f"racer-{trial}", "Racer")
        assert isinstance(await workers[0].handle(who, "/start"), Reply)
        replies = await asyncio.gather(*(w.handle(who, "/focus") for w in workers))
        assert all(isinstance(r, Reply) and r != apology() for r in replies), replies
        texts = [r.plain_text() for r in replies if isinstance(r, Reply)]
        assert sum("Focus: 25 min" in t for t in texts) == 1, texts
        async with two_engines[0].connect() as connection:
            running = await connection.scalar(
                select(func.count())
                .select_from(m.FocusSession)
                .join(m.Identity, m.Identity.learner_id == m.FocusSession.learner_id)
                .where(
                    m.Identity.external_id == who.external_id, m.FocusSession.stopped_at.is_(None)
                )
            )
            owed = await connection.scalar(
                select(func.count())
                .select_from(m.OutboxMessage)
                .where(m.OutboxMessage.focus_session_id.is_not(None))
            )
        assert (running, owed) == (1, trial + 1), f"trial {trial}"
