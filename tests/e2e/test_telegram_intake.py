"""Updates are recorded before Telegram hears they were taken, then handled side by side
across chats, each chat in its order: a slow chat holds up nobody else, and a worker that
stops hands what it had not started to the next."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram.bot import TelegramAdapter
from core.app.coach import Coach
from core.intake.model import NewUpdate, RecordedUpdate
from core.storage import models as m
from core.storage.inbox import SqlInbox
from tests.e2e.telegram_support import ADA, BOB, polling, reply_to
from tests.fakes.telegram import FakeTelegram

OTHERS = range(2001, 2009)
STALL = 20.0


def texts(tg: FakeTelegram, chat: int) -> list[str]:
    return [str(sent.get("text", "")) for sent in tg.sent(chat)]


async def waiting_in_inbox(engine: AsyncEngine) -> list[tuple[str, str | None]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(m.InboxUpdate.key, m.InboxUpdate.claimed_by).order_by(m.InboxUpdate.id)
        )
        return [(row.key, row.claimed_by) for row in rows]


async def test_a_stalled_chat_leaves_the_others_answered_on_time(
    tg: FakeTelegram, coach: Coach, engine: AsyncEngine
) -> None:
    for user in OTHERS:
        tg.add_user(user, f"Learner {user}")
    async with polling(tg, coach, inbox=SqlInbox(engine)) as adapter:
        await reply_to(tg, ADA, "/start")
        tg.stall_chat(ADA, STALL)  # Telegram is slow for Ada alone
        tg.send_text(ADA, "/today")
        await tg.wait_for(lambda _: adapter.intake.in_hand == 1)
        started = time.monotonic()
        for user in OTHERS:
            tg.send_text(user, "/start")
        await tg.wait_for(lambda t: all(t.sent(user) for user in OTHERS), timeout=STALL / 2)
        took = time.monotonic() - started
        assert took < STALL / 4, f"the other chats waited {took:.1f}s"
        assert len(tg.sent(ADA)) == 1  # hers is still on its way
        tg.stall_chat(ADA, 0)
        await tg.wait_for(lambda t: len(t.sent(ADA)) == 2)


async def test_a_chats_updates_keep_their_order(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    await reply_to(tg, ADA, "/start")
    for n in (1, 2, 3):
        tg.send_text(ADA, f"/done {n}")
    tg.send_text(ADA, "/undo")
    await tg.wait_for(lambda t: len(t.sent(ADA)) == 5)
    await adapter.intake.drained()
    answers = texts(tg, ADA)[1:]
    assert [": done." in text for text in answers] == [True, True, True, False]
    async with engine.connect() as connection:
        ticks = await connection.scalar(select(func.count()).select_from(m.Completion))
    assert ticks == 2  # three ticks, then the last undone: in the order they were sent
    assert await waiting_in_inbox(engine) == []  # handled updates are forgotten
    assert int(tg.calls_of("getUpdates")[-1]["timeout"]) == 1  # the long poll asked for


class RefusingOnce:
    """An inbox whose database is away for the first batch."""

    def __init__(self, inbox: SqlInbox) -> None:
        self.inbox = inbox
        self.refused = 0

    async def record(
        self, updates: list[NewUpdate], *, worker: str, now: datetime, lease_until: datetime
    ) -> list[RecordedUpdate]:
        if updates and not self.refused:
            self.refused += len(updates)
            raise ConnectionError("the database is away")
        return await self.inbox.record(updates, worker=worker, now=now, lease_until=lease_until)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inbox, name)


async def test_updates_that_could_not_be_recorded_are_not_acknowledged(
    tg: FakeTelegram, coach: Coach, engine: AsyncEngine
) -> None:
    inbox = RefusingOnce(SqlInbox(engine))
    async with polling(tg, coach, inbox=inbox) as adapter:  # type: ignore[arg-type]
        tg.send_text(ADA, "/start")
        tg.send_text(BOB, "/start")
        await tg.wait_for(lambda t: bool(t.sent(ADA) and t.sent(BOB)), timeout=10)
        await adapter.intake.drained()
    assert inbox.refused == 2  # fetched, not recorded, not confirmed: fetched again
    assert len(tg.sent(ADA)) == len(tg.sent(BOB)) == 1


async def test_a_stopping_worker_finishes_what_it_holds_and_hands_back_the_rest(
    tg: FakeTelegram, coach: Coach, engine: AsyncEngine
) -> None:
    async with polling(tg, coach, inbox=SqlInbox(engine)) as first:
        await reply_to(tg, ADA, "/start")
        tg.stall_chat(ADA, 1.0)
        for command in ("/today", "/week", "/progress"):
            tg.send_text(ADA, command)
        await tg.wait_for(lambda _: first.intake.in_hand == 3)
        await first.stop(grace=STALL)
        # The one in hand was finished; the two behind it wait, held by nobody.
        assert len(tg.sent(ADA)) == 2
        left = await waiting_in_inbox(engine)
        assert [claimed for _, claimed in left] == [None, None]
    tg.stall_chat(ADA, 0)
    async with polling(tg, coach, inbox=SqlInbox(engine)) as second:
        await tg.wait_for(lambda t: len(t.sent(ADA)) == 4)
        await second.intake.drained()
    answers = texts(tg, ADA)
    assert "Week 1 of 24" in answers[2] and "Items done" in answers[3]  # in their order
    assert await waiting_in_inbox(engine) == []
