"""A Telegram study group's month ends: real aiogram polling the fake Bot API, the tick and
the real sender posting the monthly report into the group chat at the month's last evening
in the group's zone, composed from the month's standings."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from scheduler.limits import RateLimits
from tests.e2e.telegram_support import ADA, BOB, CY, DI, GROUP, Stack, build, posts, reply_to, say
from tests.fakes.telegram import FakeTelegram


@asynccontextmanager
async def serving(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> AsyncIterator[Stack]:
    tg.add_user(CY, "Cy")
    tg.add_user(DI, "Di")
    tg.add_group(GROUP, "Backend cohort", admins=[BOB])
    stack = build(tg, engine, coach, clock, RateLimits(30, 1, None))
    polling = asyncio.create_task(stack.adapter.run_polling(polling_timeout=1))
    try:
        await tg.wait_for(lambda t: bool(t.calls_of("getUpdates")))
        yield stack
    finally:
        await stack.adapter.stop()
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await stack.bot.session.close()


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in messages]


def ranked(board: str) -> list[str]:
    return [line.split(":")[0] for line in board.splitlines() if line[:1].isdigit()]


async def test_the_group_chat_gets_the_month_in_review_on_its_last_evening(
    tg: FakeTelegram, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> None:
    clock.set(utc(23, 6))  # Monday 23 November, 07:00 in Berlin
    async with serving(tg, engine, coach, clock) as stack:

        async def deliver_at(moment: datetime) -> list[str]:
            clock.set(moment)
            before = len(tg.sent(GROUP))
            await stack.deliver_due()
            return texts(posts(tg, before))

        assert "now a study group" in await say(tg, BOB, "/group setup")
        assert "/group to see" in await say(tg, BOB, "/group tz Europe/Berlin")
        for user in (ADA, CY, DI):
            await say(tg, user, "/join")
        assert "/share" in await say(tg, DI, "/share done off")
        for user, ticks in ((ADA, 3), (CY, 1), (DI, 2)):
            for _ in range(ticks):
                assert ": done." in (await reply_to(tg, user, "/done"))["text"]

        # Saturday 28 November, 18:00 in Berlin: the week's report, not yet the month's.
        saturday = await deliver_at(utc(28, 17))
        assert any("Week 1 in review" in t for t in saturday)
        assert not any("in review: " in t and "November" in t for t in saturday)

        # Monday 30 November, a minute before 18:00 in Berlin: nothing; at 18:00, the month.
        assert not any("November 2026" in t for t in await deliver_at(utc(30, 16, 59)))
        [month] = [t for t in await deliver_at(utc(30, 17)) if "November 2026 in review" in t]
        assert "first month: 4 members" in month
        top = next(line for line in month.splitlines() if "Top of the month" in line)
        # Ada's 3 and Cy's 1, ranked as /leaderboard month ranks them; Di keeps hers.
        assert re.findall(r"\d\. (\w+) \((\d+)\)", top) == [("Ada", "3"), ("Cy", "1")]
        assert re.search(r"Together: 4 items done\b", month)
        board = await say(tg, CY, "/leaderboard month")
        assert ranked(board)[:2] == ["1. Ada", "2. Cy"]
        assert "In December the group opens weeks 3–6" in month

        # Ticked again at the same moment and on the next evening: no second report.
        assert await deliver_at(utc(30, 17)) == []
        assert not any(
            "in review" in t for t in await deliver_at(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))
        )
        rows = [r for r in await stack.outbox() if r.kind == "group_month"]
        assert [(r.local_date.isoformat(), r.status) for r in rows] == [("2026-11-30", "sent")]
