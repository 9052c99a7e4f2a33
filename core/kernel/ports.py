"""The unit of work every capability's own is built on, and the record of handled updates."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar


class UpdateLog(Protocol):
    """Platform updates already handled, so a redelivered one has its effect once."""

    async def claim(self, key: str, *, at: datetime) -> bool:
        """Records an update as handled; False if it already was."""
        ...

    async def prune(self, *, before: datetime, limit: int) -> int:
        """Forgets keys handled before `before`; returns how many went."""
        ...


class UnitOfWork(Protocol):
    """One transaction: commit explicitly, anything else rolls back."""

    @property
    def updates(self) -> UpdateLog: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


U_co = TypeVar("U_co", bound=UnitOfWork, covariant=True)


class UnitOfWorkFactory(Protocol[U_co]):
    """Opens a unit of work. Each capability asks for the narrowest one it needs; the
    storage hands out one object that is all of them."""

    def __call__(self, *, read_only: bool = False) -> U_co:
        """`read_only`: the work only reads, so the storage may run it without a
        transaction of its own (each statement still sees only committed data)."""
        ...
