"""The fake Telegram server, driven by a real aiogram Bot: both sides must agree."""

from __future__ import annotations

import asyncio
import html
import struct
import time
import zlib
from collections.abc import AsyncIterator, Awaitable

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    ChatMemberBanned,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputPollOption,
    Update,
)
from aiohttp import web

from tests.fakes.telegram import FakeTelegram, clean_text, parse_html, utf16_len

TOKEN = "123456:TEST"
ADA = 1001
BOB = 1002
GROUP = -1001234567890
BOB_PRIVATE = 1003
CAROL = 1004


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=f"button {d}", callback_data=d)] for d in data]
    )


def png(width: int = 4, height: int = 3) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return b"\x89PNG\r\n\x1a\n" + ihdr


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        fake.add_user(ADA, first_name="Ada", username="ada")
        yield fake


def make_bot(base_url: str, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(tg.base_url)
    yield bot
    await bot.session.close()


async def poll_updates(bot: Bot, **kwargs: object) -> list[Update]:
    return await bot(GetUpdates(**kwargs))  # type: ignore[arg-type]


# ------------------------------------------------------------------ identity and sending


async def test_get_me_is_the_coach_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "coach_test_bot")
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False


async def test_send_message_parses_html_and_stores_both_forms(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_message(
        ADA,
        "<b>Week 1</b> — read <a href='https://example.com'>the guide</a> 😀 <i>now</i>",
        parse_mode="HTML",
        reply_markup=keyboard("done:1"),
    )

    assert sent.text == "Week 1 — read the guide 😀 now"
    assert sent.entities is not None
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 6),
        ("text_link", 14, 9),
        ("italic", 27, 3),  # the emoji counts two UTF-16 code units
    ]
    assert sent.entities[1].url == "https://example.com/"
    stored = tg.last(ADA)
    assert stored["message_id"] == sent.message_id
    assert stored["text"] == sent.text
    assert stored["html"].startswith("<b>Week 1</b>")
    assert stored["reply_markup"] == {
        "inline_keyboard": [[{"text": "button done:1", "callback_data": "done:1"}]]
    }
    method, params = tg.calls[-1]
    assert method == "sendMessage"
    assert params["chat_id"] == ADA  # decoded from the form's string
    assert isinstance(params["reply_markup"], dict)  # decoded from aiogram's JSON string


async def test_pre_code_language_blockquote_and_spoiler(bot: Bot) -> None:
    sent = await bot.send_message(
        ADA,
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>quote</blockquote><span class='tg-spoiler'>s</span>"
        "<tg-spoiler>t</tg-spoiler>",
        parse_mode="HTML",
    )
    assert sent.entities is not None
    kinds = [(e.type, e.offset, e.length, e.language) for e in sent.entities]
    assert kinds == [
        ("pre", 0, 5, "python"),
        ("expandable_blockquote", 5, 5, None),
        ("spoiler", 10, 1, None),
        ("spoiler", 11, 1, None),
    ]


async def test_text_is_trimmed_and_tabs_become_spaces(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_message(ADA, "\n  <b>a\tb</b>  \n", parse_mode="HTML")
    assert sent.text == "a b"
    assert sent.entities is not None
    assert [(e.offset, e.length) for e in sent.entities] == [(0, 3)]
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ADA, " <b> </b>\n", parse_mode="HTML")


async def test_edit_text_keyboard_and_not_modified(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_message(ADA, "<b>Plan</b>", parse_mode="HTML", reply_markup=keyboard("a"))

    edited = await bot.edit_message_text(
        "<b>Plan</b> (done)",
        chat_id=ADA,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=keyboard("a"),
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Plan (done)"
    assert edited.edit_date is not None

    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new"):
        await bot.edit_message_text(
            "<strong>Plan</strong> (done)",  # same entities, same markup
            chat_id=ADA,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("a"),
        )

    # An edit without reply_markup removes the keyboard.
    await bot.edit_message_text(
        "<b>Plan</b> (done)", chat_id=ADA, message_id=sent.message_id, parse_mode="HTML"
    )
    assert tg.last(ADA)["reply_markup"] is None
    assert len(tg.sent(ADA)) == 1

    await bot.edit_message_reply_markup(
        chat_id=ADA, message_id=sent.message_id, reply_markup=keyboard("b")
    )
    assert tg.last(ADA)["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=ADA, message_id=sent.message_id, reply_markup=keyboard("b")
        )


async def test_edit_and_delete_unknown_messages(bot: Bot, tg: FakeTelegram) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ADA, message_id=999)
    sent = await bot.send_message(ADA, "bye")
    assert await bot.delete_message(ADA, sent.message_id) is True
    assert tg.sent(ADA) == []
    assert tg.deleted == [(ADA, sent.message_id)]
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ADA, sent.message_id)


# ------------------------------------------------------------------ HTML validation


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("AT&T", 'Unescaped "&" at byte offset 2'),
        ("5 &lt 6", 'Unescaped "&" at byte offset 2'),  # Telegram would decode it silently
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<br/>x", 'Unsupported start tag "br/" at byte offset 0'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("é<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("éé <q>", 'Unsupported start tag "q" at byte offset 5'),  # offsets count bytes
    ],
)
async def test_bad_html_is_refused_like_telegram(bot: Bot, text: str, reason: str) -> None:
    with pytest.raises(TelegramBadRequest) as raised:
        await bot.send_message(ADA, text, parse_mode="HTML")
    # The fake's own strict-"&" reason adds a hint after Telegram-style wording.
    assert raised.value.message.startswith(f"Bad Request: can't parse entities: {reason}")


@pytest.mark.parametrize(
    "hostile",
    [
        '<script>alert("x")</script> & <b> AT&T &lt; &amp;amp; 😀',
        "</b><i>",
        'a <= b && c >= d; it\'s "quoted"',
        "&#128512; &#x1F600; &quot;",
    ],
)
async def test_escaped_hostile_text_round_trips(bot: Bot, tg: FakeTelegram, hostile: str) -> None:
    sent = await bot.send_message(ADA, f"<b>{html.escape(hostile)}</b>", parse_mode="HTML")
    assert sent.text == hostile
    assert tg.last(ADA)["text"] == hostile


async def test_lenient_mode_keeps_a_bare_ampersand_like_telegram() -> None:
    async with FakeTelegram(token=TOKEN, strict_html=False) as fake:
        fake.add_user(ADA)
        bot = make_bot(fake.base_url)
        try:
            sent = await bot.send_message(ADA, "AT&T &lt 3 &copy;", parse_mode="HTML")
            assert sent.text == "AT&T < 3 &copy;"
            with pytest.raises(TelegramBadRequest, match="can't parse entities"):
                await bot.send_message(ADA, "1 < 2", parse_mode="HTML")
        finally:
            await bot.session.close()


async def test_plain_text_is_not_parsed(bot: Bot) -> None:
    sent = await bot.send_message(ADA, "<b>not bold</b> & fine")
    assert sent.text == "<b>not bold</b> & fine"
    assert sent.entities is None


async def test_markdown_is_not_implemented_and_says_so(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="implements parse_mode HTML only"):
        await bot.send_message(ADA, "*bold*", parse_mode="MarkdownV2")


# ------------------------------------------------------------------ limits


async def test_message_limit_counts_utf16_code_units(bot: Bot, tg: FakeTelegram) -> None:
    fits = "😀" * 2048  # 2048 characters, 4096 UTF-16 code units
    assert (len(fits), utf16_len(fits)) == (2048, 4096)
    await bot.send_message(ADA, fits)

    too_long = fits + "a"  # 2049 characters but 4097 code units
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ADA, too_long)

    # The limit applies after entity parsing: markup and escapes do not count.
    await bot.send_message(ADA, "<b>" + "&lt;" * 4096 + "</b>", parse_mode="HTML")
    assert tg.last(ADA)["text"] == "<" * 4096
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.edit_message_text(too_long, chat_id=ADA, message_id=tg.last(ADA)["message_id"])


async def test_callback_data_limit_counts_bytes(bot: Bot) -> None:
    fits = "é" * 32  # 32 characters, 64 bytes
    await bot.send_message(ADA, "pick", reply_markup=keyboard(fits))

    too_long = fits + "a"  # 33 characters, 65 bytes
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ADA, "pick", reply_markup=keyboard(too_long))


async def test_inline_keyboard_validation(bot: Bot) -> None:
    text_only = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x")]])
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(ADA, "pick", reply_markup=text_only)

    both = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", url="https://a.b", callback_data="c")]]
    )
    with pytest.raises(TelegramBadRequest, match="exactly one action"):
        await bot.send_message(ADA, "pick", reply_markup=both)

    too_many = keyboard(*[str(i) for i in range(101)])
    with pytest.raises(TelegramBadRequest, match="REPLY_MARKUP_TOO_LONG"):
        await bot.send_message(ADA, "pick", reply_markup=too_many)

    await bot.send_message(ADA, "pick", reply_markup=keyboard(*[str(i) for i in range(100)]))
    link = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="docs", url="https://example.com/x")]]
    )
    await bot.send_message(ADA, "read", reply_markup=link)


async def test_caption_limit_and_photo_upload(bot: Bot, tg: FakeTelegram) -> None:
    picture = BufferedInputFile(png(40, 30), filename="week.png")
    sent = await bot.send_photo(
        ADA, picture, caption="<i>" + "c" * 1024 + "</i>", parse_mode="HTML"
    )
    assert sent.photo is not None
    assert (sent.photo[-1].width, sent.photo[-1].height) == (40, 30)
    assert sent.caption == "c" * 1024
    assert tg.file_bytes(sent.photo[-1].file_id) == png(40, 30)
    assert tg.calls[-1][1]["photo"].startswith("attach://")

    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(ADA, picture, caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(ADA, BufferedInputFile(b"not an image", filename="x.png"))

    again = await bot.send_photo(ADA, sent.photo[-1].file_id)  # by file_id, no upload
    assert again.photo is not None
    assert again.photo[-1].file_id == sent.photo[-1].file_id


async def test_document_upload_and_download(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_document(
        ADA, BufferedInputFile(b"# Week 1\n", filename="plan.md"), caption="your plan"
    )
    assert sent.document is not None
    assert sent.document.file_name == "plan.md"
    assert sent.document.file_size == 9
    downloaded = await bot.download(sent.document.file_id)
    assert downloaded is not None
    assert downloaded.read() == b"# Week 1\n"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


# ------------------------------------------------------------------ polls


@pytest.mark.parametrize(
    ("question", "options", "extra", "reason"),
    [
        ("q" * 301, ["a", "b"], {}, "poll question length must not exceed 300"),
        ("q" * 300 + "😀", ["a", "b"], {}, "poll question length must not exceed 300"),
        ("q", [str(i) for i in range(13)], {}, "poll can't have more than 12 options"),
        ("q", ["only one"], {}, "poll must have at least 2 option"),
        ("q", ["a", "o" * 101], {}, "poll options length must not exceed 100"),
        ("q", ["a", "b"], {"type": "quiz"}, "wrong correct option ID specified"),
        ("q", ["a", "b"], {"type": "quiz", "correct_option_ids": [2]}, "wrong correct option"),
        ("q", ["a", "b"], {"type": "quiz", "correct_option_ids": [1, 0]}, "wrong correct option"),
        (
            "q",
            ["a", "b"],
            {"type": "quiz", "correct_option_ids": [0], "explanation": "e" * 201},
            "explanation length must not exceed 200",
        ),
        (
            "q",
            ["a", "b"],
            {"type": "quiz", "correct_option_ids": [0], "explanation": "a\nb\nc\nd"},
            "explanation can't have more than 2 line feeds",
        ),
    ],
)
async def test_poll_limits(
    bot: Bot, question: str, options: list[str], extra: dict[str, object], reason: str
) -> None:
    with pytest.raises(TelegramBadRequest, match=reason):
        await bot.send_poll(
            ADA,
            question,
            [InputPollOption(text=option) for option in options],
            **extra,  # type: ignore[arg-type]
        )


async def test_valid_quiz_is_stored_and_stopped(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_poll(
        ADA,
        "q" * 300,
        [InputPollOption(text=chr(ord("a") + i) * 100) for i in range(12)],
        type="quiz",
        correct_option_ids=[1],
        explanation="Because\nit is\nso." + "." * 183,
        is_anonymous=False,
    )
    assert sent.poll is not None
    assert sent.poll.correct_option_ids == [1]
    assert sent.poll.is_anonymous is False
    stored = tg.last(ADA)
    assert stored["kind"] == "poll"
    assert stored["poll"]["id"] == sent.poll.id
    assert stored["poll"]["options"][1]["text"] == "b" * 100
    # aiogram 3.31 sends options as InputPollOption objects and correct_option_ids as a list.
    params = tg.calls_of("sendPoll")[-1]
    assert params["options"][0] == {"text": "a" * 100}
    assert params["correct_option_ids"] == [1]
    assert params["is_anonymous"] is False

    legacy = await bot.send_poll(
        ADA,
        "legacy",
        [InputPollOption(text="a"), InputPollOption(text="b")],
        type="quiz",
        correct_option_id=0,
    )
    assert legacy.poll is not None
    assert legacy.poll.correct_option_ids == [0]

    stopped = await bot.stop_poll(ADA, sent.message_id)
    assert stopped.is_closed is True
    with pytest.raises(TelegramBadRequest, match="poll has already been closed"):
        await bot.stop_poll(ADA, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=ADA, message_id=sent.message_id)


# ------------------------------------------------------------------ chats and failures


async def test_unknown_chat_blocked_user_and_never_started(bot: Bot, tg: FakeTelegram) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(777, "hello?")

    tg.block(ADA)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ADA, "still there?")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(ADA, "typing")
    assert (await bot.get_chat(ADA)).id == ADA  # reading the chat still works

    tg.add_group(GROUP, "Study group", admins=[BOB])  # Bob never started the bot
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(BOB, "hi Bob")


async def test_block_and_unblock_send_my_chat_member_updates(bot: Bot, tg: FakeTelegram) -> None:
    tg.block(ADA)
    tg.send_text(ADA, "/start")  # writing to a blocked bot unblocks it first
    await bot.send_message(ADA, "welcome back")
    updates = await poll_updates(bot)
    assert [u.event_type for u in updates] == ["my_chat_member", "my_chat_member", "message"]
    first, second = updates[0].my_chat_member, updates[1].my_chat_member
    assert first is not None
    assert second is not None
    assert (first.old_chat_member.status, first.new_chat_member.status) == ("member", "kicked")
    assert (second.old_chat_member.status, second.new_chat_member.status) == ("kicked", "member")


async def test_fail_next_injects_flood_control(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_user(BOB_PRIVATE, first_name="Bob")
    tg.add_user(CAROL, first_name="Carol")
    tg.fail_next("sendMessage", retry_after=3, times=2)
    for chat in (ADA, BOB_PRIVATE):  # a 429 holds its chat, so each failure meets a new one
        with pytest.raises(TelegramRetryAfter) as raised:
            await bot.send_message(chat, "hi")
        assert raised.value.retry_after == 3
        assert "Too Many Requests: retry after 3" in raised.value.message
    await bot.send_message(CAROL, "hi")
    assert [m["text"] for m in tg.sent(CAROL)] == ["hi"]
    assert (tg.too_many_requests, tg.early_retries) == (2, [])

    tg.fail_next("getMe", status=500)
    with pytest.raises(Exception, match="Internal Server Error"):
        await bot.get_me()


async def test_a_stalled_chat_is_answered_late_and_no_other_chat_waits(
    bot: Bot, tg: FakeTelegram
) -> None:
    tg.add_user(BOB_PRIVATE, first_name="Bob")
    stall = 0.5
    tg.stall_chat(ADA, stall)

    async def took(send: Awaitable[object]) -> float:
        started = time.monotonic()
        await send
        return time.monotonic() - started

    started = time.monotonic()
    slow = asyncio.create_task(took(bot.send_message(ADA, "slow")))
    await asyncio.sleep(0.05)  # Ada's request is waiting in the fake by now
    assert await took(bot.send_message(BOB_PRIVATE, "fast")) < stall / 2
    assert tg.sent(ADA) == []  # not even read yet
    assert await slow >= stall
    assert tg.send_times(ADA)[0] - started >= stall  # stamped when the stall was over
    assert [r.params["chat_id"] for r in tg.log if r.method == "sendMessage"] == [
        BOB_PRIVATE,
        ADA,
    ]

    # Whatever targets the chat waits, a command scope's chat too; lifting the stall
    # lets the calls waiting it out go on at once.
    tg.stall_chat(ADA, 30)
    waiting = [
        asyncio.create_task(bot.send_chat_action(ADA, "typing")),
        asyncio.create_task(
            bot.set_my_commands(
                [BotCommand(command="today", description="Today")],
                scope=BotCommandScopeChat(chat_id=ADA),
            )
        ),
    ]
    await asyncio.sleep(0.2)
    assert not any(task.done() for task in waiting)
    assert await took(bot.get_me()) < stall / 2  # no chat: never stalled
    lifted = time.monotonic()
    tg.stall_chat(ADA, 0)
    await asyncio.gather(*waiting)
    assert time.monotonic() - lifted < stall
    assert await took(bot.send_message(ADA, "fast again")) < stall / 2
    with pytest.raises(ValueError, match="finite"):
        tg.stall_chat(ADA, -1)


async def test_per_chat_rate_limit(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_user(BOB_PRIVATE, first_name="Bob")
    tg.enforce_chat_rate(per_second=5)
    await bot.send_message(ADA, "one")
    await asyncio.sleep(0.25)
    await bot.send_message(ADA, "two")
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(ADA, "three")
    assert raised.value.retry_after == 1  # Telegram rounds up to whole seconds
    await bot.send_message(BOB_PRIVATE, "other chats are not limited")
    tg.enforce_chat_rate(None)  # a fresh start: no limit, and the 429's hold is forgotten
    await bot.send_message(ADA, "three")
    assert [m["text"] for m in tg.sent(ADA)] == ["one", "two", "three"]


async def test_unknown_method_and_wrong_token(tg: FakeTelegram) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{tg.base_url}/bot{TOKEN}/sendTelepathy", data={"chat_id": "1"}) as resp,
    ):
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert tg.calls[-1] == ("sendTelepathy", {"chat_id": 1})

    # Telegram also takes JSON bodies (aiogram never sends them, other clients do).
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{tg.base_url}/bot{TOKEN}/sendMessage", json={"chat_id": ADA, "text": "from JSON"}
        ) as resp,
    ):
        body = await resp.json()
    assert (resp.status, body["ok"], body["result"]["text"]) == (200, True, "from JSON")

    stranger = make_bot(tg.base_url, token="654321:OTHER")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()


async def test_chat_actions(bot: Bot, tg: FakeTelegram) -> None:
    assert await bot.send_chat_action(ADA, "typing") is True
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(ADA, "dancing")


async def test_group_chat_and_members(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(GROUP, "Study group", admins=[BOB])
    chat = await bot.get_chat(GROUP)
    assert (chat.type, chat.title) == ("supergroup", "Study group")
    assert (await bot.get_chat_member(GROUP, BOB)).status == "administrator"
    assert (await bot.get_chat_member(GROUP, ADA)).status == "member"
    admins = await bot.get_chat_administrators(GROUP)
    assert [a.user.id for a in admins] == [BOB]
    with pytest.raises(TelegramBadRequest, match="no administrators in the private chat"):
        await bot.get_chat_administrators(ADA)

    tg.send_text(ADA, "/plan@coach_test_bot week 2", chat_id=GROUP)
    (update,) = await poll_updates(bot)
    assert update.message is not None
    assert update.message.chat.id == GROUP
    assert update.message.entities is not None
    assert update.message.entities[0].length == len("/plan@coach_test_bot")
    assert update.message.from_user is not None
    assert update.message.from_user.id == ADA


async def test_group_owner_is_the_creator_and_an_admin(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(GROUP, "Study group", admins=[BOB], owner=CAROL)
    owner = await bot.get_chat_member(GROUP, CAROL)
    assert isinstance(owner, ChatMemberOwner)
    assert (owner.status, owner.is_anonymous, owner.user.first_name) == (
        "creator",
        False,
        f"Owner {CAROL}",
    )
    admins = await bot.get_chat_administrators(GROUP)
    assert [(a.user.id, a.status) for a in admins] == [
        (CAROL, "creator"),
        (BOB, "administrator"),
    ]
    assert (await bot.get_chat_member(GROUP, tg.bot_id)).status == "member"
    # ChatMemberOwner carries no can_* fields: the owner has every right.
    url = f"{tg.base_url}/bot{TOKEN}/getChatMember"
    params = {"chat_id": str(GROUP), "user_id": str(CAROL)}
    async with aiohttp.ClientSession() as session, session.get(url, params=params) as resp:
        body = await resp.json()
    assert body["result"] == {
        "status": "creator",
        "user": {
            "id": CAROL,
            "is_bot": False,
            "first_name": f"Owner {CAROL}",
            "language_code": "en",
        },
        "is_anonymous": False,
    }

    tg.add_group(-1009, "Bot admin", owner=ADA, bot_admin=True)
    admins = await bot.get_chat_administrators(-1009)
    assert [(a.user.id, a.status) for a in admins] == [
        (ADA, "creator"),
        (tg.bot_id, "administrator"),
    ]
    assert (await bot.get_chat_member(-1009, tg.bot_id)).status == "administrator"


async def test_bot_kicked_from_a_group_and_added_back(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_group(GROUP, "Study group", admins=[BOB])
    menu = await bot.send_message(GROUP, "Pick", reply_markup=keyboard("a"))
    quiz = await bot.send_poll(
        GROUP, "q", [InputPollOption(text="a"), InputPollOption(text="b")], is_anonymous=False
    )

    tg.remove_bot(GROUP, BOB)
    (update,) = await poll_updates(bot)
    change = update.my_chat_member
    assert change is not None
    assert (change.chat.id, change.chat.type, change.from_user.id) == (GROUP, "supergroup", BOB)
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("member", "kicked")
    assert isinstance(change.new_chat_member, ChatMemberBanned)
    assert change.new_chat_member.user.id == tg.bot_id
    raw = tg.pending_updates()[0]["my_chat_member"]["new_chat_member"]
    assert raw == {"status": "kicked", "user": tg.bot_user, "until_date": 0}

    kicked = "Forbidden: bot was kicked from the supergroup chat"
    attempts: list[Awaitable[object]] = [
        bot.send_message(GROUP, "anyone?"),
        bot.send_poll(GROUP, "q", [InputPollOption(text="a"), InputPollOption(text="b")]),
        bot.send_photo(GROUP, BufferedInputFile(png(), "chart.png")),
        bot.send_document(GROUP, BufferedInputFile(b"x", "x.md")),
        bot.stop_poll(GROUP, quiz.message_id),
        bot.edit_message_text("Picked", chat_id=GROUP, message_id=menu.message_id),
        bot.edit_message_reply_markup(chat_id=GROUP, message_id=menu.message_id),
        bot.delete_message(GROUP, menu.message_id),
        bot.send_chat_action(GROUP, "typing"),
        bot.get_chat_member(GROUP, BOB),
        bot.get_chat_administrators(GROUP),
    ]
    for attempt in attempts:
        with pytest.raises(TelegramForbiddenError) as raised:
            await attempt
        assert raised.value.message == kicked
    assert (await bot.get_chat(GROUP)).title == "Study group"  # getChat still answers
    with pytest.raises(ValueError, match="the bot is not in chat"):
        tg.send_text(BOB, "hello?", chat_id=GROUP)  # the bot hears nothing from there
    with pytest.raises(ValueError, match="already"):
        tg.remove_bot(GROUP, BOB)

    tg.add_bot_back(GROUP, BOB)
    updates = await poll_updates(bot, offset=update.update_id + 1)
    assert [u.event_type for u in updates] == ["my_chat_member"]
    back = updates[0].my_chat_member
    assert back is not None
    assert (back.old_chat_member.status, back.new_chat_member.status) == ("kicked", "member")
    await bot.send_message(GROUP, "I'm back")
    assert [m["text"] for m in tg.sent(GROUP)][-1] == "I'm back"
    with pytest.raises(ValueError, match="already"):
        tg.add_bot_back(GROUP, BOB)


async def test_bot_leaving_a_basic_group(bot: Bot, tg: FakeTelegram) -> None:
    basic = -4001
    tg.add_group(basic, "Small group", owner=BOB, bot_admin=True, added_by=BOB)
    tg.remove_bot(basic, tg.bot_id, kicked=False)  # the bot left by itself
    joined, left = await poll_updates(bot)
    assert joined.my_chat_member is not None
    assert (joined.my_chat_member.chat.type, joined.my_chat_member.from_user.id) == ("group", BOB)
    assert joined.my_chat_member.old_chat_member.status == "left"
    assert joined.my_chat_member.new_chat_member.status == "administrator"
    assert left.my_chat_member is not None
    assert left.my_chat_member.from_user.id == tg.bot_id
    statuses = (left.my_chat_member.old_chat_member, left.my_chat_member.new_chat_member)
    assert [s.status for s in statuses] == ["administrator", "left"]
    for attempt in (bot.send_message(basic, "hi"), bot.get_chat_member(basic, BOB)):
        with pytest.raises(TelegramForbiddenError) as raised:
            await attempt
        assert raised.value.message == "Forbidden: bot is not a member of the group chat"

    tg.add_bot_back(basic, BOB, admin=True)
    assert (await bot.get_chat_member(basic, tg.bot_id)).status == "administrator"
    await bot.send_message(basic, "hi again")


async def test_group_quiz_poll_end_to_end(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_user(CAROL, first_name="Carol")
    tg.add_group(GROUP, "Study group", admins=[BOB], owner=CAROL)
    sent = await bot.send_poll(
        GROUP,
        "Week 1: which is a list?",
        [InputPollOption(text="[1, 2]"), InputPollOption(text="(1, 2)")],
        type="quiz",
        correct_option_ids=[0],
        is_anonymous=False,
    )
    assert sent.poll is not None
    assert sent.chat.id == GROUP
    poll_id = sent.poll.id

    # Anyone the fake knows may vote, whether or not they ever started the bot.
    tg.answer_poll(BOB, poll_id, [0])
    tg.answer_poll(CAROL, poll_id, [1])
    tg.answer_poll(ADA, poll_id, [0])
    with pytest.raises(ValueError, match="does not allow changing a vote"):
        tg.answer_poll(BOB, poll_id, [1])  # quizzes allow no revoting
    tg.send_text(CAROL, "/standings", chat_id=GROUP)
    updates = await poll_updates(bot)
    answers = [u.poll_answer for u in updates if u.poll_answer is not None]
    assert [(a.user.id, a.option_ids) for a in answers if a.user] == [
        (BOB, [0]),
        (CAROL, [1]),
        (ADA, [0]),
    ]
    message = updates[-1].message
    assert message is not None and message.from_user is not None
    assert (message.chat.id, message.chat.type, message.from_user.id) == (
        GROUP,
        "supergroup",
        CAROL,
    )

    [listed] = tg.polls_in(GROUP)
    assert listed["message_id"] == sent.message_id
    assert [o["voter_count"] for o in listed["poll"]["options"]] == [2, 1]
    assert listed["poll"]["total_voter_count"] == 3
    assert tg.poll_votes(poll_id) == {BOB: [0], CAROL: [1], ADA: [0]}
    assert tg.polls_in(ADA) == []

    stopped = await bot.stop_poll(GROUP, sent.message_id)
    assert stopped.is_closed is True
    assert stopped.correct_option_ids == [0]
    assert [o.voter_count for o in stopped.options] == [2, 1]
    assert tg.poll_message(GROUP, sent.message_id)["poll"]["is_closed"] is True
    with pytest.raises(ValueError, match="closed"):
        tg.answer_poll(CAROL, poll_id, [0])
    with pytest.raises(KeyError):
        tg.poll_message(GROUP, 999)


# ------------------------------------------------------------------ flood control


class HandClock:
    """The fake's flood-control clock, moved by hand: waiting out a retry_after is free."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> HandClock:
    return HandClock()


@pytest.fixture
async def flood(clock: HandClock) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, clock=clock) as fake:
        for user, name in ((ADA, "Ada"), (BOB_PRIVATE, "Bob"), (CAROL, "Carol")):
            fake.add_user(user, first_name=name)
        fake.add_group(GROUP, "Study group")
        yield fake


@pytest.fixture
async def flood_bot(flood: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(flood.base_url)
    yield bot
    await bot.session.close()


async def refused(send: Awaitable[object]) -> int:
    """The retry_after of a request that must be answered 429."""
    with pytest.raises(TelegramRetryAfter) as raised:
        await send
    return raised.value.retry_after


async def test_calls_are_stamped_with_their_arrival(bot: Bot, tg: FakeTelegram) -> None:
    before = time.monotonic()
    await bot.send_message(ADA, "hi")
    assert before <= tg.log[-1].at <= time.monotonic()
    assert tg.send_times(ADA) == [tg.log[-1].at]


async def test_overall_bucket_passes_a_burst_then_holds_every_chat(
    flood_bot: Bot, flood: FakeTelegram, clock: HandClock
) -> None:
    flood.enforce_rates(overall_per_second=4, per_chat_per_second=None, per_group_per_minute=None)
    for n in range(4):  # as many as the bucket holds, at one instant
        await flood_bot.send_message(ADA, f"burst {n}")
    # A token is back in 1/4 s; Telegram says whole seconds.
    assert await refused(flood_bot.send_message(BOB_PRIVATE, "one too many")) == 1
    clock.advance(0.5)  # tokens are back, but the 429 held every chat for a second
    assert await refused(flood_bot.send_message(CAROL, "too early")) == 1
    assert [r.params["chat_id"] for r in flood.early_retries] == [CAROL]
    clock.advance(0.5)
    for chat in (ADA, BOB_PRIVATE, CAROL, GROUP):  # one second refilled the whole bucket
        await flood_bot.send_message(chat, "after the wait")
    assert await refused(flood_bot.send_message(ADA, "shared by all chats")) == 1
    assert flood.too_many_requests == 3

    flood.enforce_rates(
        overall_per_second=0.25, per_chat_per_second=None, per_group_per_minute=None
    )
    await flood_bot.send_message(ADA, "a slow bucket still holds one")
    assert await refused(flood_bot.send_message(BOB_PRIVATE, "next")) == 4


async def test_private_chat_interval(flood_bot: Bot, flood: FakeTelegram, clock: HandClock) -> None:
    flood.enforce_rates(overall_per_second=None, per_chat_per_second=2, per_group_per_minute=None)
    await flood_bot.send_message(ADA, "one")
    clock.advance(0.25)
    assert await refused(flood_bot.send_message(ADA, "too soon")) == 1
    await flood_bot.send_message(BOB_PRIVATE, "another chat has its own interval")
    for n in range(3):
        await flood_bot.send_message(GROUP, f"groups have their own limit, off here {n}")
    clock.advance(1)  # the 429's hold is over
    await flood_bot.send_message(ADA, "two")
    clock.advance(0.5)  # exactly 1/2 s later
    await flood_bot.send_message(ADA, "three")
    start = flood.send_times(ADA)[0]
    assert [t - start for t in flood.send_times(ADA)] == [0, 1.25, 1.75]
    assert [m["text"] for m in flood.sent(ADA)] == ["one", "two", "three"]


async def test_group_sliding_window(flood_bot: Bot, flood: FakeTelegram, clock: HandClock) -> None:
    flood.enforce_rates(overall_per_second=None, per_chat_per_second=None, per_group_per_minute=3)
    for n in range(3):  # at 0, 10 and 20 s
        await flood_bot.send_message(GROUP, f"update {n}")
        clock.advance(10)
    assert await refused(flood_bot.send_message(GROUP, "fourth")) == 30  # the first leaves at 60
    await flood_bot.send_message(ADA, "private chats are not counted")
    clock.advance(30)
    await flood_bot.send_message(GROUP, "fourth")
    clock.advance(5)
    assert await refused(flood_bot.send_message(GROUP, "fifth")) == 5  # the one at 10 s leaves
    assert flood.max_sends_in_window(60, GROUP) == 3
    assert flood.max_sends_in_window(60.5, GROUP) == 4  # 0 … 60 s


async def test_polls_photos_and_documents_count_for_the_group_limit(
    flood_bot: Bot, flood: FakeTelegram, clock: HandClock
) -> None:
    flood.enforce_rates(overall_per_second=None, per_chat_per_second=None, per_group_per_minute=3)
    options: list[InputPollOption | str] = [InputPollOption(text="a"), InputPollOption(text="b")]
    await flood_bot.send_poll(GROUP, "Ready?", options)
    clock.advance(1)
    await flood_bot.send_photo(GROUP, BufferedInputFile(png(), "standings.png"))
    clock.advance(1)
    await flood_bot.send_document(GROUP, BufferedInputFile(b"# Plan", "plan.md"))
    clock.advance(1)
    assert await refused(flood_bot.send_message(GROUP, "fourth")) == 57
    clock.advance(56)
    assert await refused(flood_bot.send_poll(GROUP, "early", options)) == 1  # still held
    clock.advance(1)
    await flood_bot.send_poll(GROUP, "now", options)  # the poll at 0 s has left the window
    assert flood.max_sends_in_window(60, GROUP) == 3
    assert [m["kind"] for m in flood.sent(GROUP)] == ["poll", "photo", "document", "poll"]


async def test_a_send_before_retry_after_is_an_early_retry(
    flood_bot: Bot, flood: FakeTelegram, clock: HandClock
) -> None:
    flood.enforce_rates(overall_per_second=None, per_chat_per_second=1, per_group_per_minute=None)
    sent = await flood_bot.send_message(ADA, "one")
    assert await refused(flood_bot.send_message(ADA, "two")) == 1
    assert flood.early_retries == []  # being refused is no fault; not waiting is
    clock.advance(0.5)
    assert await refused(flood_bot.send_message(ADA, "impatient")) == 1
    (early,) = flood.early_retries
    assert (early.method, early.params["text"], early.status, early.at) == (
        "sendMessage",
        "impatient",
        429,
        clock.now,
    )
    await flood_bot.send_message(BOB_PRIVATE, "other chats are not held")
    await flood_bot.edit_message_text("edited", chat_id=ADA, message_id=sent.message_id)
    clock.advance(0.5)  # retry_after after the first 429: the early one did not extend it
    await flood_bot.send_message(ADA, "two")
    assert len(flood.early_retries) == 1
    assert flood.too_many_requests == 2


async def test_an_injected_429_holds_the_chat_of_its_request(
    flood_bot: Bot, flood: FakeTelegram, clock: HandClock
) -> None:
    flood.fail_next("sendMessage", retry_after=2, times=2)  # no limits enforced
    assert await refused(flood_bot.send_message(ADA, "one")) == 2
    clock.advance(1)
    # Refused for coming early; the second injected failure waits for a punctual request.
    assert await refused(flood_bot.send_message(ADA, "one")) == 1
    clock.advance(1)
    assert await refused(flood_bot.send_message(ADA, "one")) == 2
    await flood_bot.send_message(BOB_PRIVATE, "another chat is not held")
    clock.advance(2)
    await flood_bot.send_message(ADA, "one")

    flood.fail_next("sendChatAction", retry_after=3)
    flood.fail_next("getMe", retry_after=3)
    assert await refused(flood_bot.send_chat_action(BOB_PRIVATE, "typing")) == 3
    assert await refused(flood_bot.get_me()) == 3  # no chat: none is held
    assert await refused(flood_bot.send_message(BOB_PRIVATE, "hi")) == 3
    await flood_bot.send_message(CAROL, "hi")
    assert [r.params["chat_id"] for r in flood.early_retries] == [ADA, BOB_PRIVATE]
    assert flood.too_many_requests == 6


async def test_send_times_and_max_sends_in_window(
    flood_bot: Bot, flood: FakeTelegram, clock: HandClock
) -> None:
    start = clock.now
    plan = [(ADA, 0.0), (ADA, 0.5), (ADA, 1.0), (BOB_PRIVATE, 1.0), (ADA, 2.5)]
    for chat, offset in plan:
        clock.now = start + offset
        await flood_bot.send_message(chat, "hi")
    with pytest.raises(TelegramBadRequest):
        await flood_bot.send_message(ADA, "<b>unclosed", parse_mode="HTML")

    assert flood.send_times() == [start + offset for _, offset in plan]
    assert flood.send_times(ADA) == [start + offset for chat, offset in plan if chat == ADA]
    assert flood.send_times(CAROL) == []
    assert [r.at - start for r in flood.log] == [offset for _, offset in plan] + [2.5]
    assert flood.max_sends_in_window(1.0) == 3  # [0.5, 1.5)
    assert flood.max_sends_in_window(1.0, ADA) == 2
    assert flood.max_sends_in_window(0.5) == 2  # half-open: 0 and 0.5 never share a window
    assert flood.max_sends_in_window(0.5, ADA) == 1
    assert flood.max_sends_in_window(60) == 5
    assert flood.max_sends_in_window(60, CAROL) == 0


async def test_refused_requests_spend_no_budget(
    flood_bot: Bot, flood: FakeTelegram, clock: HandClock
) -> None:
    flood.enforce_rates(overall_per_second=3, per_chat_per_second=1, per_group_per_minute=2)
    await flood_bot.send_message(ADA, "token 1")
    assert await refused(flood_bot.send_message(ADA, "the chat's interval")) == 1
    with pytest.raises(TelegramBadRequest):
        await flood_bot.send_message(BOB_PRIVATE, "<b>", parse_mode="HTML")
    flood.fail_next("sendMessage", status=400)
    with pytest.raises(TelegramBadRequest):
        await flood_bot.send_message(BOB_PRIVATE, "injected")
    await flood_bot.send_message(GROUP, "token 2, group send 1")
    with pytest.raises(TelegramBadRequest):
        await flood_bot.send_message(GROUP, "<i>", parse_mode="HTML")
    await flood_bot.send_message(GROUP, "token 3, group send 2")
    assert await refused(flood_bot.send_message(CAROL, "the bucket is empty")) == 1
    assert len(flood.send_times()) == 3
    assert flood.too_many_requests == 2


async def test_enforce_rates_defaults_are_telegrams(
    flood_bot: Bot, flood: FakeTelegram, clock: HandClock
) -> None:
    users = range(2001, 2032)
    for user in users:
        flood.add_user(user)
    flood.enforce_rates()
    for user in users[:30]:
        await flood_bot.send_message(user, "broadcast")
    assert await refused(flood_bot.send_message(users[30], "the 31st in a second")) == 1

    flood.enforce_rates()
    await flood_bot.send_message(ADA, "one")
    clock.advance(0.75)
    assert await refused(flood_bot.send_message(ADA, "two in a second")) == 1
    flood.enforce_rates()
    for n in range(20):
        await flood_bot.send_message(GROUP, f"group {n}")
    assert await refused(flood_bot.send_message(GROUP, "21st in a minute")) == 60

    for bad in ({"overall_per_second": 0}, {"per_chat_per_second": -1}):
        with pytest.raises(ValueError, match="must be positive"):
            flood.enforce_rates(**bad)
    with pytest.raises(ValueError, match="at least 1"):
        flood.enforce_rates(per_group_per_minute=0.5)


# ------------------------------------------------------------------ commands


async def test_set_my_commands_validation(bot: Bot) -> None:
    bad = [
        ([BotCommand(command="Start", description="x")], "BOT_COMMAND_INVALID"),
        ([BotCommand(command="a" * 33, description="x")], "BOT_COMMAND_INVALID"),
        ([BotCommand(command="with-dash", description="x")], "BOT_COMMAND_INVALID"),
        ([BotCommand(command="start", description="")], "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([BotCommand(command="start", description="d" * 257)], "BOT_COMMAND_DESCRIPTION_INVALID"),
        (
            [BotCommand(command=f"c{i}", description="x") for i in range(101)],
            "BOT_COMMANDS_TOO_MUCH",
        ),
    ]
    for commands, reason in bad:
        with pytest.raises(TelegramBadRequest, match=reason):
            await bot.set_my_commands(commands)
    many = [BotCommand(command=f"c{i}", description="d" * 256) for i in range(100)]
    assert await bot.set_my_commands(many) is True


async def test_commands_are_stored_per_scope(bot: Bot, tg: FakeTelegram) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Begin")])
    await bot.set_my_commands(
        [BotCommand(command="today", description="Today's step")],
        scope=BotCommandScopeAllPrivateChats(),
    )
    await bot.set_my_commands(
        [BotCommand(command="heute", description="Heute")],
        scope=BotCommandScopeChat(chat_id=ADA),
        language_code="de",
    )
    assert tg.commands == {
        "default": [{"command": "start", "description": "Begin"}],
        "all_private_chats": [{"command": "today", "description": "Today's step"}],
        f"chat:{ADA}/de": [{"command": "heute", "description": "Heute"}],
    }
    private = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in private] == ["today"]
    assert await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats()) is True
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == []
    await bot.set_my_commands([])  # an empty list deletes the default commands
    assert "default" not in tg.commands


# ------------------------------------------------------------------ updates


async def test_long_polling_waits_then_returns_nothing(bot: Bot) -> None:
    started = time.monotonic()
    assert await poll_updates(bot, timeout=1) == []
    assert time.monotonic() - started >= 0.9


async def test_long_polling_wakes_up_for_a_new_update(bot: Bot, tg: FakeTelegram) -> None:
    async def later() -> None:
        await asyncio.sleep(0.2)
        tg.send_text(ADA, "hello")

    task = asyncio.create_task(later())
    started = time.monotonic()
    updates = await poll_updates(bot, timeout=5)
    await task
    assert time.monotonic() - started < 2
    assert [u.message.text for u in updates if u.message] == ["hello"]


async def test_updates_parse_into_aiogram_objects(bot: Bot, tg: FakeTelegram) -> None:
    menu = await bot.send_message(ADA, "Pick", reply_markup=keyboard("week:1", "week:2"))
    poll = await bot.send_poll(
        ADA,
        "Ready?",
        [InputPollOption(text="yes"), InputPollOption(text="no")],
        is_anonymous=False,
    )
    assert poll.poll is not None

    text_id = tg.send_text(ADA, "/start 😀 go")
    press_id = tg.press(ADA, menu.message_id, "week:2")
    doc_id = tg.send_document(ADA, "roadmap.md", b"# Roadmap\n", caption="mine")
    vote_id = tg.answer_poll(ADA, poll.poll.id, [0])
    assert text_id < press_id < doc_id < vote_id

    updates = await poll_updates(bot, timeout=1)
    assert [u.update_id for u in updates] == [text_id, press_id, doc_id, vote_id]
    text, press, doc, vote = updates

    assert text.message is not None
    assert text.message.text == "/start 😀 go"
    assert text.message.from_user is not None
    assert text.message.from_user.username == "ada"
    assert text.message.entities is not None
    assert [(e.type, e.offset, e.length) for e in text.message.entities] == [("bot_command", 0, 6)]

    assert press.callback_query is not None
    assert press.callback_query.data == "week:2"
    assert press.callback_query.message is not None
    assert press.callback_query.message.message_id == menu.message_id

    assert doc.message is not None
    assert doc.message.document is not None
    assert (doc.message.document.file_name, doc.message.document.file_size) == ("roadmap.md", 10)
    assert doc.message.document.mime_type == "text/markdown"
    assert doc.message.caption == "mine"
    downloaded = await bot.download(doc.message.document.file_id)
    assert downloaded is not None
    assert downloaded.read() == b"# Roadmap\n"

    assert vote.poll_answer is not None
    assert (vote.poll_answer.poll_id, vote.poll_answer.option_ids) == (poll.poll.id, [0])
    assert tg.last(ADA)["poll"]["options"][0]["voter_count"] == 1


async def test_press_must_hit_a_current_button(bot: Bot, tg: FakeTelegram) -> None:
    menu = await bot.send_message(ADA, "Pick", reply_markup=keyboard("a"))
    with pytest.raises(ValueError, match="no button with callback_data 'b'"):
        tg.press(ADA, menu.message_id, "b")
    tg.press(ADA, menu.message_id, "b", force=True)  # a stale or forged press
    with pytest.raises(KeyError):
        tg.press(ADA, 999, "a")


async def test_anonymous_polls_get_no_answers(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_poll(ADA, "q", [InputPollOption(text="a"), InputPollOption(text="b")])
    assert sent.poll is not None
    with pytest.raises(ValueError, match="anonymous"):
        tg.answer_poll(ADA, sent.poll.id, [0])


async def test_offset_confirms_updates(bot: Bot, tg: FakeTelegram) -> None:
    first = tg.send_text(ADA, "one")
    second = tg.send_text(ADA, "two")
    assert [u.update_id for u in await poll_updates(bot)] == [first, second]
    # Not confirmed yet: the same updates come again.
    assert [u.update_id for u in await poll_updates(bot)] == [first, second]
    assert [u.update_id for u in await poll_updates(bot, offset=second)] == [second]
    assert await poll_updates(bot, offset=second + 1) == []
    assert tg.pending_updates() == []

    third = tg.send_text(ADA, "three")
    assert [u.update_id for u in await poll_updates(bot, limit=1)] == [third]


async def test_redelivered_update_comes_twice_until_confirmed(bot: Bot, tg: FakeTelegram) -> None:
    update_id = tg.send_text(ADA, "once")
    (update,) = tg.pending_updates()
    assert tg.enqueue(update) == update_id
    updates = await poll_updates(bot)
    assert [u.update_id for u in updates] == [update_id, update_id]
    assert await poll_updates(bot, offset=update_id + 1) == []


async def test_allowed_updates_are_stored_and_respected(bot: Bot, tg: FakeTelegram) -> None:
    menu = await bot.send_message(ADA, "Pick", reply_markup=keyboard("x"))
    assert await poll_updates(bot, allowed_updates=["message"]) == []
    assert tg.allowed_updates == ["message"]

    tg.press(ADA, menu.message_id, "x")  # not allowed: Telegram does not even create it
    text_id = tg.send_text(ADA, "hi")
    assert [u.update_id for u in await poll_updates(bot)] == [text_id]
    assert [list(u)[1] for u in tg.dropped_updates] == ["callback_query"]


async def test_a_second_poller_terminates_the_first(bot: Bot, tg: FakeTelegram) -> None:
    first = asyncio.create_task(poll_updates(bot, timeout=5))
    await tg.wait_for(lambda t: len(t.calls_of("getUpdates")) == 1)
    assert await poll_updates(bot) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first


async def test_callback_queries_are_answered_once(bot: Bot, tg: FakeTelegram) -> None:
    menu = await bot.send_message(ADA, "Pick", reply_markup=keyboard("a"))
    tg.press(ADA, menu.message_id, "a")
    (update,) = await poll_updates(bot)
    assert update.callback_query is not None
    query_id = update.callback_query.id
    assert await bot.answer_callback_query(query_id, text="Saved") is True
    assert tg.callback_answers[query_id]["text"] == "Saved"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("123")


# ------------------------------------------------------------------ webhook


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[dict[str, object]]]]:
    """A tiny webhook endpoint that checks the secret header like a real adapter."""
    received: list[dict[str, object]] = []

    async def handle(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "s3cret":
            return web.Response(status=403)
        received.append(await request.json())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/hook", received
    await runner.cleanup()


async def test_webhook_mode(
    bot: Bot, tg: FakeTelegram, receiver: tuple[str, list[dict[str, object]]]
) -> None:
    url, received = receiver
    tg.send_text(ADA, "stale")
    assert await bot.set_webhook(url, secret_token="s3cret", drop_pending_updates=True)
    assert tg.pending_updates() == []
    assert (tg.webhook_url, tg.webhook_secret) == (url, "s3cret")

    with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook"):
        await poll_updates(bot)

    update_id = tg.send_text(ADA, "hi")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    assert await tg.deliver(update_id, secret="wrong") == 403
    assert await tg.deliver(update_id, secret=None) == 403
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
    assert received == []
    assert await tg.deliver(update_id) == 200
    assert [u["update_id"] for u in received] == [update_id]
    assert tg.pending_updates() == []

    tg.send_text(ADA, "a")
    tg.send_text(ADA, "b")
    assert await tg.deliver_pending() == [200, 200]
    assert [u["message"]["text"] for u in received[1:]] == ["a", "b"]  # type: ignore[index]

    with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
        await bot.set_webhook("http://example.com/hook")
    assert await bot.delete_webhook() is True
    assert await poll_updates(bot) == []


# ------------------------------------------------------------------ the fake's own helpers


async def test_wait_for_dumps_recent_calls_on_timeout(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(ADA, "hello")
    with pytest.raises(AssertionError, match=r"sendMessage -> 200") as raised:
        await tg.wait_for(lambda t: t.last(ADA)["text"] == "never", timeout=0.1)
    assert "condition not met within 0.1 s" in str(raised.value)

    async def later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(ADA, "soon")

    task = asyncio.create_task(later())
    await tg.wait_for(lambda t: t.last(ADA)["text"] == "soon")
    await task


def test_parse_html_and_clean_text_directly() -> None:
    text, entities = parse_html("<b>a</b>&#x1F600;<i>b</i>")
    assert text == "a😀b"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 1},
        {"type": "italic", "offset": 3, "length": 1},
    ]
    assert clean_text(" \r\na\u2028b ", [{"type": "bold", "offset": 3, "length": 3}]) == (
        "ab",
        [{"type": "bold", "offset": 0, "length": 2}],
    )
