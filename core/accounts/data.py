"""A learner's data: all of it as a JSON document, or none of it kept.

Deleting everything waits for a one-time token: `/forget` stores one for the learner
and puts it in the confirm button, so neither a typed `/forget yes` nor a forged button
deletes anything, and a button works once, for its learner, for a few minutes.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.accounts import views
from core.accounts.linking import code_hash
from core.accounts.model import EXPORT_FORMAT, EXPORT_VERSION
from core.accounts.ports import AccountUnitOfWork
from core.kernel.commands import Forget
from core.kernel.reply import Attachment, Reply

FORGET = "forget"  # the action a confirmation is for
CONFIRMATION_TTL = timedelta(minutes=10)


def new_token() -> str:
    """80 random bits as lowercase hex: commands arrive lowercased, and it leaves the
    button's payload well within MAX_ACTION_BYTES."""
    return secrets.token_hex(10)


@dataclass(frozen=True)
class DataOwner:
    """Whose data a request is about: any learner, with a track or without one (a learner
    who only linked an account, or only sent a roadmap, has rows too)."""

    uow: AccountUnitOfWork
    learner_id: int
    now: datetime
    today: date  # their local date, for the file's name


async def export(owner: DataOwner) -> Reply:
    uow, learner_id = owner.uow, owner.learner_id
    sections = await uow.accounts.export(learner_id)
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": owner.now.isoformat(),
        **sections,
    }
    content = json.dumps(document, indent=2, ensure_ascii=False).encode()
    accounts = [i.who for i in await uow.learners.identities(learner_id)]
    return Reply(
        blocks=views.export_blocks(accounts),
        attachment=Attachment(
            f"roadmap-coach-{owner.today.isoformat()}.json", content, "application/json"
        ),
    )


async def forget(owner: DataOwner, command: Forget) -> Reply:
    answer, _space, token = command.answer.lower().partition(" ")
    token = token.strip()
    learner_id, now, confirmations = owner.learner_id, owner.now, owner.uow.confirmations
    if answer in {"cancel", "no"}:
        if token:  # the question is answered: its confirm button no longer works
            await confirmations.use(learner_id, action=FORGET, token_hash=code_hash(token), now=now)
        return views.forget_kept()
    if answer in {"confirm", "yes"}:
        if not token:
            return views.forget_needs_the_button()
        if not await confirmations.use(
            learner_id, action=FORGET, token_hash=code_hash(token), now=now
        ):
            return views.forget_not_confirmed(CONFIRMATION_TTL)
        await owner.uow.accounts.forget(learner_id)
        return views.forgotten()
    token = new_token()
    await confirmations.issue(
        learner_id,
        action=FORGET,
        token_hash=code_hash(token),
        at=now,
        expires_at=now + CONFIRMATION_TTL,
    )
    return views.forget_question(
        Forget(f"confirm {token}").as_action(), Forget(f"cancel {token}").as_action()
    )
