"""Study buddies in storage: the seats' contract on the memory fake, SQLite and PostgreSQL,
and pairing raced from two workers on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.app.views import apology
from core.buddies.model import BuddySharing, Seat
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.learning.pace import Pace
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.conftest import BACKENDS, MONDAY_MORNING
from tests.integration.storage.conftest import Factory, new_enrollment

NOW = MONDAY_MORNING
LATER = NOW + timedelta(hours=1)
SQL_ONLY = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
TRIALS = 12


async def learner(uow: Factory, name: str, **changes: object) -> int:
    async with uow() as work:
        who = LearnerRef("test", name, name.title())
        enrollment = None if changes.pop("trackless", False) else new_enrollment(**changes)
        snapshot = await work.learners.create(who, enrollment, at=NOW)
        await work.commit()
    return snapshot.learner_id


async def seat(uow: Factory, learner_id: int) -> Seat | None:
    async with uow() as work:
        return await work.buddies.find(learner_id)


async def joined(uow: Factory, learner_id: int, at: object = NOW) -> None:
    async with uow() as work:
        await work.buddies.join(learner_id, at=at)  # type: ignore[arg-type]
        await work.commit()


# -- the contract -------------------------------------------------------------------------


async def test_a_seat_is_taken_once_and_waits_until_paired(uow: Factory) -> None:
    ada, bob, cy = await learner(uow, "ada"), await learner(uow, "bob"), await learner(uow, "cy")
    async with uow() as work:
        first, new = await work.buddies.join(ada, at=NOW)
        again, new_again = await work.buddies.join(ada, at=LATER)
        await work.commit()
    assert new and not new_again
    assert first == again == Seat(ada, None, NOW, BuddySharing(done=True, streak=True))
    assert await seat(uow, ada) == first
    assert await seat(uow, bob) is None

    await joined(uow, bob, LATER)
    async with uow() as work:
        assert await work.buddies.claim(bob)
        await work.buddies.pair(ada, bob, at=LATER)
        await work.commit()
    mine, theirs = await seat(uow, ada), await seat(uow, bob)
    assert mine == Seat(ada, bob, LATER) and theirs == Seat(bob, ada, LATER)
    assert mine.pairs_with(theirs) and theirs.pairs_with(mine)
    async with uow() as work:
        assert not await work.buddies.claim(bob)  # paired: no longer in the pool
        assert not await work.buddies.claim(cy)  # never asked
        assert await work.buddies.waiting(besides=ada) == []


async def test_the_pool_lists_learners_on_a_track_the_longest_waiting_first(uow: Factory) -> None:
    ada = await learner(uow, "ada")
    bob = await learner(uow, "bob", pace=Pace.ACCELERATED, current_week_id="w03")
    cy = await learner(uow, "cy")
    paused = await learner(uow, "di")
    trackless = await learner(uow, "ed", trackless=True)
    for n, who in enumerate((cy, bob, ada, paused, trackless)):
        await joined(uow, who, NOW + timedelta(minutes=n))
    async with uow() as work:
        snapshot = await work.learners.load_by_id(paused)
        assert snapshot is not None and snapshot.enrollment is not None
        snapshot.enrollment.paused_since = snapshot.enrollment.started_on
        await work.enrollments.save(snapshot.enrollment)
        await work.commit()
    async with uow() as work:
        pool = await work.buddies.waiting(besides=ada)
    assert [(w.learner_id, w.track_id, w.week_id, w.pace) for w in pool] == [
        (cy, "python-backend", "w01", Pace.STANDARD),
        (bob, "python-backend", "w03", Pace.ACCELERATED),
    ]
    assert [w.since for w in pool] == [NOW, NOW + timedelta(minutes=1)]


async def test_leaving_gives_up_the_seat_and_the_buddys_still_names_the_learner(
    uow: Factory,
) -> None:
    ada, bob = await learner(uow, "ada"), await learner(uow, "bob")
    await joined(uow, ada)
    await joined(uow, bob)
    async with uow() as work:
        assert await work.buddies.claim(bob)
        await work.buddies.pair(ada, bob, at=LATER)
        await work.commit()
    async with uow() as work:
        gone = await work.buddies.leave(ada)
        assert await work.buddies.leave(ada) is None
        await work.commit()
    assert gone == Seat(ada, bob, LATER)
    assert await seat(uow, ada) is None
    left_behind = await seat(uow, bob)
    assert left_behind is not None and left_behind.buddy_id == ada
    assert not left_behind.pairs_with(await seat(uow, ada))
    async with uow() as work:
        await work.buddies.wait_again(bob, at=LATER + timedelta(days=1))
        await work.buddies.share(bob, BuddySharing(done=False, streak=True))
        await work.commit()
    assert await seat(uow, bob) == Seat(
        bob, None, LATER + timedelta(days=1), BuddySharing(done=False, streak=True)
    )


# -- linked and forgotten learners, through the coach ------------------------------------


async def waiting(coach: Coach, who: LearnerRef) -> bool:
    """Whether `/buddy` finds them waiting, and says nobody left (no one they could be
    told of is left: forgotten, or their own account)."""
    answer = await coach.handle(who, "/buddy")
    assert isinstance(answer, Reply)
    text = answer.plain_text()
    return "left the pairing" not in text and ("buddy pool" in text or "Still looking" in text)


@SQL_ONLY
async def test_a_buddy_forgotten_or_linked_into_the_learner_leaves_them_waiting(
    coach: Coach, engine: AsyncEngine
) -> None:
    ada, bob = LearnerRef("telegram", "1", "Ada"), LearnerRef("discord", "2", "Bob")
    for who in (ada, bob):
        await coach.handle(who, "/start")
        await coach.handle(who, "/buddy")
    forget = await coach.handle(bob, "/forget")
    assert isinstance(forget, Reply)
    await coach.press(bob, forget.all_buttons[0].action)
    assert await waiting(coach, ada)

    # Ada's Discord account, paired with her Telegram one, then linked to it.
    ada_dc = LearnerRef("discord", "3", "Ada")
    await coach.handle(ada_dc, "/start")
    paired = await coach.handle(ada_dc, "/buddy")
    assert isinstance(paired, Reply) and "Your study buddy: Ada" in paired.plain_text()
    issued = await coach.handle(ada, "/link")
    assert isinstance(issued, Reply)
    code = re.search(r"\b[2-9A-HJ-NP-Z]{6}\b", issued.plain_text())
    assert code is not None
    await coach.handle(ada_dc, f"/link {code.group()}")
    assert await waiting(coach, ada)
    async with engine.connect() as connection:
        seats = (await connection.execute(select(m.Buddy.learner_id, m.Buddy.buddy_id))).all()
    assert [row.buddy_id for row in seats] == [None]


# -- pairing raced on PostgreSQL ------------------------------------------------------------


@dataclass
class Workers:
    """Two `coach run` workers on one database: separate engines, separate transactions."""

    coaches: tuple[Coach, Coach]
    engine: AsyncEngine
    clock: FrozenClock

    async def ask(self, *people: LearnerRef) -> list[str]:
        """`/buddy` from each at once, spread over the two workers."""
        outcomes = await asyncio.gather(
            *(self.coaches[n % 2].handle(who, "/buddy") for n, who in enumerate(people))
        )
        assert all(isinstance(o, Reply) for o in outcomes)
        assert apology() not in outcomes, "a /buddy was refused instead of carried out"
        return [o.plain_text() for o in outcomes if isinstance(o, Reply)]

    async def seats(self) -> dict[int, int | None]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(select(m.Buddy.learner_id, m.Buddy.buddy_id))
            return {row.learner_id: row.buddy_id for row in rows}

    async def empty_pool(self) -> None:
        """Before the next trial, whose learners would otherwise find these waiting."""
        async with self.engine.begin() as connection:
            await connection.execute(delete(m.Buddy))

    async def learner_id(self, who: LearnerRef) -> int:
        async with self.engine.connect() as connection:
            found = await connection.scalar(
                select(m.Identity.learner_id).where(m.Identity.external_id == who.external_id)
            )
        assert found is not None
        return int(found)


@pytest.fixture
def workers(
    two_engines: tuple[AsyncEngine, AsyncEngine], caplog: pytest.LogCaptureFixture
) -> Iterator[Workers]:
    clock = FrozenClock(MONDAY_MORNING)
    first, second = (
        Coach(SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog())
        for engine in two_engines
    )
    caplog.set_level(logging.INFO, logger="core.app.updates")
    yield Workers((first, second), two_engines[0], clock)
    # No pairing ever waited on another into a deadlock, nor clashed on a key: a lost race
    # would have been run again, and said so.
    assert "lost a race" not in caplog.text


def mutual(seats: dict[int, int | None]) -> dict[int, int]:
    """The pairs among the seats; fails if a seat names someone who names another."""
    paired = {mine: theirs for mine, theirs in seats.items() if theirs is not None}
    for mine, theirs in paired.items():
        assert paired.get(theirs) == mine, f"{mine} names {theirs}, who names {paired.get(theirs)}"
    return paired


async def racers(workers: Workers, trial: int, count: int) -> list[LearnerRef]:
    people = [LearnerRef("test", f"racer-{trial}-{n}", f"Racer{n}") for n in range(count)]
    for who in people:
        assert isinstance(await workers.coaches[0].handle(who, "/start"), Reply)
    return people


@pytest.mark.postgres
async def test_two_asking_for_one_who_waits_never_both_get_them(workers: Workers) -> None:
    for trial in range(TRIALS):
        waiter, first, second = await racers(workers, trial, 3)
        await workers.ask(waiter)
        await workers.ask(*((first, second) if trial % 2 else (second, first)))
        seats = await workers.seats()
        paired = mutual(seats)
        ids = [await workers.learner_id(who) for who in (waiter, first, second)]
        assert paired.get(ids[0]) in ids[1:], f"trial {trial}: {seats}"
        assert sum(1 for who in ids[1:] if who in paired) == 1, f"trial {trial}: {seats}"
        assert sum(1 for who in ids[1:] if seats[who] is None) == 1
        await workers.empty_pool()


@pytest.mark.postgres
async def test_many_asking_at_once_pair_once_each_and_the_rest_on_asking_again(
    workers: Workers,
) -> None:
    for trial in range(TRIALS // 2):
        people = await racers(workers, trial, 8)
        await workers.ask(*people[:3])  # some wait already
        await workers.ask(*people)
        mutual(await workers.seats())
        # Whoever waited asks again, one after another: each finds someone.
        for who in people:
            await workers.ask(who)
        assert len(mutual(await workers.seats())) == 8, f"trial {trial}"
        await workers.empty_pool()


class Claiming(SqlUnitOfWorkFactory):
    """Units of work whose claims of a buddy set an event once made, while their
    transaction is still open."""

    def __init__(self, engine: AsyncEngine, claimed: asyncio.Event) -> None:
        super().__init__(make_sessions(engine))
        self._claimed = claimed

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        work = super().__call__(read_only=read_only)
        claim = work.buddies.claim

        async def claiming(learner_id: int) -> bool:
            claimed = await claim(learner_id)
            self._claimed.set()
            return claimed

        work.buddies.claim = claiming  # type: ignore[method-assign]
        return work


@pytest.mark.postgres
async def test_a_learner_leaving_while_another_pairs_with_them(
    workers: Workers, two_engines: tuple[AsyncEngine, AsyncEngine]
) -> None:
    claimed = asyncio.Event()
    asking_worker = Coach(Claiming(two_engines[1], claimed), workers.clock, BuiltinCatalog())

    async def leave(who: LearnerRef, *, after_claim: bool) -> Reply | object:
        if after_claim:  # the other pairing holds them: this command waits for it
            await asyncio.wait_for(claimed.wait(), 10)
        return await workers.coaches[0].handle(who, "/buddy leave")

    for trial in range(TRIALS):
        leaver, asker = await racers(workers, trial, 2)
        await workers.ask(leaver)
        claimed.clear()
        # Sent at once; in half the trials the leave starts once the pairing has claimed.
        late = trial % 2 == 1
        left, answer = await asyncio.gather(
            leave(leaver, after_claim=late), asking_worker.handle(asker, "/buddy")
        )
        assert isinstance(left, Reply) and isinstance(answer, Reply)
        assert apology() not in (left, answer)
        leaver_id, asker_id = await workers.learner_id(leaver), await workers.learner_id(asker)
        seats = await workers.seats()
        assert leaver_id not in seats, f"trial {trial}"
        assert seats[asker_id] in (None, leaver_id), f"trial {trial}"
        if late:
            assert seats[asker_id] == leaver_id, f"trial {trial}: the pairing came first"
        # Paired a moment before the other left: told so now, and waiting.
        again = (await workers.ask(asker))[0]
        assert ("Racer0 left the pairing" in again) == (seats[asker_id] == leaver_id)
        assert (await workers.seats())[asker_id] is None
        await workers.empty_pool()


@pytest.mark.postgres
async def test_a_claim_skips_a_learner_another_transaction_holds(
    two_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """Three pairings in flight at once reach for one waiting learner: one gets them, the
    others pass over without waiting, and none waits on another."""
    first, second = two_engines
    factories = [SqlUnitOfWorkFactory(make_sessions(e)) for e in (first, second, first)]
    setup = factories[0]
    waiter = await learner(setup, "waiter")
    askers = [await learner(setup, f"asker{n}") for n in range(3)]
    await joined(setup, waiter)
    all_claimed = asyncio.Barrier(3)

    async def pairing(units: SqlUnitOfWorkFactory, me: int) -> bool:
        async with units() as work:
            await work.learners.load_by_id(me, lock=True)
            await work.buddies.join(me, at=NOW)
            claimed = await asyncio.wait_for(work.buddies.claim(waiter), 5)
            if claimed:
                await work.buddies.pair(me, waiter, at=NOW)
            await asyncio.wait_for(all_claimed.wait(), 5)  # every claim made, none ended
            await work.commit()
            return claimed

    claims = await asyncio.gather(
        *(pairing(f, me) for f, me in zip(factories, askers, strict=True))
    )
    assert sorted(claims) == [False, False, True]
    winner = askers[claims.index(True)]
    paired = mutual({s.learner_id: s.buddy_id for s in await seats_of(setup, waiter, *askers)})
    assert paired == {waiter: winner, winner: waiter}


async def seats_of(uow: Factory, *learners: int) -> list[Seat]:
    found = [await seat(uow, who) for who in learners]
    return [s for s in found if s is not None]
