"""`/buddy`: pairing up, seeing the buddy's day, leaving."""

from __future__ import annotations

from core.buddies.ports import BuddyUnitOfWork
from core.kernel.commands import Buddy
from core.kernel.reply import Reply
from core.learning.context import Context


async def buddy(ctx: Context[BuddyUnitOfWork], command: Buddy) -> Reply:
    raise NotImplementedError
