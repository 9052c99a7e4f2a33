"""`/replan`: what a learner who fell behind can do about it."""

from __future__ import annotations

from core.kernel.commands import Replan
from core.kernel.reply import Reply
from core.learning.context import Context
from core.learning.ports import LearningUnitOfWork


async def replan(ctx: Context[LearningUnitOfWork], command: Replan) -> Reply:
    raise NotImplementedError
