"""The reply pacer's promises on the event loop's own clock: order, budget, coalescing."""

from __future__ import annotations

import asyncio

from adapters.telegram.pacing import ChatBudget, Job, ReplyPacer

BUDGET = ChatBudget(limit=2, per=0.05)


def pacer() -> ReplyPacer:
    loop = asyncio.get_running_loop()
    return ReplyPacer(lambda chat: BUDGET, clock=loop.time)


class Chat:
    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []
        self.all_sent = asyncio.Event()
        self.expected = 0

    def job(self, label: str) -> Job:
        async def send() -> None:
            self.sent.append((label, asyncio.get_running_loop().time()))
            if len(self.sent) >= self.expected:
                self.all_sent.set()

        return send


async def test_a_quiet_chat_is_answered_before_send_returns() -> None:
    chat, replies = Chat(), pacer()
    await replies.send(1, chat.job("a"))
    assert [label for label, _ in chat.sent] == ["a"]


async def test_a_burst_is_kept_in_order_within_the_budget_and_nothing_is_dropped() -> None:
    chat, replies = Chat(), pacer()
    chat.expected = 7
    for n in range(7):
        await replies.send(1, chat.job(str(n)))
    await asyncio.wait_for(chat.all_sent.wait(), 2)
    assert [label for label, _ in chat.sent] == [str(n) for n in range(7)]
    times = [at for _, at in chat.sent]
    spans = [later - earlier for earlier, later in zip(times, times[BUDGET.limit :], strict=False)]
    assert min(spans) >= BUDGET.per * 0.99


async def test_a_waiting_edit_gives_way_to_a_newer_edit_of_the_same_message() -> None:
    chat, replies = Chat(), pacer()
    chat.expected = 4
    await replies.send(1, chat.job("first"))
    await replies.send(1, chat.job("second"))
    for n in range(5):
        await replies.send(1, chat.job(f"edit {n}"), replaces=("edit", 7))
    await replies.send(1, chat.job("after"))
    await replies.send(1, chat.job("edit other"), replaces=("edit", 8))
    await asyncio.wait_for(chat.all_sent.wait(), 2)
    await replies.close()
    assert [label for label, _ in chat.sent] == ["first", "second", "edit 4", "after", "edit other"]


async def test_chats_do_not_wait_for_each_other() -> None:
    busy, quiet, replies = Chat(), Chat(), pacer()
    for n in range(5):
        await replies.send(1, busy.job(str(n)))
    await replies.send(2, quiet.job("hello"))
    assert [label for label, _ in quiet.sent] == ["hello"]
    assert replies.backlog(1) > 0


async def test_a_held_chat_keeps_its_answers_until_the_hold_ends() -> None:
    chat, replies = Chat(), pacer()
    chat.expected = 1
    loop = asyncio.get_running_loop()
    held_at = loop.time()
    replies.hold(1, 0.05)
    await replies.send(1, chat.job("later"))
    assert chat.sent == []
    await asyncio.wait_for(chat.all_sent.wait(), 2)
    assert chat.sent[0][1] >= held_at + 0.05


async def test_a_failing_answer_does_not_stop_the_ones_after_it() -> None:
    chat, replies = Chat(), pacer()
    chat.expected = 3

    async def broken() -> None:
        raise RuntimeError("the platform said no")

    for n in range(2):
        await replies.send(1, chat.job(str(n)))
    await replies.send(1, broken)
    await replies.send(1, chat.job("2"))
    await replies.close()
    assert [label for label, _ in chat.sent] == ["0", "1", "2"]
