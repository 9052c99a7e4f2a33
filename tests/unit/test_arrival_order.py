"""Per-key arrival order: one key's work in turn, other keys free."""

from __future__ import annotations

import asyncio

from core.kernel.ordering import ArrivalOrder


async def test_one_keys_work_runs_in_arrival_order_and_one_at_a_time() -> None:
    order, ran, running = ArrivalOrder(), [], []

    async def work(n: int) -> None:
        async with order.turn("ada"):
            running.append(n)
            assert len(running) == 1
            await asyncio.sleep(0)  # a round trip, where another could overtake
            ran.append(n)
            running.remove(n)

    await asyncio.gather(*(work(n) for n in range(10)))
    assert ran == list(range(10))
    assert len(order) == 0  # nothing kept once the queue is empty


async def test_another_key_does_not_wait() -> None:
    order = ArrivalOrder()
    release = asyncio.Event()
    done: list[str] = []

    async def slow() -> None:
        async with order.turn("ada"):
            await release.wait()
            done.append("ada")

    async def quick() -> None:
        async with order.turn("bob"):
            done.append("bob")

    waiting = asyncio.create_task(slow())
    await asyncio.sleep(0)
    await quick()
    assert done == ["bob"]
    release.set()
    await waiting
    assert done == ["bob", "ada"]
