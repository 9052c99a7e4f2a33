"""A learner's data: all of it as a JSON document, or none of it kept.

Deleting everything waits for a one-time token: `/forget` stores one for the learner
and puts it in the confirm button, so neither a typed `/forget yes` nor a forged button
deletes anything, and a button works once, for its learner, for a few minutes.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from core.accounts import views
from core.accounts.linking import code_hash
from core.accounts.model import EXPORT_FORMAT, EXPORT_VERSION
from core.accounts.ports import AccountUnitOfWork
from core.kernel.commands import Forget
from core.kernel.reply import Attachment, Reply
from core.learning.context import Context

FORGET = "forget"  # the action a confirmation is for
CONFIRMATION_TTL = timedelta(minutes=10)


def new_token() -> str:
    """80 random bits as lowercase hex: commands arrive lowercased, and it leaves the
    button's payload well within MAX_ACTION_BYTES."""
    return secrets.token_hex(10)


async def export(ctx: Context[AccountUnitOfWork]) -> Reply:
    sections = await ctx.uow.accounts.export(ctx.learner_id)
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": ctx.now.isoformat(),
        **sections,
    }
    content = json.dumps(document, indent=2, ensure_ascii=False).encode()
    accounts = [i.who for i in await ctx.uow.learners.identities(ctx.learner_id)]
    return Reply(
        blocks=views.export_blocks(accounts),
        attachment=Attachment(
            f"roadmap-coach-{ctx.today.isoformat()}.json", content, "application/json"
        ),
    )


async def forget(ctx: Context[AccountUnitOfWork], command: Forget) -> Reply:
    answer, _, token = command.answer.lower().partition(" ")
    token = token.strip()
    confirmations = ctx.uow.confirmations
    if answer in {"cancel", "no"}:
        if token:  # the question is answered: its confirm button no longer works
            await confirmations.use(
                ctx.learner_id, action=FORGET, token_hash=code_hash(token), now=ctx.now
            )
        return views.forget_kept()
    if answer in {"confirm", "yes"}:
        if not token:
            return views.forget_needs_the_button()
        if not await confirmations.use(
            ctx.learner_id, action=FORGET, token_hash=code_hash(token), now=ctx.now
        ):
            return views.forget_not_confirmed(CONFIRMATION_TTL)
        await ctx.uow.accounts.forget(ctx.learner_id)
        return views.forgotten()
    token = new_token()
    await confirmations.issue(
        ctx.learner_id,
        action=FORGET,
        token_hash=code_hash(token),
        at=ctx.now,
        expires_at=ctx.now + CONFIRMATION_TTL,
    )
    return views.forget_question(
        Forget(f"confirm {token}").as_action(), Forget(f"cancel {token}").as_action()
    )
