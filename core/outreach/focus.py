"""A focus session's check-in when its time is up, composed as it goes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from core.outreach.model import Decision, Drop, OutboxItem
from core.outreach.ports import OutreachUnitOfWork


async def focus_check_in(
    uow: OutreachUnitOfWork, item: OutboxItem, platforms: Collection[str], now: datetime
) -> Decision:
    return Drop("not built yet")
