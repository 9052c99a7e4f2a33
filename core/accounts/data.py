"""A learner's data: all of it as a JSON file, or none of it kept."""

from __future__ import annotations

import json

from core.accounts import views
from core.accounts.ports import AccountUnitOfWork
from core.kernel.commands import Forget
from core.kernel.reply import Attachment, Button, Reply
from core.learning.context import Context


async def export(ctx: Context[AccountUnitOfWork]) -> Reply:
    data = await ctx.uow.accounts.export(ctx.learner_id)
    data["exported_at"] = ctx.now.isoformat()
    content = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).encode()
    accounts = [i.who for i in await ctx.uow.learners.identities(ctx.learner_id)]
    return Reply(
        blocks=views.export_blocks(accounts),
        attachment=Attachment(
            f"roadmap-coach-{ctx.today.isoformat()}.json", content, "application/json"
        ),
    )


async def forget(ctx: Context[AccountUnitOfWork], command: Forget) -> Reply:
    answer = command.answer.lower()
    if answer in {"confirm", "yes"}:
        await ctx.uow.accounts.forget(ctx.learner_id)
        return Reply.text(
            "Done: everything I kept about you is deleted.", "Send /start to begin afresh."
        )
    if answer in {"cancel", "no"}:
        return Reply.text("Kept. Nothing was deleted.")
    return Reply.text(
        "This deletes your progress, hours, notes and settings on every platform. It cannot be undone.",
        "You can /export a copy first. Delete everything?",
        buttons=(
            (
                Button("Yes, delete everything", Forget("confirm").as_action()),
                Button("Cancel", Forget("cancel").as_action()),
            ),
        ),
    )
