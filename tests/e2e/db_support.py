"""Looking at the database the end-to-end suites' coach writes to."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.storage import models as m


async def count(engine: AsyncEngine, model: type[m.Base]) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)) or 0)
