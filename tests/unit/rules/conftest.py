"""The coach on the memory storage: the rules at the speed of plain Python."""

from __future__ import annotations

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog
from tests.conftest import MONDAY_MORNING, Learner
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory


@pytest.fixture
def database() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def uow(database: MemoryDatabase) -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory(database)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_MORNING)


@pytest.fixture
def coach(uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Coach:
    return Coach(uow, clock, BuiltinCatalog())


@pytest.fixture
def ada(coach: Coach) -> Learner:
    return Learner(coach)
