"""A reply its adapter could not deliver is owed through the outbox: the sender sends it as
it was written, to the chat it answers, and keeps no text once it is done with."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import ChatRef
from core.kernel.reply import Button, Heading, Image, Reply, Visibility
from core.outreach.model import Drop, Send
from core.outreach.service import Outreach
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from tests.unit.rules.outbox import Decisions, finished

CHAT = ChatRef("telegram", "4242", "Ada", parent="ignored")
ANSWER = Reply(
    blocks=(Heading("Today"),),
    buttons=((Button("✓ Read the chapter", "done:w01-a"),),),
    image=Image(b"\x89PNG", "progress"),
    visibility=Visibility.CHAT,
)


@pytest.fixture
def outreach(coach: Coach, uow: MemoryUnitOfWorkFactory, clock: FrozenClock) -> Outreach:
    return Outreach(coach, uow, clock)


@pytest.fixture
def decisions(clock: FrozenClock, outreach: Outreach) -> Decisions:
    return Decisions(clock, outreach, platforms=frozenset({"telegram", "discord"}))


async def test_an_owed_reply_is_sent_to_its_chat_as_it_was_written(
    coach: Coach, decisions: Decisions, database: MemoryDatabase
) -> None:
    await coach.owe_reply(CHAT, ANSWER)
    [decision] = await decisions.drain()
    assert decision == Send(ChatRef("telegram", "4242", ""), ANSWER, "reply")
    [row] = database.outbox.rows.values()
    assert (row.status, row.platform, row.external_id, row.payload) == (
        "sent",
        "telegram",
        "4242",
        None,
    )


async def test_replies_to_one_chat_go_in_the_order_owed(
    coach: Coach, decisions: Decisions, clock: FrozenClock
) -> None:
    for n in range(3):
        await coach.owe_reply(CHAT, Reply.text(f"answer {n}"))
    await coach.owe_reply(ChatRef("discord", "77"), Reply.text("elsewhere"))
    clock.advance(timedelta(seconds=1))
    await decisions.drain()
    assert [(s.to.external_id, s.text) for s in decisions.sent] == [
        ("4242", "answer 0"),
        ("4242", "answer 1"),
        ("4242", "answer 2"),
        ("77", "elsewhere"),
    ]


async def test_a_reply_for_a_platform_not_running_here_is_dropped(
    coach: Coach, outreach: Outreach, clock: FrozenClock, database: MemoryDatabase
) -> None:
    await coach.owe_reply(CHAT, ANSWER)
    decisions = Decisions(clock, outreach, platforms=frozenset({"discord"}))
    assert await decisions.drain() == [Drop("telegram is not running")]
    assert [row.payload for row in database.outbox.rows.values()] == [None]


async def test_a_reply_that_cannot_be_read_is_dropped_with_the_reason(
    uow: MemoryUnitOfWorkFactory, decisions: Decisions, clock: FrozenClock, database: MemoryDatabase
) -> None:
    async with uow() as work:
        await work.outbox.enqueue_reply(CHAT, '{"v": 99}', at=clock.now())
        await work.commit()
    [decision] = await decisions.drain()
    assert decision == Drop("unreadable reply: unknown version 99")
    assert [(kind, status, why) for kind, _, status, why in finished(database)] == [
        ("reply", "dropped", "unreadable reply: unknown version 99")
    ]
