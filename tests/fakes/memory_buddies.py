"""The in-memory study buddies, on the tables of tests.fakes.memory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.memory import MemoryUnitOfWork, Table


def buddy_tables() -> dict[str, Table[Any]]:
    return {}


class MemoryBuddies:
    def __init__(self, unit: MemoryUnitOfWork) -> None:
        self._unit = unit
        self._db = unit.database


def memory_buddies(unit: MemoryUnitOfWork) -> MemoryBuddies:
    return MemoryBuddies(unit)
