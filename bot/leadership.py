"""One worker at a time does what only one may, elected through a PostgreSQL advisory lock.

Telegram hands a bot's updates to one `getUpdates` consumer: a second one is answered 409,
and the two end up fetching the same updates in turns. So the workers sharing a database
elect one poller: the worker whose session holds `pg_try_advisory_lock(key)` polls, and the
others try again every `check_every` seconds. The lock belongs to the session, so it goes
with the leader's connection: a leader that dies, even by SIGKILL, frees it at once, and a
leader that can no longer reach its connection stops, since another may hold it by then.
SQLite is one process, with nothing to elect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
# A leader whose connection does not answer within this long stops rather than risk
# working beside the next one.
CHECK_TIMEOUT_SECONDS = 5.0
# What a database that cannot be reached raises: the driver's errors come wrapped by
# SQLAlchemy, a refused or timed-out connection as OSError (TimeoutError is one).
UNREACHABLE = (SQLAlchemyError, OSError)


def lock_key(name: str) -> int:
    """The advisory lock's key for a name: a signed 64-bit number, as PostgreSQL takes it."""
    digest = hashlib.sha256(f"coach-election:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Election:
    """Runs a piece of work in at most one of the workers sharing a PostgreSQL database.

    `name` says what is elected (no secret: it is logged); the lock's key is derived from it.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        name: str,
        *,
        check_every: float = CHECK_SECONDS,
        check_timeout: float = CHECK_TIMEOUT_SECONDS,
    ) -> None:
        self.engine = engine
        self.name = name
        self.key = lock_key(name)
        self.check_every = check_every
        self.check_timeout = check_timeout

    async def run(
        self,
        work: Callable[[], Coroutine[Any, Any, None]],
        *,
        stop: Callable[[], Awaitable[None]],
    ) -> None:
        """Runs `work()` whenever this worker leads, until it returns or raises.

        Losing the lead calls `stop()`, which should end `work` cleanly (the task is
        cancelled if it does not), and waits to be elected again. Cancelling `run` stops
        the work the same way and frees the lock.
        """
        if self.engine.dialect.name != "postgresql":
            await work()
            return
        while True:
            connection = await self._elected()
            try:
                if not await self._lead(connection, work, stop):
                    return
            finally:
                await self._release(connection)
            # A standby that can still reach the database gets the first chance to lead.
            await asyncio.sleep(self.check_every)

    async def _elected(self) -> AsyncConnection:
        """Waits until this worker holds the lock; returns the connection holding it."""
        standing_by = False
        while True:
            try:
                connection = await self._try_lock()
            except UNREACHABLE as problem:
                log.warning(
                    "%s: cannot reach the database to elect a leader (%s); trying again",
                    self.name,
                    type(problem).__name__,
                )
            else:
                if connection is not None:
                    log.info("%s: this worker is elected", self.name)
                    return connection
                if not standing_by:
                    log.info("%s: another worker is elected; this one stands by", self.name)
                    standing_by = True
            await asyncio.sleep(self.check_every)

    async def _try_lock(self) -> AsyncConnection | None:
        connection = await self.engine.connect()
        try:
            # No transaction stays open for as long as the lock is held.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            won = await connection.scalar(select(func.pg_try_advisory_lock(self.key)))
        except BaseException:
            await self._release(connection)
            raise
        if won:
            return connection
        await connection.close()  # holds nothing: back to the pool
        return None

    async def _lead(
        self,
        connection: AsyncConnection,
        work: Callable[[], Coroutine[Any, Any, None]],
        stop: Callable[[], Awaitable[None]],
    ) -> bool:
        """Runs the work until it ends (False) or the lock's connection is lost (True)."""
        task = asyncio.create_task(work())
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=self.check_every)
                if done:
                    task.result()  # a failure (a rejected token, say) ends the worker
                    return False
                if not await self._holds(connection):
                    log.warning(
                        "%s: lost the database connection holding the lead; stopping, "
                        "another worker may be elected now",
                        self.name,
                    )
                    return True
        finally:
            await self._end(task, stop)

    async def _holds(self, connection: AsyncConnection) -> bool:
        # A live session still holds its advisory lock: only unlocking or ending it frees one.
        try:
            async with asyncio.timeout(self.check_timeout):
                await connection.scalar(select(1))
        except UNREACHABLE:
            return False
        return True

    @staticmethod
    async def _end(task: asyncio.Task[None], stop: Callable[[], Awaitable[None]]) -> None:
        if task.done():
            return
        await stop()
        if not task.done():
            task.cancel()  # stop() found it still starting, where cancelling is clean
        await asyncio.wait({task})
        if not task.cancelled() and task.exception() is not None:
            log.warning("the stopped work ended with %r", task.exception())

    @staticmethod
    async def _release(connection: AsyncConnection) -> None:
        # Dropping the session is what surely frees the lock, whatever state it is in; a
        # connection put back in the pool would keep holding it.
        with contextlib.suppress(*UNREACHABLE):
            await connection.invalidate()
        with contextlib.suppress(*UNREACHABLE):
            await connection.close()
