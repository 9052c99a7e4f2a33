"""The in-memory study buddies, on the tables of tests.fakes.memory.

A claim takes the learner's lock and then the seat's with `try_lock`, as SKIP LOCKED
does: a learner in the middle of a command, or held by another pairing, is passed over.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from core.buddies.model import BuddySharing, Seat, Waiting
from core.outreach.model import Kind, NewOutboxItem, Recipient

if TYPE_CHECKING:
    from tests.fakes.memory import MemoryUnitOfWork, Table, Transaction, View

BUDDIES = "buddies"


@dataclass(frozen=True)
class SeatRow:
    learner_id: int
    buddy_id: int | None
    since: datetime
    share_done: bool = True
    share_streak: bool = True

    @property
    def seat(self) -> Seat:
        return Seat(
            self.learner_id,
            self.buddy_id,
            self.since,
            BuddySharing(done=self.share_done, streak=self.share_streak),
        )


def buddy_tables() -> dict[str, Table[Any]]:
    from tests.fakes.memory import Table

    return {
        BUDDIES: Table[SeatRow](
            BUDDIES,
            lambda r: r.learner_id,
            parents=[(lambda r: r.learner_id, "learners"), (lambda r: r.buddy_id, "learners")],
        )
    }


def _seats(tx: Transaction) -> View[SeatRow]:
    return cast("View[SeatRow]", tx[tx.database.tables[BUDDIES]])


class MemoryBuddies:
    def __init__(self, unit: MemoryUnitOfWork) -> None:
        self._unit = unit
        self._db = unit.database

    async def _view(self) -> View[SeatRow]:
        return _seats(await self._unit.transaction())

    async def find(self, learner_id: int) -> Seat | None:
        row = (await self._view()).get(learner_id)
        return row.seat if row else None

    async def join(self, learner_id: int, *, at: datetime) -> tuple[Seat, bool]:
        seats = await self._view()
        row = SeatRow(learner_id, None, at)
        if await seats.insert_new(row):
            return row.seat, True
        held = await seats.locked(learner_id)
        assert held is not None
        return held.seat, False

    async def waiting(self, *, besides: int) -> list[Waiting]:
        tx = await self._unit.transaction()
        enrollments = tx[self._db.enrollments]
        pool = []
        for row in _seats(tx).where(lambda r: r.buddy_id is None and r.learner_id != besides):
            active = enrollments.find("active", row.learner_id)
            if active is None or active.enrollment.paused_since is not None:
                continue
            e = active.enrollment
            pool.append(Waiting(row.learner_id, row.since, e.track_id, e.current_week_id, e.pace))
        return sorted(pool, key=lambda w: (w.since, w.learner_id))

    async def claim(self, learner_id: int) -> bool:
        tx = await self._unit.transaction()
        if not tx.try_lock(("learners", "", learner_id)):
            return False
        if not tx.try_lock((BUDDIES, "", learner_id)):
            return False
        row = _seats(tx).get(learner_id)
        return row is not None and row.buddy_id is None

    async def pair(self, learner_id: int, buddy_id: int, *, at: datetime) -> None:
        seats = await self._view()
        await seats.update(learner_id, lambda r: replace(r, buddy_id=buddy_id, since=at))
        await seats.update(buddy_id, lambda r: replace(r, buddy_id=learner_id, since=at))

    async def wait_again(self, learner_id: int, *, at: datetime) -> None:
        seats = await self._view()
        await seats.update(learner_id, lambda r: replace(r, buddy_id=None, since=at))

    async def leave(self, learner_id: int) -> Seat | None:
        seats = await self._view()
        row = await seats.locked(learner_id)
        if row is None:
            return None
        await seats.delete(learner_id)
        return row.seat

    async def share(self, learner_id: int, sharing: BuddySharing) -> None:
        seats = await self._view()
        await seats.update(
            learner_id, lambda r: replace(r, share_done=sharing.done, share_streak=sharing.streak)
        )

    async def announce(self, learner_id: int, *, on: date, at: datetime) -> None:
        news = NewOutboxItem(Recipient.learner(learner_id), Kind.BUDDY_PAIRED, on, at, at)
        await self._unit.outbox.enqueue([news])


def memory_buddies(unit: MemoryUnitOfWork) -> MemoryBuddies:
    return MemoryBuddies(unit)


# -- for /forget, /link and /export in tests.fakes.memory, as the SQL storage does them ----


async def forget_seats(tx: Transaction, learner_id: int) -> None:
    """The learner's seat goes; a buddy's seat naming them is unpaired (ON DELETE SET NULL)."""
    seats = _seats(tx)
    await seats.delete_where(lambda r: r.learner_id == learner_id)
    for row in seats.where(lambda r: r.buddy_id == learner_id):
        await seats.update(row.learner_id, lambda r: replace(r, buddy_id=None))


async def absorb_seats(tx: Transaction, survivor_id: int, absorbed_id: int) -> None:
    """The survivor's seat stays where both have one; a seat naming the absorbed learner
    names the survivor."""
    seats = _seats(tx)
    theirs = await seats.locked(absorbed_id)
    if theirs is not None:
        await seats.delete(absorbed_id)
        if await seats.locked(survivor_id) is None:
            await seats.insert(replace(theirs, learner_id=survivor_id))
    for row in seats.where(lambda r: r.buddy_id == absorbed_id):
        await seats.update(row.learner_id, lambda r: replace(r, buddy_id=survivor_id))


def exported_seats(tx: Transaction, learner_id: int) -> list[dict[str, Any]]:
    """The rows the SQL export lists: the learner's own seat."""
    rows = _seats(tx).where(lambda r: r.learner_id == learner_id)
    return [
        {**asdict(row), "since": row.since.isoformat()}
        for row in sorted(rows, key=lambda r: r.learner_id)
    ]
