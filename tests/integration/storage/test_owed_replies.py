"""The outbox's contract for replies owed to a chat, and for the record of chats written to
lately, on the memory fake, SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.kernel.refs import ChatRef, LearnerRef
from core.outreach.model import Kind, NewOutboxItem, RecentSend, Recipient, Status
from core.storage import models as m
from core.storage.engine import make_sessions
from tests.conftest import MONDAY_MORNING
from tests.fakes.memory import MemoryUnitOfWorkFactory
from tests.integration.storage.conftest import Factory, new_enrollment

NOW = MONDAY_MORNING
ADA = LearnerRef("test", "ada", "Ada")
PRIVATE = ChatRef("test", "4242", "Ada's chat")
GROUP = ChatRef("test", "-100", "Backend cohort", parent="server-1")


async def payloads(uow: Factory, request: pytest.FixtureRequest) -> dict[int, str | None]:
    """Each outbox row's stored reply text, read past the repositories."""
    if isinstance(uow, MemoryUnitOfWorkFactory):
        return {row.id: row.payload for row in uow.database.outbox.rows.values()}
    sessions = make_sessions(request.getfixturevalue("engine"))
    async with sessions() as session:
        rows = await session.execute(select(m.OutboxMessage.id, m.OutboxMessage.payload))
        return {row.id: row.payload for row in rows}


async def test_a_reply_owed_to_a_chat_is_claimed_with_its_text(uow: Factory) -> None:
    late_evening = datetime(2026, 11, 16, 23, 30, tzinfo=UTC)
    async with uow() as work:
        first = await work.outbox.enqueue_reply(PRIVATE, '{"one"}', at=late_evening)
        # Replies alike to one chat on one day are all kept: no key of a day holds them.
        second = await work.outbox.enqueue_reply(PRIVATE, '{"one"}', at=late_evening)
        other = await work.outbox.enqueue_reply(GROUP, '{"two"}', at=late_evening)
        await work.commit()
    assert len({first, second, other}) == 3
    async with uow() as work:
        assert (
            await work.outbox.claim(
                late_evening - timedelta(seconds=1), lease_until=NOW, worker="w", limit=10
            )
            == []
        )  # not before it was owed
        claimed = await work.outbox.claim(
            late_evening, lease_until=late_evening + timedelta(minutes=2), worker="w", limit=10
        )
        await work.commit()
    assert [(i.id, i.kind, i.payload, i.attempts) for i in claimed] == [
        (first, "reply", '{"one"}', 1),
        (second, "reply", '{"one"}', 1),
        (other, "reply", '{"two"}', 1),
    ]
    chat = Recipient.in_chat("test", "4242")
    assert [i.recipient for i in claimed] == [chat, chat, Recipient.in_chat("test", "-100")]
    assert claimed[0].recipient.chat == ChatRef("test", "4242")  # no title, no server
    assert {(i.local_date, i.due_at) for i in claimed} == {(date(2026, 11, 16), late_evening)}


async def test_a_finished_reply_keeps_no_text_and_a_retried_one_keeps_it(
    uow: Factory, request: pytest.FixtureRequest
) -> None:
    async with uow() as work:
        ids = [await work.outbox.enqueue_reply(PRIVATE, f"reply {n}", at=NOW) for n in range(4)]
        await work.commit()
    async with uow() as work:
        sent, dropped, failed, retried = await work.outbox.claim(
            NOW, lease_until=NOW + timedelta(minutes=2), worker="w", limit=10
        )
        await work.outbox.finish(sent.id, status=Status.SENT, at=NOW, outcome="reply", to=PRIVATE)
        await work.outbox.finish(
            dropped.id, status=Status.DROPPED, at=NOW, outcome="telegram is not running", to=None
        )
        await work.outbox.finish(
            failed.id, status=Status.FAILED, at=NOW, outcome="refused", to=None
        )
        await work.outbox.retry(retried.id, at=NOW, outcome="temporary", count_attempt=True)
        await work.commit()
    assert await payloads(uow, request) == {
        ids[0]: None,
        ids[1]: None,
        ids[2]: None,
        ids[3]: "reply 3",
    }
    async with uow() as work:
        [again] = await work.outbox.claim(NOW, lease_until=NOW, worker="w", limit=10)
    assert (again.id, again.payload, again.attempts) == (ids[3], "reply 3", 2)


async def test_replies_and_a_learners_rows_do_not_share_a_key(uow: Factory) -> None:
    async with uow() as work:
        snapshot = await work.learners.create(ADA, new_enrollment(), at=NOW)
        await work.commit()
    ada = Recipient.learner(snapshot.learner_id)
    async with uow() as work:
        await work.outbox.enqueue_reply(PRIVATE, "reply", at=NOW)
        assert await work.outbox.enqueue([NewOutboxItem(ada, Kind.PLAN, NOW.date(), NOW, NOW)]) == 1
        await work.outbox.enqueue_reply(PRIVATE, "reply", at=NOW)
        await work.commit()
    async with uow() as work:
        claimed = await work.outbox.claim(NOW, lease_until=NOW, worker="w", limit=10)
    assert sorted(i.kind for i in claimed) == ["plan", "reply", "reply"]
    with pytest.raises(ValueError, match="enqueue_reply"):
        async with uow() as work:
            chat = Recipient.in_chat("test", "4242")
            await work.outbox.enqueue([NewOutboxItem(chat, Kind.REPLY, NOW.date(), NOW, NOW)])


async def test_the_chats_sent_to_lately_each_with_the_last_time(uow: Factory) -> None:
    async with uow() as work:
        snapshot = await work.learners.create(ADA, new_enrollment(), at=NOW)
        for n in range(5):
            await work.outbox.enqueue_reply(GROUP, f"reply {n}", at=NOW)
        await work.outbox.enqueue(
            [NewOutboxItem(Recipient.learner(snapshot.learner_id), Kind.PLAN, NOW.date(), NOW, NOW)]
        )
        await work.commit()
    second = timedelta(seconds=1)
    async with uow() as work:
        rows = await work.outbox.claim(NOW, lease_until=NOW, worker="w", limit=10)
        old, early, latest, dropped, failed, plan = sorted(rows, key=lambda i: i.id)
        outcomes = [
            (old, Status.SENT, NOW - 61 * second, GROUP),  # before the window
            (early, Status.SENT, NOW - 30 * second, GROUP),
            (latest, Status.SENT, NOW - 2 * second, GROUP),
            (dropped, Status.DROPPED, NOW - second, None),
            (failed, Status.FAILED, NOW - second, GROUP),  # unreachable: nothing was sent
            (plan, Status.SENT, NOW - 60 * second, ADA),  # at the window's edge: counted
        ]
        for item, status, at, to in outcomes:
            await work.outbox.finish(item.id, status=status, at=at, outcome="", to=to)
        await work.commit()
    async with uow() as work:
        recent = await work.outbox.sent_since(NOW - 60 * second)
        assert await work.outbox.sent_since(NOW) == []
    assert recent == [
        RecentSend("test", "-100", NOW - 2 * second),
        RecentSend("test", "ada", NOW - 60 * second),
    ]
