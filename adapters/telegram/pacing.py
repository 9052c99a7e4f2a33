"""Answers paced within Telegram's per-chat limits: delayed when a learner goes fast,
never dropped, and never holding up the next update."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ChatBudget:
    """At most `limit` answers in any `per` seconds, as Telegram counts a group's."""

    limit: int
    per: float


# Telegram asks for about one message a second in a chat, and at most twenty a minute in a
# group. A person's own short burst of commands is answered at once, a sustained one a
# second apart; a group gets its twenty, then waits for the minute to roll on.
PRIVATE_BUDGET = ChatBudget(limit=4, per=4.2)
GROUP_BUDGET = ChatBudget(limit=20, per=61.0)
MAX_IDLE_CHATS = 10_000


@dataclass
class _Queued:
    job: Job
    replaces: Hashable | None


@dataclass
class _Chat:
    budget: ChatBudget
    sent_at: deque[float] = field(default_factory=deque)
    held_until: float = 0.0
    queue: deque[_Queued] = field(default_factory=deque)
    draining: asyncio.Task[None] | None = None

    def idle(self, now: float) -> bool:
        self._forget_before(now - self.budget.per)
        return not self.queue and not self.sent_at and self.held_until < now

    def wait_for_turn(self, now: float) -> float:
        """Seconds until this chat may be sent to; 0 takes the turn now."""
        self._forget_before(now - self.budget.per)
        wait = self.held_until - now
        if len(self.sent_at) >= self.budget.limit:
            wait = max(wait, self.sent_at[0] + self.budget.per - now)
        if wait > 0:
            return wait
        self.sent_at.append(now)
        return 0.0

    def _forget_before(self, moment: float) -> None:
        while self.sent_at and self.sent_at[0] <= moment:
            self.sent_at.popleft()


class ReplyPacer:
    """Runs each chat's answers in order within the chat's budget.

    An answer that may go now is sent before `send` returns, so a quiet chat is answered
    as it always was. One that would wait is queued for the chat's own task instead, and
    the handler moves on; a queued edit of a message gives way to a newer edit of the same
    message, so twenty quick presses are answered by the state after the last of them.
    """

    def __init__(
        self,
        budget_of: Callable[[int], ChatBudget],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._budget_of = budget_of
        self._clock = clock
        self._chats: dict[int, _Chat] = {}

    async def send(self, chat_id: int, job: Job, *, replaces: Hashable | None = None) -> None:
        chat = self._chat(chat_id)
        idle = not chat.queue and chat.draining is None
        if idle and chat.wait_for_turn(self._clock()) == 0:
            await self._run(chat_id, job)
            return
        if replaces is not None:
            for queued in chat.queue:
                if queued.replaces == replaces:
                    queued.job = job
                    return
        chat.queue.append(_Queued(job, replaces))
        if chat.draining is None:
            chat.draining = asyncio.create_task(self._drain(chat_id, chat))

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram named a wait for this chat: its answers keep until then."""
        chat = self._chat(chat_id)
        chat.held_until = max(chat.held_until, self._clock() + seconds)

    def backlog(self, chat_id: int) -> int:
        chat = self._chats.get(chat_id)
        return len(chat.queue) if chat else 0

    async def close(self, grace: float = 10.0) -> None:
        """Lets queued answers go out, for at most `grace` seconds."""
        pending = [c.draining for c in self._chats.values() if c.draining is not None]
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            task.cancel()
        if late:
            log.warning("%s chats' answers were still queued at shutdown", len(late))

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= MAX_IDLE_CHATS:
                self._forget_idle()
            chat = self._chats[chat_id] = _Chat(self._budget_of(chat_id))
        return chat

    async def _drain(self, chat_id: int, chat: _Chat) -> None:
        try:
            while chat.queue:
                wait = chat.wait_for_turn(self._clock())
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                await self._run(chat_id, chat.queue.popleft().job)
        finally:
            chat.draining = None

    @staticmethod
    async def _run(chat_id: int, job: Job) -> None:
        try:
            await job()
        except Exception:
            # One answer that could not go out must not stop the ones after it.
            log.exception("could not answer in chat %s", chat_id)

    def _forget_idle(self) -> None:
        now = self._clock()
        for chat_id, chat in list(self._chats.items()):
            if chat.idle(now):
                del self._chats[chat_id]
