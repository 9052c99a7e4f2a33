"""A study group on Telegram and one on Discord run a week side by side: one coach that
draws charts, one database, one clock, and one sender posting to both fakes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from discord.gateway import DiscordWebSocket
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.bot import use_api_base
from adapters.discord.messenger import DiscordMessenger
from adapters.telegram.bot import TelegramAdapter, make_bot
from adapters.telegram.messenger import TelegramMessenger
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.outreach.service import Outreach
from core.progress.charts import WIDTH_PX
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.inbox import SqlInbox
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from scheduler.limits import RateGate, RateLimits
from scheduler.sender import Sender, SenderSettings
from tests.e2e.discord_support import (
    ADA_DC,
    BOB_DC,
    CY_DC,
    DI_DC,
    GUILD,
    JsonDict,
    Running,
    posts,
    run,
    said_in,
    shown,
    text,
)
from tests.e2e.telegram_support import ADA, BOB, CY, DI, GROUP, TOKEN, reply_to, say, tracked
from tests.e2e.telegram_support import posts as tg_posts
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

EV = 1005
EV_DC = 2_000_000_000_000_000_006
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TG_MEMBERS = {"Ada": ADA, "Bob": BOB, "Cy": CY, "Di": DI, "Ev": EV}
DC_MEMBERS = {"Ada": ADA_DC, "Bob": BOB_DC, "Cy": CY_DC, "Di": DI_DC, "Ev": EV_DC}


def at(day: int, hour: int) -> datetime:
    """A moment in the week of Monday 16 November 2026, in UTC (Berlin is an hour ahead)."""
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Any:
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    yield
    use_api_base(None)
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


@dataclass
class Both:
    tg: FakeTelegram
    dc: FakeDiscord
    clock: FrozenClock
    outreach: Outreach
    sender: Sender

    async def deliver_at(self, moment: datetime) -> None:
        """The scheduler's turn at `moment`: enqueue what is due, then drain the outbox."""
        self.clock.set(moment)
        await self.outreach.enqueue_due()
        while await self.sender.drain_once():
            pass

    async def done(self, name: str) -> None:
        """The member ticks their next item: on Telegram in a private chat, on Discord in
        a DM, both counting for the group."""
        assert ": done." in (await reply_to(self.tg, TG_MEMBERS[name], "/done"))["text"]
        await run(self.dc, DC_MEMBERS[name], "done")


@asynccontextmanager
async def both_serving(
    tg: FakeTelegram, dc: FakeDiscord, engine: AsyncEngine, coach: Coach, clock: FrozenClock
) -> AsyncIterator[Both]:
    tg.add_user(CY, "Cy")
    tg.add_user(DI, "Di")
    tg.add_user(EV, "Ev")
    tg.add_group(GROUP, "Backend cohort", admins=[BOB])
    for user, name in ((CY_DC, "Cy"), (DI_DC, "Di"), (EV_DC, "Ev")):
        dc.add_user(user, name.lower(), name)
        dc.add_member(GUILD, user)

    # Telegram's flood limits stay off in the fake, and the gate keeps no group pace.
    telegram_gate = RateGate(RateLimits(30, 1, None))
    bot: Bot = make_bot(
        TOKEN, tg.base_url, on_flood=lambda seconds, chat: telegram_gate.hold(seconds, chat)
    )
    telegram = tracked(TelegramAdapter(coach, bot, inbox=SqlInbox(engine)))
    polling = asyncio.create_task(telegram.run_polling(polling_timeout=1))
    try:
        await tg.wait_for(lambda t: bool(t.calls_of("getUpdates")))
        async with Running(dc, coach) as discord_adapter:
            outreach = Outreach(coach, SqlUnitOfWorkFactory(make_sessions(engine)), clock)
            sender = Sender(
                outreach,
                {
                    "telegram": TelegramMessenger(telegram, telegram_gate),
                    "discord": DiscordMessenger(
                        discord_adapter, RateGate(RateLimits(40.0, 1.0, None))
                    ),
                },
                worker="e2e",
                settings=SenderSettings(quick_wait=0.05),
            )
            yield Both(tg, dc, clock, outreach, sender)
        assert dc.internal_errors == []
    finally:
        await telegram.stop()
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await bot.session.close()


def dc_posts_since(dc: FakeDiscord, before: int) -> list[JsonDict]:
    return posts(dc)[before:]


def one_with(messages: list[JsonDict], words: str) -> JsonDict:
    [found] = [msg for msg in messages if words in text(msg)]
    return found


def tg_text(message: JsonDict) -> str:
    return str(message.get("text") or message.get("caption") or "")


def tg_one_with(messages: list[JsonDict], words: str) -> JsonDict:
    [found] = [msg for msg in messages if words in tg_text(msg)]
    return found


def ranked(board: str) -> list[str]:
    return [line.split(":")[0] for line in board.splitlines() if line[:1].isdigit()]


async def group_quiz(engine: AsyncEngine, platform: str, message_ref: str) -> Any:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(m.GroupQuiz)
            .join(m.StudyGroup, m.StudyGroup.id == m.GroupQuiz.group_id)
            .where(m.StudyGroup.platform == platform, m.GroupQuiz.message_ref == message_ref)
        )
        return rows.one()


async def test_a_telegram_group_and_a_discord_group_run_a_week_together(
    tg: FakeTelegram,
    dc: FakeDiscord,
    engine: AsyncEngine,
    charting_coach: Coach,
    clock: FrozenClock,
) -> None:
    clock.set(at(16, 6))  # Monday 07:00 in Berlin, before the digest of 08:00
    async with both_serving(tg, dc, engine, charting_coach, clock) as week:
        # Each group is set up by its admin, on the same schedule.
        assert "now a study group" in await say(tg, BOB, "/group setup")
        for setting in ("tz Europe/Berlin", "time 08:00"):
            assert "/group to see" in await say(tg, BOB, f"/group {setting}")
        assert "now a study group" in shown(await said_in(dc, BOB_DC, "group setup"))
        zone = await said_in(dc, BOB_DC, "group timezone", zone="Europe/Berlin")
        assert "time zone is now Europe/Berlin" in shown(zone)
        time = await said_in(dc, BOB_DC, "group time", time="08:00")
        assert "digest now comes at 08:00" in shown(time)
        for name in ("Ada", "Cy", "Di", "Ev"):  # Bob joined as he set the group up
            assert f"Welcome, {name}" in await say(tg, TG_MEMBERS[name], "/join")
            assert f"Welcome, {name}" in shown(await said_in(dc, DC_MEMBERS[name], "join"))
        await week.done("Ada")  # before Monday's digest
        tg_before, dc_before = len(tg.sent(GROUP)), len(posts(dc))

        # 07:59 in Berlin: nothing yet; 08:00: the digest, and Monday is a quiz day.
        await week.deliver_at(datetime(2026, 11, 16, 6, 59, tzinfo=UTC))
        assert tg_posts(tg, tg_before) == [] and dc_posts_since(dc, dc_before) == []
        await week.deliver_at(at(16, 7))
        # The digest and the quiz are rows of their own, sent side by side: in either order.
        tg_monday = tg_posts(tg, tg_before)
        assert len(tg_monday) == 3
        assert "Group digest, Mon 16 Nov" in tg_one_with(tg_monday, "Group digest")["text"]
        assert tg_one_with(tg_monday, "Group quiz on week 1")
        [quiz] = [p for p in tg_monday if p.get("poll")]
        monday = dc_posts_since(dc, dc_before)
        assert "Group digest, Mon 16 Nov" in text(one_with(monday, "Group digest"))
        [dc_quiz] = [msg for msg in monday if msg.get("components")]
        assert dc_quiz["embeds"][0]["title"] == "Group quiz"
        assert "Group quiz on week 1" in dc_quiz["content"]

        # Everyone answers: Ada, Cy and Di right, Bob and Ev wrong, on both.
        poll = quiz["poll"]
        [right] = tg.calls_of("sendPoll")[-1]["correct_option_ids"]
        wrong = (right + 1) % len(poll["options"])
        record = await group_quiz(engine, "discord", dc_quiz["id"])
        options = [c["custom_id"] for row in dc_quiz["components"] for c in row["components"]]
        dc_right = options[record.correct_option]
        dc_wrong = options[(record.correct_option + 1) % len(options)]
        for name in TG_MEMBERS:
            gets_it = name in ("Ada", "Cy", "Di")
            tg.answer_poll(TG_MEMBERS[name], poll["id"], [right if gets_it else wrong])
            pressed = await dc.press(DC_MEMBERS[name], dc_quiz, dc_right if gets_it else dc_wrong)
            [feedback] = await pressed.wait_for_messages(1, timeout=10)
            assert ("Right!" if gets_it else "Not quite") in text(feedback)
        await reply_to(tg, BOB, "/help")  # the poll answers are handled by now

        # 15:00 UTC: the quizzes close with their tally.
        tg_before, dc_before = len(tg.sent(GROUP)), len(posts(dc))
        await week.deliver_at(at(16, 15))
        (tg_close,) = tg_posts(tg, tg_before)
        assert "5 answered, 3 got it right" in tg_close["text"]
        assert tg.poll_message(GROUP, quiz["message_id"])["poll"]["is_closed"] is True
        (dc_close,) = dc_posts_since(dc, dc_before)
        assert "5 answered, 3 got it right" in text(dc_close)
        assert (dc.message(int(dc_quiz["id"])) or {})["components"] == []

        # Tuesday: Monday's work in the digest; then the rest of the group ticks.
        tg_before, dc_before = len(tg.sent(GROUP)), len(posts(dc))
        await week.deliver_at(at(17, 7))
        (tuesday,) = tg_posts(tg, tg_before)
        dc_tuesday = one_with(dc_posts_since(dc, dc_before), "Group digest, Tue 17 Nov")
        for shown_text in (tuesday["text"], text(dc_tuesday)):
            assert "Group digest, Tue 17 Nov" in shown_text
            assert "Finished yesterday" in shown_text and "Ada:" in shown_text
            assert "Cy:" not in shown_text
        clock.set(at(17, 10))
        for name in ("Ada", "Bob", "Cy", "Cy", "Di", "Ev"):
            await week.done(name)

        # Wednesday: Tuesday's work in the digest, a quiz again, and the standings at noon.
        tg_before, dc_before = len(tg.sent(GROUP)), len(posts(dc))
        await week.deliver_at(at(18, 7))
        tg_wednesday = [tg_text(p) for p in tg_posts(tg, tg_before)]
        dc_wednesday = [text(p) for p in dc_posts_since(dc, dc_before)]
        for said_there in (tg_wednesday, dc_wednesday):
            [digest_text] = [t for t in said_there if "Group digest, Wed 18 Nov" in t]
            assert "Finished yesterday" in digest_text
            assert all(f"{name}:" in digest_text for name in TG_MEMBERS)
            assert any("Group quiz on week 1" in t for t in said_there)
        clock.set(at(18, 12))
        tg_board = await say(tg, DI, "/leaderboard")
        dc_board = shown(await said_in(dc, DI_DC, "leaderboard"))
        # Done, then right answers, then streak (Ada ticked Monday too); Bob and Ev tie.
        expected = ["1. Ada", "2. Cy", "3. Di", "4. Bob", "4. Ev"]
        assert ranked(tg_board) == ranked(dc_board) == expected, (tg_board, dc_board)

        # Thursday to Saturday: the digest every study day at 08:00 in Berlin.
        for day, label in ((19, "Thu 19 Nov"), (20, "Fri 20 Nov"), (21, "Sat 21 Nov")):
            tg_before, dc_before = len(tg.sent(GROUP)), len(posts(dc))
            await week.deliver_at(at(day, 7))
            assert any(f"Group digest, {label}" in tg_text(p) for p in tg_posts(tg, tg_before))
            assert any(f"Group digest, {label}" in text(p) for p in dc_posts_since(dc, dc_before))
            await week.deliver_at(at(day, 15))  # Friday's quiz closes

        # Saturday, the last study day, at 18:00 in Berlin: the week's report and its chart.
        tg_before, dc_before = len(tg.sent(GROUP)), len(posts(dc))
        await week.deliver_at(datetime(2026, 11, 21, 16, 59, tzinfo=UTC))
        assert tg_posts(tg, tg_before) == [] and dc_posts_since(dc, dc_before) == []
        await week.deliver_at(at(21, 17))
        report, picture = tg_posts(tg, tg_before)
        assert "Week 1 in review" in report["text"]
        assert picture["photo"][-1]["width"] == WIDTH_PX
        dc_report = dc_posts_since(dc, dc_before)
        assert "Week 1 in review" in text(one_with(dc_report, "Week 1 in review"))
        [attachment] = [a for msg in dc_report for a in msg.get("attachments") or []]
        assert dc.attachment_bytes(attachment["id"]).startswith(PNG_SIGNATURE)
        for summary in (report["text"], text(one_with(dc_report, "Week 1 in review"))):
            assert "Group quizzes: 3, 5 answers, 3 right." in summary, summary
