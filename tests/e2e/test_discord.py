"""The coach on Discord as users meet it: real discord.py over HTTP and the gateway websocket
against a fake Discord."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord import bot as discord_bot
from adapters.discord.bot import DiscordAdapter, use_api_base
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.commands import Command, Settings, Unparsed
from core.kernel.refs import LearnerRef
from core.kernel.reply import Outcome
from core.storage import models as m
from core.storage.engine import make_sessions
from tests.conftest import coach_env, coach_process
from tests.e2e.db_support import count
from tests.e2e.discord_support import (
    ADA_DC,
    CHANNEL,
    EPHEMERAL,
    DmOutbox,
    JsonDict,
    RecordingCoach,
    Running,
    custom_ids,
    run,
    text,
)
from tests.e2e.telegram_support import ADA, polling, reply_to
from tests.e2e.telegram_support import TOKEN as TELEGRAM_TOKEN
from tests.fakes.discord import FakeDiscord, FakeInteraction
from tests.fakes.telegram import FakeTelegram

EARLY = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # before the day's 09:00 nudge
NINE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
ROADMAP = b"""# Rust in 2 weeks
## Week 1: Basics
- Compare 2 * 3 with snake_case_names
- Ownership [explained](https://doc.rust-lang.org/book/ch04-00-understanding-ownership.html)
## Week 2: Traits
- Traits and generics
"""


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Any:
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    yield
    use_api_base(None)
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest.fixture
async def adapter(dc: FakeDiscord, coach: Coach) -> AsyncIterator[DiscordAdapter]:
    async with Running(dc, coach) as running:
        yield running
    assert dc.internal_errors == []


async def said(dc: FakeDiscord, user: int, command: str, **options: Any) -> str:
    interaction = await run(dc, user, command, options or None)
    return "\n".join(text(message) for message in interaction.messages)


async def press(dc: FakeDiscord, user: int, message: JsonDict, custom_id: str) -> FakeInteraction:
    interaction = await dc.press(user, message, custom_id)
    await interaction.wait_answered(timeout=10)
    assert not interaction.failed
    return interaction


async def test_a_week_on_discord(
    dc: FakeDiscord, adapter: DiscordAdapter, engine: AsyncEngine
) -> None:
    # Every command is registered as a slash command, on a gateway session without
    # privileged intents.
    assert {"start", "today", "done", "week", "quiz", "progress", "import", "link"} <= set(
        dc.commands
    )
    assert dc.requests_to("GET /gateway/bot")  # the gateway the REST base names
    intents = dc.identifies[0]["intents"]
    assert intents & (1 << 1 | 1 << 8 | 1 << 15) == 0

    assert "Welcome to Roadmap Coach: Python Backend Developer" in await said(dc, ADA_DC, "start")

    today = (await run(dc, ADA_DC, "today")).messages[0]
    assert "Mon 16 Nov" in text(today)
    assert custom_ids(today)[0] == "a:done:w01-setup"
    assert not today["flags"] & EPHEMERAL  # in a DM, answers stay

    # The ✓ button is /done for that item and turns the message into the answer.
    ticked = await press(dc, ADA_DC, today, "a:done:w01-setup")
    assert ticked.response_type == 7  # updated in place
    assert ": done." in text(dc.message(int(today["id"])) or {})

    assert "2." in await said(dc, ADA_DC, "done")
    assert "Week 1 of 24" in await said(dc, ADA_DC, "week")

    quiz = (await run(dc, ADA_DC, "quiz")).messages[-1]
    assert quiz["embeds"][0]["title"] in {"Quiz", "Self-check"}
    options = custom_ids(quiz)
    assert options and all(option.startswith("q:") for option in options)
    answered = await press(dc, ADA_DC, quiz, options[0])
    feedback = await answered.wait_for_messages(1)
    assert answered.ephemeral
    assert re.search(r"(Right|Not quite|noted)", text(feedback[0]), re.IGNORECASE)
    again = await press(dc, ADA_DC, quiz, options[1])
    assert "answered already" in text((await again.wait_for_messages(1))[0])

    assert "Items done: 2 of 172" in await said(dc, ADA_DC, "progress")
    assert await count(engine, m.Completion) == 2


async def test_twenty_quick_presses_are_all_answered_and_tick_once(
    dc: FakeDiscord, adapter: DiscordAdapter, engine: AsyncEngine
) -> None:
    await said(dc, ADA_DC, "start")
    today = (await run(dc, ADA_DC, "today")).messages[0]
    tick = next(c for c in custom_ids(today) if c.startswith("a:done"))
    # All pressed before the first answer lands, as a fast thumb does.
    presses = await asyncio.gather(*(dc.press(ADA_DC, today, tick) for _ in range(20)))
    await asyncio.gather(*(p.wait_answered(timeout=10) for p in presses))
    assert not [p for p in presses if p.failed], "an interaction was left unanswered"
    assert await count(engine, m.Completion) == 1


async def ticked_items(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        found = await connection.scalars(select(m.Completion.item_id).order_by(m.Completion.id))
        return list(found)


async def test_undo_takes_back_the_item_its_option_names(
    dc: FakeDiscord, adapter: DiscordAdapter, engine: AsyncEngine
) -> None:
    [item] = dc.commands["undo"]["options"]
    assert (item["name"], item["type"], item.get("required", False)) == ("item", 4, False)
    assert (item["min_value"], item["max_value"]) == (1, 99)
    await said(dc, ADA_DC, "start")
    for _ in range(3):
        await said(dc, ADA_DC, "done")
    first, _, third = await ticked_items(engine)

    assert "Undone" in await said(dc, ADA_DC, "undo", item=2)  # not the last tick
    assert await ticked_items(engine) == [first, third]
    week = await said(dc, ADA_DC, "week")
    assert "(2/7 done)" in week and "✅ 3." in week and "⬜ 2." in week
    # Item 2 is open now: nothing more goes.
    assert "2." in await said(dc, ADA_DC, "undo", item=2)
    assert await ticked_items(engine) == [first, third]
    await said(dc, ADA_DC, "undo")  # the last tick, as ever
    assert await ticked_items(engine) == [first]


async def test_answers_in_a_server_channel_are_ephemeral(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    interaction = await run(dc, ADA_DC, "start", channel_id=CHANNEL)
    assert interaction.ephemeral
    assert all(message["flags"] & EPHEMERAL for message in interaction.messages)
    today = await run(dc, ADA_DC, "today", channel_id=CHANNEL)
    ticked = await press(dc, ADA_DC, today.messages[0], custom_ids(today.messages[0])[0])
    assert ticked.response_type == 7
    assert ": done." in text(dc.message(int(today.messages[0]["id"])) or {})
    # A link code in a server channel is seen by its owner only.
    link = await run(dc, ADA_DC, "link", channel_id=CHANNEL)
    assert link.ephemeral and "/link" in text(link.messages[0])


async def test_slow_work_is_deferred_within_three_seconds(
    dc: FakeDiscord, coach: Coach, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord_bot, "DEFER_AFTER", 0.2)
    dc.interaction_deadline = 1.0

    class SlowCoach:
        def __getattr__(self, name: str) -> Any:
            return getattr(coach, name)

        async def run(self, who: LearnerRef, command: Command | Unparsed, **kwargs: Any) -> Outcome:
            await asyncio.sleep(1.5)  # longer than the deadline
            return await coach.run(who, command, **kwargs)

    async with Running(dc, SlowCoach()) as _:  # type: ignore[arg-type]
        interaction = await dc.slash(ADA_DC, "start")
        messages = await interaction.wait_for_messages(1, timeout=10)
    assert interaction.response_type == 5  # "thinking…", then the answer
    assert not interaction.failed
    assert "Welcome" in text(messages[0])


async def test_import_shows_a_preview_and_a_button_to_follow_it(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    preview = (await run(dc, ADA_DC, "import", {"roadmap": ("rust.md", ROADMAP)})).messages[0]
    shown = text(preview)
    assert "Rust in 2 weeks" in shown
    assert "Week 1: Basics (2 items)" in shown
    follow, *others = custom_ids(preview)  # a start button per pace, then week 1 to look at
    assert len(others) == 3
    welcome = await press(dc, ADA_DC, preview, follow)
    assert welcome.response_type == 7
    assert "Welcome" in text(dc.message(int(preview["id"])) or {})
    week = (await run(dc, ADA_DC, "week")).messages[0]
    assert "Compare 2 * 3 with snake_case_names" in text(week)  # as written, not as markdown
    assert "2 \\* 3 with snake\\_case\\_names" in week["embeds"][0]["description"]


async def test_a_roadmap_over_1_mb_is_refused_without_downloading_it(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    huge = b"## Week 1: x\n" + b"- item\n" * 200_000
    said_back = await said(dc, ADA_DC, "import", roadmap=("huge.md", huge))
    assert "larger than 1 MB" in said_back
    assert not [r for r in dc.requests if "/attachments/" in r.path]


async def test_a_hostile_roadmap_cannot_ping_or_format(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    roadmap = b"## Week 1: Start\n- @everyone <@123> **loud** [win](https://evil.example)\n"
    preview = (await run(dc, ADA_DC, "import", {"roadmap": ("evil.md", roadmap)})).messages[0]
    await press(dc, ADA_DC, preview, custom_ids(preview)[0])
    week = (await run(dc, ADA_DC, "week")).messages[0]
    raw = (week.get("content") or "") + str(week.get("embeds"))
    assert "@everyone" not in raw
    assert not re.search(r"(?<!\\)<@123>|(?<!\\)\[win", raw)
    assert "@\u200beveryone <@123> loud win" in text(week)
    # No mention is allowed to ping, whatever the text says.
    sends = [r for r in dc.requests if "/callback" in r.path or r.path.startswith("/webhooks")]
    assert sends
    for request in sends:
        body = request.body.get("data", request.body) if isinstance(request.body, dict) else {}
        assert body.get("allowed_mentions", {"parse": []}) == {"parse": []}


async def test_settings_offers_time_zones_as_you_type(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    await run(dc, ADA_DC, "start")
    answer = await said(dc, ADA_DC, "settings timezone", zone="Europe/Berlin")
    assert "Time zone set to Europe/Berlin" in answer
    assert "Europe/Berlin" in await said(dc, ADA_DC, "settings show")


async def test_typed_settings_options_reach_the_core_as_a_settings_command(
    dc: FakeDiscord, coach: Coach, engine: AsyncEngine
) -> None:
    recording = RecordingCoach(coach)
    async with Running(dc, recording):  # type: ignore[arg-type]
        await run(dc, ADA_DC, "start")
        changed = await said(dc, ADA_DC, "settings nudge", time="07:30")
        assert "07:30" in changed
        assert recording.commands[-1] == Settings("nudge", "07:30")
        shown = await said(dc, ADA_DC, "settings show")
        assert recording.commands[-1] == Settings()
        assert "07:30" in shown
    async with engine.connect() as connection:
        assert await connection.scalar(select(m.Enrollment.nudge_time)) == time(7, 30)
    assert dc.internal_errors == []


async def test_a_button_from_before_a_restart_still_works(
    dc: FakeDiscord, coach: Coach, engine: AsyncEngine
) -> None:
    async with Running(dc, coach):
        await run(dc, ADA_DC, "start")
        today = (await run(dc, ADA_DC, "today")).messages[0]
    async with Running(dc, coach):
        ticked = await press(dc, ADA_DC, today, custom_ids(today)[0])
        assert ticked.response_type == 7
    assert ": done." in text(dc.message(int(today["id"])) or {})
    assert await count(engine, m.Completion) == 1


async def test_the_client_reconnects_and_keeps_answering(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    await run(dc, ADA_DC, "start")
    await dc.disconnect(4000)
    await dc.wait_for(lambda f: len(f.resumes) + len(f.identifies) >= 2, timeout=15)
    assert "Mon 16 Nov" in await said(dc, ADA_DC, "today")


# -- writing first: DMs from the outbox -----------------------------------------------


async def start_before_nine(dc: FakeDiscord, clock: FrozenClock, **settings: str) -> None:
    """Ada starts on Monday at 05:00 UTC, so her first 09:00 nudge is still to come."""
    clock.set(EARLY)
    await run(dc, ADA_DC, "start")
    for setting, value in settings.items():
        option = {"timezone": "zone", "quiz": "days", "days": "days", "quiet": "hours"}
        await said(dc, ADA_DC, f"settings {setting}", **{option.get(setting, "time"): value})


async def test_the_morning_plan_comes_by_dm_and_its_button_works(
    dc: FakeDiscord,
    adapter: DiscordAdapter,
    coach: Coach,
    engine: AsyncEngine,
    clock: FrozenClock,
) -> None:
    clock.set(EARLY)
    await run(dc, ADA_DC, "start", channel_id=CHANNEL)  # started in a server, nudged by DM
    await said(dc, ADA_DC, "settings timezone", zone="Europe/Berlin")
    await said(dc, ADA_DC, "settings nudge", time="07:30")
    await said(dc, ADA_DC, "settings quiz", days="off")
    outbox = DmOutbox(adapter, coach, engine, clock)
    before = len(dc.dm_messages(ADA_DC))

    await outbox.deliver_at(datetime(2026, 11, 16, 6, 29, tzinfo=UTC))  # 07:29 in Berlin
    assert len(dc.dm_messages(ADA_DC)) == before
    await outbox.deliver_at(datetime(2026, 11, 16, 6, 30, tzinfo=UTC))
    nudge = await dc.wait_for_dm(ADA_DC, lambda msg: "Good morning" in text(msg))
    assert nudge["components"]
    ticked = await press(dc, ADA_DC, nudge, custom_ids(nudge)[0])
    assert ticked.response_type == 7
    assert "done." in text(dc.message(int(nudge["id"])) or {})


async def test_a_quiz_by_dm_is_answered_with_its_buttons(
    dc: FakeDiscord,
    adapter: DiscordAdapter,
    coach: Coach,
    engine: AsyncEngine,
    clock: FrozenClock,
) -> None:
    await start_before_nine(dc, clock, quiz="mon-sun")
    outbox = DmOutbox(adapter, coach, engine, clock)
    await outbox.deliver_at(NINE)
    quiz = await dc.wait_for_dm(
        ADA_DC, lambda msg: any(c.startswith("q:") for c in custom_ids(msg))
    )
    answered = await press(dc, ADA_DC, quiz, custom_ids(quiz)[0])
    assert (await answered.wait_for_messages(1))[0]


async def test_closed_dms_mark_the_learner_unreachable_until_they_write(
    dc: FakeDiscord,
    adapter: DiscordAdapter,
    coach: Coach,
    engine: AsyncEngine,
    clock: FrozenClock,
) -> None:
    await start_before_nine(dc, clock)
    dc.block_dms(ADA_DC)
    outbox = DmOutbox(adapter, coach, engine, clock)
    await outbox.deliver_at(NINE)
    refused = [r for r in dc.requests if r.code == 50007]
    assert refused and {r.status for r in refused} == {403}
    async with make_sessions(engine)() as session:
        identity = await session.get(m.Identity, 1)
        rows = (await session.execute(m.OutboxMessage.__table__.select())).all()
    assert identity is not None and identity.reachable is False
    # The plan is refused; the quiz owed after it is not even tried.
    first, *rest = sorted(rows, key=lambda row: row.id)
    assert first.status == "failed"
    assert {(row.status, row.outcome) for row in rest} <= {("dropped", "no reachable chat")}

    # Nothing more is tried; a command makes them reachable again.
    sends = len(dc.requests)
    await outbox.deliver_at(NINE + timedelta(days=1))
    assert len(dc.requests) == sends
    dc.unblock_dms(ADA_DC)
    await said(dc, ADA_DC, "today")
    await outbox.deliver_at(NINE + timedelta(days=2))
    await dc.wait_for_dm(ADA_DC, lambda msg: "Good morning" in text(msg))


async def test_a_429_on_a_dm_is_waited_out(
    dc: FakeDiscord,
    adapter: DiscordAdapter,
    coach: Coach,
    engine: AsyncEngine,
    clock: FrozenClock,
) -> None:
    await start_before_nine(dc, clock)
    dc.fail_next("POST", "/channels/{channel_id}/messages", 429, retry_after=0.4)
    outbox = DmOutbox(adapter, coach, engine, clock)
    await outbox.deliver_at(NINE)
    await dc.wait_for_dm(ADA_DC, lambda msg: "Good morning" in text(msg))
    assert dc.too_many_requests == 1
    assert dc.early_retries == []


async def test_a_long_429_sends_the_dm_back_to_the_outbox(
    coach: Coach, engine: AsyncEngine, clock: FrozenClock
) -> None:
    # Discord's hold runs on the fake's clock, moved with the coach's.
    discord_time = [1_000.0]
    async with FakeDiscord(clock=lambda: discord_time[0]) as dc:
        dc.add_user(ADA_DC, "ada", "Ada")
        async with Running(dc, coach) as adapter:
            await start_before_nine(dc, clock, quiz="off")
            dc.fail_next("POST", "/channels/{channel_id}/messages", 429, retry_after=90)
            outbox = DmOutbox(adapter, coach, engine, clock)
            await outbox.deliver_at(NINE)
            async with make_sessions(engine)() as session:
                [row] = (await session.execute(m.OutboxMessage.__table__.select())).all()
            assert row.status == "pending"
            assert row.available_at >= NINE + timedelta(seconds=90)
            assert row.attempts == 0  # a flood wait does not spend a try
            assert not [msg for msg in dc.dm_messages(ADA_DC) if "Good morning" in text(msg)]

            discord_time[0] += 91
            await outbox.deliver_at(NINE + timedelta(seconds=91))
            await dc.wait_for_dm(ADA_DC, lambda msg: "Good morning" in text(msg))
            assert dc.early_retries == []


async def test_a_server_error_on_a_dm_is_retried(
    dc: FakeDiscord,
    adapter: DiscordAdapter,
    coach: Coach,
    engine: AsyncEngine,
    clock: FrozenClock,
) -> None:
    await start_before_nine(dc, clock)
    dc.fail_next("POST", "/channels/{channel_id}/messages", 502)
    outbox = DmOutbox(adapter, coach, engine, clock)
    await outbox.deliver_at(NINE)
    await dc.wait_for_dm(ADA_DC, lambda msg: "Good morning" in text(msg))
    sends = dc.requests_to("POST /channels/{channel_id}/messages")
    assert sends[0].status == 502
    assert {r.status for r in sends[1:]} == {200}


async def test_dms_to_many_learners_stay_within_discords_limits(
    dc: FakeDiscord, coach: Coach, engine: AsyncEngine, clock: FrozenClock
) -> None:
    dc.enforce_rates(global_per_second=50, per_route=(5, 5.0))
    learners = [4_000_000_000_000_000_000 + n for n in range(40)]
    clock.set(EARLY)
    for user in learners:
        dc.add_user(user, f"learner{user % 100}")
        await coach.handle(LearnerRef("discord", str(user), "L"), "/start")
    async with Running(dc, coach) as running:
        outbox = DmOutbox(running, coach, engine, clock)
        await outbox.deliver_at(NINE)
        await dc.wait_for(lambda f: all(f.dm_messages(u) for u in learners), timeout=30)
    assert dc.too_many_requests == 0, [
        (r.route, r.at, r.error, r.path) for r in dc.requests if r.status == 429
    ]
    assert dc.early_retries == []
    assert dc.max_requests_in_window(1.0) <= 50


# -- one learner on two platforms -----------------------------------------------------


async def test_a_telegram_learner_links_their_discord_account(
    dc: FakeDiscord, adapter: DiscordAdapter, tg: FakeTelegram, coach: Coach
) -> None:
    async with polling(tg, coach):
        await reply_to(tg, ADA, "/start")
        await reply_to(tg, ADA, "/done")
        await reply_to(tg, ADA, "/done")
        issued = (await reply_to(tg, ADA, "/link"))["text"]
        code = re.search(r"\b[2-9A-HJ-NP-Z]{6}\b", issued)
        assert code is not None, issued

        linked = await said(dc, ADA_DC, "link", code=code.group().lower())
        assert "Telegram" in linked and "Discord" in linked
        assert "Items done: 2 of 172" in await said(dc, ADA_DC, "progress")
        await said(dc, ADA_DC, "done")
        progress = await reply_to(tg, ADA, "/progress")
        assert "Items done: 3 of 172" in progress["text"]


@pytest.mark.parametrize("platforms", [("discord",), ("discord", "telegram")])
def test_coach_run_serves_discord_alone_or_beside_telegram(
    tmp_path: Path, platforms: tuple[str, ...]
) -> None:
    async def scenario() -> None:
        async with FakeDiscord() as dc, FakeTelegram(token=TELEGRAM_TOKEN) as tg:
            dc.add_user(ADA_DC, "ada", "Ada")
            tg.add_user(ADA, "Ada")
            env = coach_env()
            env.update(
                DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}",
                DISCORD_BOT_TOKEN=dc.token,
                DISCORD_API_BASE=dc.api_base,
                COACH_FROZEN_TIME="2026-11-16T09:00:00+00:00",
            )
            if "telegram" in platforms:
                env.update(TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN, TELEGRAM_API_BASE=tg.base_url)
            process = await coach_process(env, tmp_path)
            try:
                await dc.wait_identified(timeout=30)
                start = await dc.slash(ADA_DC, "start")
                [welcome] = await start.wait_for_messages(1, timeout=15)
                assert "Welcome" in text(welcome)
                if "telegram" in platforms:
                    await tg.wait_for(lambda t: bool(t.calls_of("getUpdates")), timeout=30)
                    tg.send_text(ADA, "/today")
                    await tg.wait_for(lambda t: bool(t.sent(ADA)), timeout=15)
                    assert "/start" in tg.last(ADA)["text"]  # not started there yet
            finally:
                process.terminate()
                _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            assert process.returncode == 0, stderr.decode()
            assert b"Traceback" not in stderr
            named = " and ".join(p.title() for p in ("telegram", "discord") if p in platforms)
            assert f"The coach is on {named}." in stderr.decode()

    asyncio.run(scenario())
