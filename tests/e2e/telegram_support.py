"""What the Telegram end-to-end suites share: the fake's users and group, the adapter
polling it, the outbox stack that posts to it, and reading what a group was shown."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram.bot import TelegramAdapter, make_bot
from adapters.telegram.messenger import TelegramMessenger
from core.app.coach import Coach
from core.intake.ports import Inbox
from core.kernel.clock import FrozenClock
from core.outreach.service import Outreach
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.inbox import SqlInbox
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.limits import RateGate, RateLimits
from scheduler.sender import Sender, SenderSettings
from tests.fakes.telegram import FakeTelegram

TOKEN = "123456:TEST-token"
ADA = 1001
BOB = 1002
CY, DI = 1003, 1004
GROUP = -100500


# Adapters serving the fake now: an answer seen means every update before it was taken in,
# and waiting for these to finish what they took means every one of them was handled.
_SERVING: weakref.WeakSet[TelegramAdapter] = weakref.WeakSet()


def tracked(adapter: TelegramAdapter) -> TelegramAdapter:
    """Counts the adapter among those `reply_to` waits for."""
    _SERVING.add(adapter)
    return adapter


@asynccontextmanager
async def polling(
    tg: FakeTelegram, coach: Coach, *, inbox: Inbox | None = None
) -> AsyncIterator[TelegramAdapter]:
    """A TelegramAdapter long-polling the fake, as `coach run` does, until the block ends."""
    bot = make_bot(TOKEN, tg.base_url)
    adapter = tracked(TelegramAdapter(coach, bot, inbox=inbox))
    task = asyncio.create_task(adapter.run_polling(polling_timeout=1))
    try:
        await tg.wait_for(lambda t: bool(t.calls_of("getUpdates")))
        yield adapter
    finally:
        await adapter.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bot.session.close()


async def reply_to(tg: FakeTelegram, user: int, text: str, *, chat: int | None = None) -> dict:
    chat_id = chat or user
    before = len(tg.sent(chat_id))
    tg.send_text(user, text, chat_id=chat)
    await tg.wait_for(lambda t: len(t.sent(chat_id)) > before)
    # Chats are handled side by side: updates sent before this one, in other chats, may
    # still be in hand. Callers rely on their being handled by the time this answer is.
    await asyncio.gather(*(adapter.intake.drained() for adapter in _SERVING))
    return tg.last(chat_id)


@dataclass
class Worker:
    """A `coach run` process; its log is read as it is written, so a full pipe never stalls it."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)

    async def read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode(errors="replace"))

    def said(self, words: str) -> bool:
        return any(words in line for line in self.lines)

    @property
    def log(self) -> str:
        return "".join(self.lines)


@dataclass
class Stack:
    tg: FakeTelegram
    bot: Bot
    adapter: TelegramAdapter
    outreach: Outreach
    sender: Sender
    gate: RateGate
    engine: AsyncEngine

    async def deliver_due(self) -> None:
        await self.outreach.enqueue_due()
        while await self.sender.drain_once():
            pass

    async def outbox(self) -> list[m.OutboxMessage]:
        async with make_sessions(self.engine)() as session:
            rows = await session.scalars(select(m.OutboxMessage).order_by(m.OutboxMessage.id))
            return list(rows.all())


def build(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock, limits: RateLimits
) -> Stack:
    gate = RateGate(limits)
    bot = make_bot(TOKEN, tg.base_url, on_flood=lambda seconds, chat: gate.hold(seconds, chat))
    adapter = tracked(TelegramAdapter(coach, bot, inbox=SqlInbox(engine)))
    outreach = Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), clock)
    sender = Sender(
        outreach,
        {"telegram": TelegramMessenger(adapter, gate)},
        worker="e2e",
        settings=SenderSettings(quick_wait=0.05),
    )
    return Stack(tg, bot, adapter, outreach, sender, gate, engine)


async def say(tg: FakeTelegram, user: int, text: str) -> str:
    return str((await reply_to(tg, user, text, chat=GROUP))["text"])


def posts(tg: FakeTelegram, since: int = 0) -> list[dict]:
    """What the bot posted in the group on its own (not answers to commands)."""
    return [
        message
        for message in tg.sent(GROUP)[since:]
        if message.get("from_bot", True) and not message.get("reply_to_message")
    ]
