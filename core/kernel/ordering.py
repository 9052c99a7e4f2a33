"""One person's updates one at a time, in the order they arrived at this process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class ArrivalOrder:
    """A queue per key: work for one key runs one at a time, first come first served
    (asyncio's lock wakes its waiters in order), and other keys never wait for it.

    Across processes the learner's row lock orders their commands; this keeps a
    process's own concurrent handlers (a webhook's requests, Discord's interactions)
    from overtaking each other on the way to it.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        lock, waiting = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._locks[key]
            if waiting == 1:
                del self._locks[key]  # nobody queued: a quiet key costs no memory
            else:
                self._locks[key] = (lock, waiting - 1)

    def __len__(self) -> int:
        return len(self._locks)
