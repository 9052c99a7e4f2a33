"""The one place that knows which backend a unit of work talks to."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeAlias, TypeVar

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import Executable

Upsert = postgresql.Insert | sqlite.Insert
Params = Mapping[str, Any]
Rows: TypeAlias = CursorResult[*tuple[Any, ...]]
S = TypeVar("S", bound=Select[Any])
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True)
class Dialect:
    name: str
    insert: Callable[[Table], Upsert]  # an INSERT that takes ON CONFLICT clauses
    # PostgreSQL locks rows, so workers sharing it skip each other's instead of queueing;
    # SQLite has a single writer and nothing to skip.
    row_locks: bool

    def skip_locked(self, statement: S, *of: Table) -> S:
        if not self.row_locks:
            return statement
        return statement.with_for_update(of=list(of) or None, skip_locked=True)


DIALECTS = {
    dialect.name: dialect
    for dialect in (
        Dialect("postgresql", postgresql.insert, row_locks=True),
        Dialect("sqlite", sqlite.insert, row_locks=False),
    )
}


class PerDialect(Generic[T_co]):
    """A statement built once for each backend at import.

    Building and cache-keying a statement on every call costs more Python time than the
    round trip of a hot path's query, so those are built here and only picked per call.
    """

    def __init__(self, build: Callable[[Dialect], T_co]) -> None:
        self._built = {name: build(dialect) for name, dialect in DIALECTS.items()}

    def on(self, dialect: Dialect) -> T_co:
        return self._built[dialect.name]


class SqlSession:
    """The connection the repositories of one unit of work share, checked out of the pool
    at the first statement and returned at `close`.

    Statements run through Core execution on a plain connection: no ORM objects are
    loaded, so an ORM session around it would only cost time (its own greenlet hop per
    statement, its transaction bookkeeping at commit and close).
    """

    def __init__(self, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        # PostgreSQL runs read-only work in autocommit: no BEGIN and no COMMIT, one round
        # trip for a one-statement command. Under READ COMMITTED each statement sees what
        # was committed when it began either way. (On SQLite switching the mode would cost
        # two thread hops for the one it saves.)
        self._autocommit = read_only and self.dialect.row_locks

    @cached_property
    def dialect(self) -> Dialect:
        return DIALECTS[self._engine.dialect.name]

    def insert(self, table: Table) -> Upsert:
        return self.dialect.insert(table)

    def for_update_skip_locked(self, statement: S, *of: Table) -> S:
        return self.dialect.skip_locked(statement, *of)

    async def execute(
        self, statement: Executable | PerDialect[Executable], params: Params | None = None
    ) -> Rows:
        if isinstance(statement, PerDialect):
            statement = statement.on(self.dialect)
        connection = self._connection or await self._connect()
        return await connection.execute(statement, params)

    async def execute_many(
        self, statement: Executable | PerDialect[Executable], rows: Sequence[Params]
    ) -> Rows:
        """One statement for many rows (an executemany, or one batched INSERT)."""
        if isinstance(statement, PerDialect):
            statement = statement.on(self.dialect)
        connection = self._connection or await self._connect()
        return await connection.execute(statement, rows)

    async def scalar(self, statement: Executable, params: Params | None = None) -> Any:
        return (await self.execute(statement, params)).scalar()

    async def commit(self) -> None:
        if self._connection is not None:
            await self._connection.commit()

    async def close(self) -> None:
        """Ends the transaction, rolling back anything not committed, and gives the
        connection back to the pool."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def _connect(self) -> AsyncConnection:
        connection = await self._engine.connect()
        if self._autocommit:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        self._connection = connection
        return connection
