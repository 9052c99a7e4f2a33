"""Engines for the two supported backends, tuned for a chat bot's many small transactions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.storage.models import ProcessedUpdate
from core.storage.urls import IN_MEMORY_REFUSED, SUPPORTED_DRIVERS, sqlite_file

WRITE_CHECK_KEY = "coach:write-check"  # no platform's update key looks like it


class NotWritable(Exception):
    """The database answers reads but refuses writes; the message is the driver's reason."""


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise ValueError(f"unsupported database driver {parsed.drivername!r}")
    if parsed.drivername.startswith("sqlite"):
        if sqlite_file(parsed) is None:
            raise ValueError(IN_MEMORY_REFUSED)
        # One connection: SQLite has a single writer, and writers queueing in the pool
        # beat writers polling SQLite's busy handler, which sleeps in growing steps.
        # Every connection goes back with its transaction ended (committed, or rolled back
        # by its close), so the pool's own reset would be one more thread hop for nothing.
        engine = create_async_engine(
            parsed,
            connect_args={"timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            pool_reset_on_return=None,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No ping before each checkout (a round trip on every command): a connection the
    # server dropped fails its first statement instead, is discarded with every other of
    # its age, and the update runs again on a fresh one (see `storage_error`).
    return create_async_engine(parsed, pool_size=pool_size, max_overflow=pool_size)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; NORMAL skips an fsync per commit,
    # which WAL keeps safe against application crashes.
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


async def check_writable(engine: AsyncEngine) -> None:
    """Raises NotWritable when the database refuses a write: a read-only file or mount, a
    standby server, a role that may only read. Otherwise the coach would start and fail
    every command. The write is the claim each command makes first, rolled back."""
    claim = insert(ProcessedUpdate).values(key=WRITE_CHECK_KEY, handled_at=datetime.now(UTC))
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            await connection.execute(claim)
        except DBAPIError as problem:
            reason = str(problem.orig or problem).strip()
            raise NotWritable(
                reason.splitlines()[0] if reason else type(problem).__name__
            ) from None
        finally:
            await transaction.rollback()


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
