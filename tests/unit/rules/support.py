"""Reading the memory storage back through its repositories, for what a reply does not show."""

from __future__ import annotations

from core.kernel.refs import LearnerRef
from core.learning.model import CompletionRecord, Enrollment, Snapshot
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory


async def snapshot(uow: MemoryUnitOfWorkFactory, who: LearnerRef) -> Snapshot | None:
    async with uow() as work:
        return await work.learners.load(who)


async def enrollment(uow: MemoryUnitOfWorkFactory, who: LearnerRef) -> Enrollment:
    found = await snapshot(uow, who)
    assert found is not None and found.enrollment is not None, f"{who} has no track"
    return found.enrollment


async def ticks(uow: MemoryUnitOfWorkFactory, who: LearnerRef) -> list[CompletionRecord]:
    """Every item the learner's active enrollment has ticked, in the order ticked."""
    e = await enrollment(uow, who)
    async with uow() as work:
        return await work.ticks.of_enrollment(e.id)


def rows(database: MemoryDatabase, table: str) -> int:
    """How many committed rows a table holds."""
    return database.count(database.tables[table])
