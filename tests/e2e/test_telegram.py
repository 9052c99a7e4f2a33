"""The coach on Telegram as users meet it: real aiogram over HTTP against a fake Bot API."""

from __future__ import annotations

import asyncio
import copy
import socket
import struct
import zlib
from pathlib import Path

import icalendar
import pytest
from aiohttp import ClientSession, web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram.bot import GROUP_MENU, TelegramAdapter, make_bot
from adapters.telegram.pacing import PRIVATE_BUDGET
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.kernel.refs import LearnerRef
from core.kernel.reply import Image, Reply
from core.learning.tracks import BuiltinCatalog
from core.storage import models as m
from core.storage.engine import make_sessions
from core.storage.inbox import SqlInbox
from core.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import coach_env, coach_process
from tests.e2e.db_support import count
from tests.e2e.telegram_support import ADA, BOB, GROUP, TOKEN, reply_to, tracked
from tests.fakes.pseudo_locale import as_said
from tests.fakes.questions import BANK
from tests.fakes.telegram import SECRET_HEADER, FakeTelegram


def buttons(message: dict) -> list[dict]:
    return [
        b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
    ]


async def test_a_week_on_telegram(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    # The command menu and the update types come first.
    assert {c["command"] for c in tg.commands["all_private_chats"]} >= {
        "start",
        "today",
        "done",
        "week",
    }
    assert [c["command"] for c in tg.commands["all_group_chats"]] == list(GROUP_MENU)
    assert set(tg.allowed_updates or []) >= {"message", "callback_query", "my_chat_member"}

    welcome = await reply_to(tg, ADA, "/start")
    assert "Welcome to Roadmap Coach: Python Backend Developer" in welcome["text"]
    assert "<b>" in welcome["html"]

    today = await reply_to(tg, ADA, "/today")
    assert "Mon 16 Nov" in today["text"]
    first = buttons(today)[0]
    assert first["text"].startswith("✓ 1.")
    assert first["callback_data"] == "a|done:w01-setup"

    # The ✓ button is /done for that item and edits the message in place.
    tg.press(ADA, today["message_id"], first["callback_data"])
    await tg.wait_for(lambda t: ": done." in t.sent(ADA)[-1]["text"])
    edited = tg.sent(ADA)[-1]
    assert edited["message_id"] == today["message_id"]
    assert edited.get("edit_date")
    assert tg.callback_answers  # the spinner stops

    assert "2." in (await reply_to(tg, ADA, "/done"))["text"]
    assert "Week 1 of 24" in (await reply_to(tg, ADA, "/week"))["text"]
    progress = await reply_to(tg, ADA, "/progress")
    assert "Items done: 2 of 172" in progress["text"]
    assert await count(engine, m.Completion) == 2


async def test_hostile_titles_are_escaped(tg: FakeTelegram, adapter: TelegramAdapter) -> None:
    # Code spans keep tags as text: exactly what must reach Telegram escaped.
    roadmap = b"## Week 1: `<b>Bold</b>` & `<script>`\n- Use `<div>` & `&amp;` safely\n## Week 2: x\n- y\n"
    tg.send_document(ADA, "evil.md", roadmap)
    await tg.wait_for(lambda t: bool(t.sent(ADA)))
    preview = tg.last(ADA)
    assert "<b>Bold</b> & <script>" in preview["text"]  # shown as written, not as markup
    tg.press(ADA, preview["message_id"], buttons(preview)[0]["callback_data"])
    await tg.wait_for(lambda t: "Welcome" in t.last(ADA)["text"])
    week = await reply_to(tg, ADA, "/week")
    assert "Use <div> & &amp; safely" in week["text"]


async def test_groups_answer_only_commands_for_this_bot(
    tg: FakeTelegram, adapter: TelegramAdapter
) -> None:
    tg.add_group(GROUP, "Study group", admins=[ADA])
    await reply_to(tg, ADA, "/start")
    answer = await reply_to(tg, ADA, "/today@coach_test_bot", chat=GROUP)
    assert "Week 1 of 24" in answer["text"]
    assert answer["reply_to_message_id"]  # answers the command it was given
    sent_before = len(tg.sent(GROUP))
    tg.send_text(ADA, "/today@some_other_bot", chat_id=GROUP)
    tg.send_text(ADA, "good morning everyone", chat_id=GROUP)
    await reply_to(tg, BOB, "/help")  # a later update, so the two above were handled
    assert len(tg.sent(GROUP)) == sent_before


async def test_a_redelivered_update_counts_once(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    await reply_to(tg, ADA, "/start")
    update_id = tg.send_text(ADA, "/done")
    update = copy.deepcopy(next(u for u in tg.pending_updates() if u["update_id"] == update_id))
    await tg.wait_for(lambda t: ": done." in t.last(ADA)["text"])
    sent = len(tg.sent(ADA))
    tg.enqueue(update)  # the same update_id again, as after a crash before confirmation
    await reply_to(tg, BOB, "/help")
    assert await count(engine, m.Completion) == 1
    assert len(tg.sent(ADA)) == sent


async def test_a_429_is_waited_out(tg: FakeTelegram, adapter: TelegramAdapter) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=1)
    reply = await reply_to(tg, ADA, "/help")
    assert "What I understand" in reply["text"]
    statuses = [r.status for r in tg.log if r.method.lower() == "sendmessage"]
    assert statuses[:2] == [429, 200]


async def test_a_blocked_user_is_marked_unreachable(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    await reply_to(tg, ADA, "/start")
    tg.block(ADA)
    # What a nudge meets once the user has blocked the bot.
    await adapter.send(ADA, Reply.text(as_said("Time for today's items!")), adapter_who(ADA))
    assert any(r.status == 403 for r in tg.log)
    async with engine.connect() as connection:
        assert await connection.scalar(select(m.Identity.reachable)) is False


def send_times(tg: FakeTelegram, chat_id: int) -> list[float]:
    return [
        call.at
        for call in tg.log
        if call.status == 200
        and call.method in {"sendMessage", "editMessageText"}
        and str(call.params.get("chat_id")) == str(chat_id)
    ]


def window_spans(times: list[float]) -> list[float]:
    """The time from each answer to the one `limit` answers later: within the chat's
    budget, never shorter than its window."""
    limit = PRIVATE_BUDGET.limit
    return [later - earlier for earlier, later in zip(times, times[limit:], strict=False)]


async def test_a_burst_of_commands_is_carried_out_and_answered_within_the_chats_limit(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    await reply_to(tg, ADA, "/start")
    started = len(send_times(tg, ADA))
    burst = ["/done"] * 5 + ["/log 2", "/note quick burst", "/done"]
    for typed in burst:
        tg.send_text(ADA, typed)
    answer = await reply_to(tg, BOB, "/help")  # someone else is not held up
    assert "/today" in answer["text"]
    await tg.wait_for(lambda t: len(send_times(t, ADA)) >= started + len(burst), timeout=20)
    assert await count(engine, m.Completion) == 6
    assert await count(engine, m.HourLog) == 1
    # None was dropped, and none came faster than the chat's budget allows.
    spans = window_spans(send_times(tg, ADA))
    assert spans and min(spans) >= PRIVATE_BUDGET.per * 0.95


async def test_twenty_quick_presses_are_all_answered_and_tick_once(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    await reply_to(tg, ADA, "/start")
    today = await reply_to(tg, ADA, "/today")
    data = buttons(today)[0]["callback_data"]
    for _ in range(20):
        tg.press(ADA, today["message_id"], data, force=True)
    await tg.wait_for(lambda t: len(t.callback_answers) == 20, timeout=5)
    assert await count(engine, m.Completion) == 1
    await tg.wait_for(lambda t: not adapter.pacer.backlog(ADA), timeout=20)
    # Edits still waiting gave way to the newest: fewer edits than presses, none too close.
    edits = tg.calls_of("editMessageText")
    assert 0 < len(edits) < 20
    spans = window_spans(send_times(tg, ADA))
    assert not spans or min(spans) >= PRIVATE_BUDGET.per * 0.95


async def test_a_quiz_poll_is_answered_and_graded_once(
    tg: FakeTelegram, engine: AsyncEngine, clock: FrozenClock
) -> None:
    coach = Coach(
        SqlUnitOfWorkFactory(make_sessions(engine)), clock, BuiltinCatalog(), questions=BANK
    )
    bot = make_bot(TOKEN, tg.base_url)
    adapter = tracked(TelegramAdapter(coach, bot, inbox=SqlInbox(engine)))
    polling = asyncio.create_task(adapter.run_polling(polling_timeout=1))
    try:
        await reply_to(tg, ADA, "/start")
        message = await reply_to(tg, ADA, "/quiz")
        poll = message["poll"]
        assert poll["type"] == "quiz"
        assert poll["is_anonymous"] is False
        [correct] = tg.calls_of("sendPoll")[-1]["correct_option_ids"]
        assert "poll_answer" in (tg.allowed_updates or [])
        answer = tg.answer_poll(ADA, poll["id"], [correct])
        update = copy.deepcopy(next(u for u in tg.pending_updates() if u["update_id"] == answer))
        await tg.wait_for(lambda t: "Correct!" in (t.last(ADA).get("text") or ""))
        tg.enqueue(update)  # the answer delivered again
        await reply_to(tg, BOB, "/help")
        async with engine.connect() as connection:
            rows = (
                await connection.execute(select(m.QuizDelivery.correct, m.QuizDelivery.poll_ref))
            ).all()
        assert [tuple(r) for r in rows] == [(True, poll["id"])]
        async with engine.connect() as connection:
            due = await connection.scalar(select(m.ReviewCard.due))
        assert due is not None
        assert due > clock.now()  # the next review date is stored
        assert sum("Correct!" in x["text"] for x in tg.sent(ADA) if x.get("text")) == 1
    finally:
        await adapter.stop()
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await bot.session.close()


def adapter_who(user: int) -> LearnerRef:
    return LearnerRef("telegram", str(user))


async def webhook_server(
    adapter: TelegramAdapter, path: str, secret: str
) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(adapter.webhook_app(path, secret))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}{path}"


async def test_webhook_mode_checks_the_secret(
    tg: FakeTelegram, coach: Coach, engine: AsyncEngine
) -> None:
    bot = make_bot(TOKEN, tg.base_url)
    adapter = TelegramAdapter(coach, bot)
    await adapter.prepare()
    runner, url = await webhook_server(adapter, "/telegram/hook", "s3cret-token")
    try:
        await bot.set_webhook(
            url, secret_token="s3cret-token", allowed_updates=adapter.allowed_updates
        )
        start = tg.send_text(ADA, "/start")
        assert await tg.deliver(start) == 200
        await adapter.intake.drained()  # 200 says recorded; the answer follows
        assert "Welcome" in tg.last(ADA)["text"]
        done = tg.send_text(ADA, "/done")
        assert await tg.deliver(done, secret="wrong") == 401
        assert await tg.deliver(done, secret=None) == 401
        assert await count(engine, m.Completion) == 0
        assert await tg.deliver(done) == 200
        await adapter.intake.drained()
        assert await count(engine, m.Completion) == 1
        # A body that is no update is refused, not recorded.
        headers = {SECRET_HEADER: "s3cret-token"}
        async with ClientSession() as client, client.post(url, data=b"{", headers=headers) as sent:
            assert sent.status == 400
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(m.InboxUpdate)) == 0
    finally:
        await adapter.stop()
        await runner.cleanup()
        await bot.session.close()


def test_coach_run_talks_to_telegram_as_a_subprocess(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with FakeTelegram(token=TOKEN) as fake:
            fake.add_user(ADA, "Ada")
            env = coach_env()
            env.update(
                DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}",
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE=fake.base_url,
                COACH_FROZEN_TIME="2026-11-16T09:00:00+00:00",
            )
            process = await coach_process(env, tmp_path)
            try:
                await fake.wait_for(lambda t: bool(t.calls_of("getUpdates")), timeout=30)
                fake.send_text(ADA, "/start")
                await fake.wait_for(lambda t: "Welcome" in t.last(ADA)["text"], timeout=15)
                fake.send_text(ADA, "/today")
                await fake.wait_for(lambda t: "Mon 16 Nov" in t.last(ADA)["text"], timeout=15)
            finally:
                process.terminate()
                _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            assert process.returncode == 0, stderr.decode()
            assert b"Traceback" not in stderr

    asyncio.run(scenario())


async def test_a_double_tapped_button_ticks_once(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    await reply_to(tg, ADA, "/start")
    today = await reply_to(tg, ADA, "/today")
    data = buttons(today)[0]["callback_data"]
    tg.press(ADA, today["message_id"], data)
    tg.press(ADA, today["message_id"], data, force=True)  # the second tap, before the edit lands
    await tg.wait_for(lambda t: len(t.callback_answers) == 2)  # both taps: spinners stopped
    await adapter.intake.drained()
    assert await count(engine, m.Completion) == 1


async def test_a_study_group_uses_the_same_commands(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    tg.add_group(GROUP, "Study group", admins=[ADA])
    assert "Welcome" in (await reply_to(tg, ADA, "/start@coach_test_bot", chat=GROUP))["text"]
    today = await reply_to(tg, ADA, "/today", chat=GROUP)
    tg.press(ADA, today["message_id"], buttons(today)[0]["callback_data"], chat_id=GROUP)
    await tg.wait_for(lambda t: ": done." in t.sent(GROUP)[-1]["text"])
    assert ": done." in (await reply_to(tg, ADA, "/done", chat=GROUP))["text"]
    assert "Week 1 of 24" in (await reply_to(tg, ADA, "/week", chat=GROUP))["text"]
    assert "Items done: 2 of 172" in (await reply_to(tg, ADA, "/progress", chat=GROUP))["text"]
    assert await count(engine, m.Completion) == 2


async def test_a_members_buttons_in_a_group_are_theirs_alone(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    tg.add_group(GROUP, "Study group", admins=[ADA])
    await reply_to(tg, BOB, "/start")
    await reply_to(tg, ADA, "/start")
    today = await reply_to(tg, ADA, "/today", chat=GROUP)
    edits_before = len(tg.calls_of("editMessageText"))
    presses = [
        tg.press(BOB, today["message_id"], buttons(today)[0]["callback_data"], chat_id=GROUP),
        # Forged presses: actions the message never offered.
        tg.press(BOB, today["message_id"], "a|export", chat_id=GROUP, force=True),
        tg.press(BOB, today["message_id"], "a|link", chat_id=GROUP, force=True),
        tg.press(BOB, today["message_id"], "a|forget:confirm", chat_id=GROUP, force=True),
    ]
    await tg.wait_for(lambda t: len(t.callback_answers) == len(presses))
    notices = list(tg.callback_answers.values())
    assert all(notice.get("show_alert") in (True, "true") for notice in notices)
    assert all(notice.get("text") for notice in notices)  # a word to the presser alone
    assert await count(engine, m.Completion) == 0
    assert await count(engine, m.LinkCode) == 0
    assert await count(engine, m.Identity) == 2
    assert tg.calls_of("sendDocument") == []
    assert len(tg.calls_of("editMessageText")) == edits_before  # Ada's message unchanged
    # Her own press works.
    tg.press(ADA, today["message_id"], buttons(today)[0]["callback_data"], chat_id=GROUP)
    await tg.wait_for(lambda t: len(t.callback_answers) == len(presses) + 1)
    assert await count(engine, m.Completion) == 1


async def test_a_private_action_forged_on_a_group_message_is_refused(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    tg.add_group(GROUP, "Study group", admins=[ADA])
    await reply_to(tg, ADA, "/start")
    today = await reply_to(tg, ADA, "/today", chat=GROUP)
    for action in ("a|export", "a|link"):
        tg.press(ADA, today["message_id"], action, chat_id=GROUP, force=True)
    await tg.wait_for(lambda t: len(t.callback_answers) == 2)
    await reply_to(tg, ADA, "/help")  # whatever was queued for her has gone out by now
    assert tg.calls_of("sendDocument") == []
    assert await count(engine, m.LinkCode) == 0
    assert not any("/link" in sent["text"] and "code" in sent["text"] for sent in tg.sent(GROUP))


@pytest.mark.parametrize("command", ["/link", "/export", "/forget confirm"])
async def test_personal_commands_are_answered_only_in_private(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine, command: str
) -> None:
    tg.add_group(GROUP, "Study group", admins=[ADA])
    await reply_to(tg, ADA, "/start")
    answer = await reply_to(tg, ADA, command, chat=GROUP)
    assert "@coach_test_bot" in answer["text"]  # where to send it instead
    assert await count(engine, m.Identity) == 1  # nothing was forgotten
    assert await count(engine, m.LinkCode) == 0  # and no code was shown to the group
    assert tg.calls_of("sendDocument") == []  # nor an export
    assert "/link" in (await reply_to(tg, ADA, "/link"))["text"]  # in private it works


async def test_an_export_asked_for_in_a_group_is_pointed_to_the_private_chat(
    tg: FakeTelegram, adapter: TelegramAdapter
) -> None:
    tg.add_group(GROUP, "Study group", admins=[ADA])
    await reply_to(tg, ADA, "/start")
    answer = await reply_to(tg, ADA, "/export@coach_test_bot", chat=GROUP)
    assert "@coach_test_bot" in answer["text"]
    assert answer["reply_to_message_id"]  # an answer to the one who asked
    assert not [sent for sent in tg.sent(GROUP) if sent.get("document")]
    assert tg.calls_of("sendDocument") == []
    # Sent where it was pointed to, it is answered with the export.
    tg.send_text(ADA, "/export")
    await tg.wait_for(lambda t: bool(t.last(ADA).get("document")))
    assert [int(call["chat_id"]) for call in tg.calls_of("sendDocument")] == [ADA]


async def test_calendar_sends_an_ics_file_a_calendar_library_reads(
    tg: FakeTelegram, adapter: TelegramAdapter
) -> None:
    await reply_to(tg, ADA, "/start")
    await reply_to(tg, ADA, "/settings tz America/New_York")
    tg.send_text(ADA, "/calendar")
    await tg.wait_for(lambda t: bool(t.last(ADA).get("document")))
    document = tg.last(ADA)["document"]
    assert document["file_name"].endswith(".ics")
    calendar = icalendar.Calendar.from_ical(tg.file_bytes(document["file_id"]))
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "America/New_York"
    assert calendar.walk("VEVENT")


async def test_run_webhook_registers_itself_and_serves(tg: FakeTelegram, coach: Coach) -> None:
    bot = make_bot(TOKEN, tg.base_url)
    adapter = TelegramAdapter(coach, bot)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    serving = asyncio.create_task(adapter.run_webhook(url, "the-secret", "127.0.0.1", port))
    try:
        await tg.wait_for(lambda t: t.webhook_url == url)
        assert tg.webhook_secret == "the-secret"
        assert "message" in (tg.allowed_updates or [])
        assert await tg.deliver(tg.send_text(ADA, "/help")) == 200
        await tg.wait_for(lambda t: bool(t.sent(ADA)))  # 200 says recorded; the answer follows
        assert "What I understand" in tg.last(ADA)["text"]
        assert await tg.deliver(tg.send_text(ADA, "/help"), secret=None) == 401
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        await bot.session.close()


def tiny_png() -> bytes:
    """A real 1x1 PNG, so the fake's image check passes as Telegram's would."""
    raw = b"\x00\xff\x00\x00"  # filter byte + one red pixel

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


async def test_images_go_as_photos_and_exports_as_documents(
    tg: FakeTelegram, adapter: TelegramAdapter
) -> None:
    await adapter.send(
        ADA, Reply(image=Image(tiny_png(), as_said("Your <weeks> & days"))), adapter_who(ADA)
    )
    photo = tg.last(ADA)
    assert photo.get("photo")
    assert photo["caption"] == "Your <weeks> & days"
    await reply_to(tg, ADA, "/start")
    tg.send_text(ADA, "/export")
    await tg.wait_for(lambda t: bool(t.last(ADA).get("document")))
    document = tg.last(ADA)["document"]
    assert document["file_name"].startswith("roadmap-coach-")
    assert b'"external_id": "1001"' in tg.file_bytes(document["file_id"])


async def test_a_self_check_is_a_regular_poll(
    tg: FakeTelegram, adapter: TelegramAdapter, engine: AsyncEngine
) -> None:
    tg.send_document(
        ADA, "sql.md", b"## Week 1: Joins\n- Inner joins\n## Week 2: More\n- Indexes\n"
    )
    await tg.wait_for(lambda t: bool(t.sent(ADA)))
    preview = tg.last(ADA)
    tg.press(ADA, preview["message_id"], buttons(preview)[0]["callback_data"])
    await tg.wait_for(lambda t: "Welcome" in (t.last(ADA).get("text") or ""))
    poll = (await reply_to(tg, ADA, "/quiz"))["poll"]
    assert poll["type"] == "regular"
    assert poll["question"] == "How sure are you about “Inner joins”?"
    tg.answer_poll(ADA, poll["id"], [2])
    await tg.wait_for(lambda t: "Noted" in (t.last(ADA).get("text") or ""))
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(m.ReviewCard)) == 1
