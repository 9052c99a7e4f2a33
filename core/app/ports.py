"""The core as the outside sees it: the whole unit of work the storage provides, and the
port adapters call with each platform update."""

from __future__ import annotations

from typing import Protocol

from core.accounts.ports import AccountUnitOfWork
from core.kernel.commands import Command, Unparsed
from core.kernel.refs import ChatContext, ChatRef, LearnerRef
from core.kernel.reply import Outcome, QuizRef, Reply
from core.outreach.ports import OutreachUnitOfWork


class UnitOfWork(OutreachUnitOfWork, AccountUnitOfWork, Protocol):
    """Every repository in one transaction: what the storage hands out."""


class CoachPort(Protocol):
    """What adapters call: one method per kind of platform update, each one unit of work.

    `update_key` names the platform update; one delivered twice (a redelivery after a
    crash, a retried webhook) has its effect once and is answered AlreadyHandled.
    """

    async def run(
        self,
        who: LearnerRef,
        command: Command | Unparsed,
        *,
        update_key: str | None = None,
        chat: ChatContext | None = None,
    ) -> Outcome:
        """A command typed, pressed or picked; `chat` says which group chat, if any."""
        ...

    async def answer_quiz(
        self,
        who: LearnerRef,
        platform: str,
        poll_ref: str,
        option_ids: list[int],
        *,
        update_key: str | None = None,
    ) -> Outcome: ...

    async def import_roadmap(
        self, who: LearnerRef, filename: str, data: bytes, *, update_key: str | None = None
    ) -> Outcome: ...

    async def quiz_posted(
        self, ref: QuizRef, platform: str, poll_ref: str, message_ref: str
    ) -> None:
        """Where an adapter put a quiz, so its answers find it and a group's can be closed."""
        ...

    async def language_of(self, who: LearnerRef) -> str | None:
        """The language to speak to `who` outside a command: their choice, else their
        app's. Never fails: the app's language serves when the choice cannot be read."""
        ...

    async def mark_unreachable(self, who: LearnerRef) -> None:
        """The platform refuses to deliver to this identity (the user blocked the bot)."""
        ...

    async def group_gone(self, chat: ChatRef) -> None:
        """The bot was removed from a group chat, or the channel deleted."""
        ...

    async def groups_gone(self, platform: str, parent: str) -> None:
        """The bot left a Discord server: every group in it is gone."""
        ...

    async def owe_reply(self, chat: ChatRef, reply: Reply) -> None:
        """A reply the adapter could not deliver (the platform failed, or asked for a long
        wait): the outbox's sender delivers it to `chat` later, retrying as it does."""
        ...
