"""`/focus`: a timed study session on today's item."""

from __future__ import annotations

from core.kernel.commands import Focus
from core.kernel.reply import Reply
from core.learning.context import Context
from core.learning.ports import LearningUnitOfWork


async def focus(ctx: Context[LearningUnitOfWork], command: Focus) -> Reply:
    raise NotImplementedError
