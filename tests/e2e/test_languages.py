"""The coach in the learner's language, as people meet it: a Telegram app set to Persian,
a Discord set to Russian, the command menus of each language, and a switch back to
English with /settings language."""

from __future__ import annotations

from adapters.discord.bot import DiscordAdapter
from adapters.telegram.bot import GROUP_MENU, TelegramAdapter
from core.kernel.commands import COMMANDS
from core.kernel.i18n import RIGHT_TO_LEFT_MARK, written_right_to_left
from tests.e2e.discord_support import ADA_DC, run, text
from tests.e2e.telegram_support import reply_to
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram

PARVIN = 303  # a Telegram user whose app is in Persian


def cyrillic(words: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in words)


async def test_telegram_menus_come_in_each_language(
    tg: FakeTelegram, adapter: TelegramAdapter
) -> None:
    english = tg.commands["all_private_chats"]
    for code, in_script in (("ru", cyrillic), ("fa", lambda w: written_right_to_left([w]))):
        menu = tg.commands[f"all_private_chats/{code}"]
        assert [c["command"] for c in menu] == [c["command"] for c in english]
        assert all(in_script(c["description"]) for c in menu), menu
        group = tg.commands[f"all_group_chats/{code}"]
        assert [c["command"] for c in group] == list(GROUP_MENU)
    assert {c["command"] for c in english} <= set(COMMANDS)


async def test_a_persian_app_gets_the_coach_in_persian_until_it_asks_for_english(
    tg: FakeTelegram, adapter: TelegramAdapter
) -> None:
    tg.add_user(PARVIN, "Parvin", language_code="fa")
    welcome = await reply_to(tg, PARVIN, "/start")
    assert written_right_to_left([welcome["text"]])
    assert all(line.startswith(RIGHT_TO_LEFT_MARK) for line in welcome["text"].split("\n") if line)
    today = await reply_to(tg, PARVIN, "/today")
    assert written_right_to_left([today["text"]]) and "۲۰۲۶" not in today["text"]
    switched = await reply_to(tg, PARVIN, "/settings language en")
    assert not written_right_to_left([switched["text"]])
    today = await reply_to(tg, PARVIN, "/today")
    assert "Mon 16 Nov" in today["text"] and RIGHT_TO_LEFT_MARK not in today["text"]


async def test_a_russian_discord_gets_the_coach_in_russian(
    dc: FakeDiscord, discord_adapter: DiscordAdapter
) -> None:
    welcome = await dc.slash(ADA_DC, "start", locale="ru")
    await welcome.wait_for_messages(1, timeout=10)
    assert cyrillic(text(welcome.messages[0]))
    today = await dc.slash(ADA_DC, "today", locale="ru")
    await today.wait_for_messages(1, timeout=10)
    assert cyrillic(text(today.messages[0]))
    # The learner's choice outlasts their app's: English from now on.
    await run(dc, ADA_DC, "settings language", {"language": "en"})
    again = await dc.slash(ADA_DC, "today", locale="ru")
    await again.wait_for_messages(1, timeout=10)
    assert not cyrillic(text(again.messages[0]))
