"""The inbox of recorded updates: kept once, held under a lease, handed back, forgotten."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.intake.memory import MemoryInbox
from core.intake.model import NewUpdate
from core.intake.ports import Inbox
from core.storage.inbox import SqlInbox

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=1)


@pytest.fixture
def inbox(request: pytest.FixtureRequest, database_url: str) -> Inbox:
    if database_url == "memory":
        return MemoryInbox()
    return SqlInbox(request.getfixturevalue("engine"))


def update(n: int, lane: str = "1001", platform: str = "telegram") -> NewUpdate:
    return NewUpdate(platform, f"tg:1:{n}", lane, f'{{"update_id": {n}}}')


async def test_an_update_delivered_twice_is_recorded_once(inbox: Inbox) -> None:
    first = await inbox.record([update(1), update(2)], worker="a", now=NOW, lease_until=NOW + LEASE)
    again = await inbox.record([update(2), update(3)], worker="a", now=NOW, lease_until=NOW + LEASE)
    assert [u.key for u in first] == ["tg:1:1", "tg:1:2"]
    assert [u.key for u in again] == ["tg:1:3"]
    assert first[0].payload == '{"update_id": 1}' and first[0].lane == "1001"
    assert first[0].id < first[1].id < again[0].id  # the order they came in
    assert await inbox.backlog("telegram") == (3, NOW)


async def test_a_held_update_is_not_taken_until_its_lease_ends(inbox: Inbox) -> None:
    [held] = await inbox.record([update(1)], worker="a", now=NOW, lease_until=NOW + LEASE)
    take = {"worker": "b", "lease_until": NOW + 3 * LEASE, "limit": 10}
    assert await inbox.claim("telegram", now=NOW + LEASE / 2, **take) == []  # type: ignore[arg-type]
    await inbox.extend([held.id], worker="a", lease_until=NOW + 2 * LEASE)
    assert await inbox.claim("telegram", now=NOW + LEASE, **take) == []  # type: ignore[arg-type]
    [taken] = await inbox.claim("telegram", now=NOW + 2 * LEASE, **take)  # type: ignore[arg-type]
    assert (taken.id, taken.attempts) == (held.id, 2)
    # The first worker has lost it: its renewal no longer holds it.
    await inbox.extend([held.id], worker="a", lease_until=NOW + 10 * LEASE)
    [again] = await inbox.claim(
        "telegram", worker="c", now=NOW + 3 * LEASE, lease_until=NOW + 4 * LEASE, limit=10
    )
    assert again.id == held.id


async def test_released_updates_come_back_at_once_without_counting_a_try(inbox: Inbox) -> None:
    recorded = await inbox.record(
        [update(1), update(2), update(3, platform="discord")],
        worker="a",
        now=NOW,
        lease_until=NOW + LEASE,
    )
    await inbox.release([u.id for u in recorded], at=NOW)
    taken = await inbox.claim("telegram", worker="b", now=NOW, lease_until=NOW + LEASE, limit=1)
    assert [(u.key, u.attempts) for u in taken] == [("tg:1:1", 1)]  # oldest first, one asked
    rest = await inbox.claim("telegram", worker="b", now=NOW, lease_until=NOW + LEASE, limit=9)
    assert [u.key for u in rest] == ["tg:1:2"]  # only this platform's


async def test_handled_updates_are_forgotten(inbox: Inbox) -> None:
    recorded = await inbox.record(
        [update(1), update(2)], worker="a", now=NOW, lease_until=NOW + LEASE
    )
    await inbox.done([u.id for u in recorded])
    assert await inbox.backlog("telegram") == (0, None)
    assert (
        await inbox.claim("telegram", worker="b", now=NOW + LEASE, lease_until=NOW + LEASE, limit=9)
        == []
    )


async def test_two_workers_taking_leftovers_at_once_get_each_one_once(inbox: Inbox) -> None:
    # On PostgreSQL, three transactions at once on separate connections.
    await inbox.record(
        [update(n, lane=str(n % 3)) for n in range(1, 31)], worker="dead", now=NOW, lease_until=NOW
    )
    taken = await asyncio.gather(
        *(
            inbox.claim("telegram", worker=w, now=NOW, lease_until=NOW + LEASE, limit=20)
            for w in ("a", "b", "c")
        )
    )
    keys = [u.key for batch in taken for u in batch]
    assert sorted(keys) == sorted(f"tg:1:{n}" for n in range(1, 31))
