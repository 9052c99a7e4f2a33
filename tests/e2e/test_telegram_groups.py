"""Study groups on Telegram as a group meets them: real aiogram polling the fake Bot API,
the real sender posting digests and quizzes into the group within its 20-a-minute limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.progress.charts import WIDTH_PX
from core.storage import models as m
from scheduler.limits import RateLimits
from tests.e2e.telegram_support import ADA, BOB, CY, DI, GROUP, Stack, build, posts, reply_to, say
from tests.fakes.telegram import FakeTelegram


@asynccontextmanager
async def serving(
    tg: FakeTelegram,
    engine: AsyncEngine,
    coach: Coach,
    clock: FrozenClock,
    *,
    group_limit: bool = False,
) -> AsyncIterator[Stack]:
    """The adapter polling and a sender posting. With `group_limit`, the fake enforces
    Telegram's 20 messages a minute per group and the sender paces for it, in real time,
    so only the test of that pacing pays its seconds."""
    tg.add_user(CY, "Cy")
    tg.add_user(DI, "Di")
    tg.add_group(GROUP, "Backend cohort", admins=[BOB])
    if group_limit:
        tg.enforce_rates()
    stack = build(tg, engine, coach, clock, RateLimits(30, 1, 20 if group_limit else None))
    polling = asyncio.create_task(stack.adapter.run_polling(polling_timeout=1))
    try:
        await tg.wait_for(lambda t: bool(t.calls_of("getUpdates")))
        yield stack
    finally:
        await stack.adapter.stop()
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await stack.bot.session.close()


async def pending_for_groups(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(m.OutboxMessage.id).where(
                m.OutboxMessage.group_id.is_not(None), m.OutboxMessage.status == "pending"
            )
        )
        return len(rows.all())


async def test_setup_join_leave_and_refusals(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> None:
    async with serving(tg, engine, coach, clock):
        assert "Only the group's admins" in await say(tg, ADA, "/group setup")
        assert "not a study group" in await say(tg, ADA, "/join")
        in_private = (await reply_to(tg, ADA, "/leaderboard"))["text"]
        assert "works in a group chat" in in_private
        setup = await say(tg, BOB, "/group@coach_test_bot setup")
        assert "now a study group" in setup and "Python" in setup
        assert "Welcome, Ada" in await say(tg, ADA, "/join")
        assert "already in this group" in await say(tg, ADA, "/join")
        assert "Ada left the group" in await say(tg, ADA, "/leave")
        assert "2 members" not in await say(tg, ADA, "/group")
        # The group menu carries the group's commands; the private one does not.
        group_menu = {c["command"] for c in tg.commands["all_group_chats"]}
        private_menu = {c["command"] for c in tg.commands["all_private_chats"]}
        assert {"join", "leaderboard", "submit"} <= group_menu
        assert "join" not in private_menu


async def test_leaderboard_orders_and_ties_the_same_way_as_everywhere(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> None:
    async with serving(tg, engine, coach, clock):
        await say(tg, BOB, "/group setup")
        for user in (ADA, CY, DI):
            await say(tg, user, "/join")
        for user, ticks in ((ADA, 2), (CY, 1), (DI, 1)):
            for _ in range(ticks):
                await reply_to(tg, user, "/done")
        board = await say(tg, DI, "/leaderboard")
        ranks = [line.split(":")[0] for line in board.splitlines() if line[:1].isdigit()]
        assert ranks == ["1. Ada", "2. Cy", "2. Di", "4. Bob"]
        await say(tg, ADA, "/share done off")
        board = await say(tg, DI, "/leaderboard")
        ranks = [line.split(":")[0] for line in board.splitlines() if line[:1].isdigit()]
        assert ranks == ["1. Cy", "1. Di", "3. Bob", "4. Ada"]


async def test_a_week_of_digests_a_quiz_and_the_report(
    tg: FakeTelegram, engine: AsyncEngine, charting_coach: Coach, clock: FrozenClock
) -> None:
    coach = charting_coach
    clock.set(datetime(2026, 11, 16, 6, 0, tzinfo=UTC))  # Monday 07:00 in Berlin
    async with serving(tg, engine, coach, clock) as stack:
        await say(tg, BOB, "/group setup")
        for setting in ("tz Europe/Berlin", "time 08:00", "days mon-fri", "quiz mon,wed"):
            assert "/group to see" in await say(tg, BOB, f"/group {setting}")
        for user in (ADA, CY, DI):
            await say(tg, user, "/join")
        await say(tg, DI, "/share mentions on")
        await reply_to(tg, ADA, "/done")
        before = len(tg.sent(GROUP))

        clock.set(datetime(2026, 11, 16, 6, 59, tzinfo=UTC))  # 07:59 in Berlin
        await stack.deliver_due()
        assert posts(tg, before) == []
        clock.set(datetime(2026, 11, 16, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
        await stack.deliver_due()
        digest, intro, quiz = posts(tg, before)
        assert "Group quiz on week 1" in intro["text"]
        assert "Group digest, Mon 16 Nov" in digest["text"]
        assert "Today's focus" in digest["text"]
        poll = quiz["poll"]
        assert poll["type"] == "quiz" and poll["is_anonymous"] is False

        # Three members answer; the right one is named in the call that sent the poll.
        [right] = tg.calls_of("sendPoll")[-1]["correct_option_ids"]
        wrong = (right + 1) % len(poll["options"])
        for user, option in ((ADA, right), (CY, right), (DI, wrong)):
            tg.answer_poll(user, poll["id"], [option])
        await reply_to(tg, BOB, "/help")  # the answers are handled by now
        assert not any("Right" in (x.get("text") or "") for x in tg.sent(ADA))

        clock.set(datetime(2026, 11, 16, 15, 0, tzinfo=UTC))  # 8 hours after the digest
        before = len(tg.sent(GROUP))
        await stack.deliver_due()
        (summary,) = posts(tg, before)
        assert "3 answered, 2 got it right" in summary["text"]
        assert tg.calls_of("stopPoll")[-1]["message_id"] == quiz["message_id"]
        assert tg.poll_message(GROUP, quiz["message_id"])["poll"]["is_closed"] is True

        # Tuesday: Ada's tick of Monday is in the digest.
        clock.set(datetime(2026, 11, 17, 7, 0, tzinfo=UTC))
        before = len(tg.sent(GROUP))
        await stack.deliver_due()
        (tuesday,) = posts(tg, before)
        assert "Finished yesterday" in tuesday["text"] and "Ada:" in tuesday["text"]

        # A project shared and reviewed counts in the week's report on Friday at 18:00.
        shared = await say(tg, CY, "/submit https://github.com/cy/inventory")
        assert "#1: Cy shared a practice project" in shared
        assert "Ada reviewed #1 by Cy" in await say(tg, ADA, "/review 1 Tidy, add tests")
        clock.set(datetime(2026, 11, 20, 17, 0, tzinfo=UTC))
        before = len(tg.sent(GROUP))
        await stack.deliver_due()
        report, picture = posts(tg, before)
        assert "Week 1 in review" in report["text"]
        assert "Practice projects shared: 1; reviews given: 1." in report["text"]
        assert "Group quizzes: 1, 3 answers, 2 right." in report["text"]
        assert picture["photo"][-1]["width"] == WIDTH_PX

        # Next Monday the group is on week 2; Di asked to be named and is still on week 1.
        clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
        before = len(tg.sent(GROUP))
        await stack.deliver_due()
        monday = next(p for p in posts(tg, before) if "Group digest" in (p.get("text") or ""))
        mentions = [e for e in monday.get("entities", []) if e["type"] == "text_mention"]
        assert [e["user"]["id"] for e in mentions] == [DI]


async def test_group_posts_keep_within_twenty_a_minute(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> None:
    async with serving(tg, engine, coach, clock, group_limit=True) as stack:
        await say(tg, BOB, "/group setup")  # Monday: a quiz day, so three posts at once
        clock.advance(timedelta(hours=1))
        before = len(tg.sent(GROUP))
        await stack.deliver_due()
        assert len(posts(tg, before)) == 3
        # The fake refuses a 21st message in a minute and any burst past its bucket.
        assert tg.too_many_requests == 0 and tg.early_retries == []


async def test_the_bot_removed_ends_the_group(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> None:
    async with serving(tg, engine, coach, clock) as stack:
        await say(tg, BOB, "/group setup")
        await say(tg, ADA, "/join")
        clock.advance(timedelta(hours=1))  # the digest is due: owed but not yet sent
        await stack.outreach.enqueue_due()
        assert await pending_for_groups(engine) == 3  # digest, quiz, and the quiz's close
        tg.remove_bot(GROUP, BOB)
        await reply_to(tg, ADA, "/help")  # the removal is handled by now
        assert await pending_for_groups(engine) == 0
        sent = len(tg.sent(GROUP))
        clock.advance(timedelta(days=1))
        await stack.deliver_due()
        assert len(tg.sent(GROUP)) == sent
        async with engine.connect() as connection:
            active = await connection.scalar(select(m.StudyGroup.active))
        assert active is False

        tg.add_bot_back(GROUP, BOB)
        await tg.wait_for(lambda t: "/group setup" in (t.sent(GROUP)[-1].get("text") or ""))
        assert "active again" in await say(tg, BOB, "/group setup")
