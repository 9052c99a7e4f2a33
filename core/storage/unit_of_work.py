"""One transaction over every repository: what the storage hands the core."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.kernel.errors import ConflictError, StorageError
from core.storage.accounts import SqlAccounts, SqlLinkCodes
from core.storage.buddies import SqlBuddies
from core.storage.confirmations import SqlConfirmations
from core.storage.enrollments import SqlEnrollments, SqlLearnerSchedule
from core.storage.focus import SqlFocusSessions
from core.storage.group_quizzes import SqlGroupQuizzes
from core.storage.groups import SqlGroups, SqlGroupSchedule
from core.storage.learners import SqlLearners
from core.storage.outbox import SqlOutbox, SqlUpdateLog
from core.storage.progress import SqlJournal, SqlTicks
from core.storage.projects import SqlProjects
from core.storage.quizzes import SqlQuizzes, SqlReviews
from core.storage.session import SqlSession
from core.storage.tracks import SqlTracks

if TYPE_CHECKING:
    from core.accounts.ports import AccountUnitOfWork
    from core.outreach.ports import OutreachUnitOfWork


# PostgreSQL's serialization failure and deadlock: the loser of a race, free to try again.
_RACE_LOST = frozenset({"40001", "40P01"})


def storage_error(exc: SQLAlchemyError) -> StorageError:
    """The core's error for a failed statement. A lost race is a ConflictError, so the
    update may run again and see the winner's effect; so is a connection the server had
    dropped (a restart, a failover), as the update then runs on a fresh one: if it had
    committed after all, its claim makes the second run a no-op."""
    if isinstance(exc, IntegrityError) or (
        isinstance(exc, DBAPIError)
        and (exc.connection_invalidated or getattr(exc.orig, "sqlstate", None) in _RACE_LOST)
    ):
        return ConflictError(str(exc))
    return StorageError(str(exc))


class SqlUnitOfWork:
    """A session per use case; storage errors surface as the core's StorageError.

    Repositories are made on first use: a command touches two or three of them, and the
    rest would cost time on every command for nothing.
    """

    def __init__(self, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self._db = SqlSession(engine, read_only=read_only)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._db.close()  # rolls back anything not committed
        except SQLAlchemyError as close_error:
            if exc is None:
                raise storage_error(close_error) from close_error
        if isinstance(exc, SQLAlchemyError):
            raise storage_error(exc) from exc

    async def commit(self) -> None:
        try:
            await self._db.commit()
        except SQLAlchemyError as exc:
            raise storage_error(exc) from exc

    @cached_property
    def updates(self) -> SqlUpdateLog:
        return SqlUpdateLog(self._db)

    @cached_property
    def learners(self) -> SqlLearners:
        return SqlLearners(self._db, self.enrollments)

    @cached_property
    def enrollments(self) -> SqlEnrollments:
        return SqlEnrollments(self._db)

    @cached_property
    def ticks(self) -> SqlTicks:
        return SqlTicks(self._db)

    @cached_property
    def journal(self) -> SqlJournal:
        return SqlJournal(self._db)

    @cached_property
    def tracks(self) -> SqlTracks:
        return SqlTracks(self._db)

    @cached_property
    def quizzes(self) -> SqlQuizzes:
        return SqlQuizzes(self._db)

    @cached_property
    def reviews(self) -> SqlReviews:
        return SqlReviews(self._db)

    @cached_property
    def groups(self) -> SqlGroups:
        return SqlGroups(self._db)

    @cached_property
    def group_quizzes(self) -> SqlGroupQuizzes:
        return SqlGroupQuizzes(self._db)

    @cached_property
    def projects(self) -> SqlProjects:
        return SqlProjects(self._db)

    @cached_property
    def links(self) -> SqlLinkCodes:
        return SqlLinkCodes(self._db)

    @cached_property
    def accounts(self) -> SqlAccounts:
        return SqlAccounts(self._db, self.enrollments)

    @cached_property
    def confirmations(self) -> SqlConfirmations:
        return SqlConfirmations(self._db)

    @cached_property
    def focus_sessions(self) -> SqlFocusSessions:
        return SqlFocusSessions(self._db)

    @cached_property
    def buddies(self) -> SqlBuddies:
        return SqlBuddies(self._db)

    @cached_property
    def learner_schedule(self) -> SqlLearnerSchedule:
        return SqlLearnerSchedule(self._db)

    @cached_property
    def group_schedule(self) -> SqlGroupSchedule:
        return SqlGroupSchedule(self._db)

    @cached_property
    def outbox(self) -> SqlOutbox:
        return SqlOutbox(self._db)


class SqlUnitOfWorkFactory:
    """Units of work on an engine; a sessionmaker bound to one (`make_sessions`) names it
    as well."""

    def __init__(self, engine: AsyncEngine | async_sessionmaker[AsyncSession]) -> None:
        self._engine = engine if isinstance(engine, AsyncEngine) else _bound_engine(engine)

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine, read_only=read_only)


def _bound_engine(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        raise TypeError("the sessionmaker is not bound to an engine")
    return engine


if TYPE_CHECKING:
    # mypy checks here that every repository fits its port; together these two are the
    # whole unit of work the core asks for.

    def _serves_outreach(work: SqlUnitOfWork) -> OutreachUnitOfWork:
        return work

    def _serves_accounts(work: SqlUnitOfWork) -> AccountUnitOfWork:
        return work
