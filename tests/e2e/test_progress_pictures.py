"""/progress sends its picture on both platforms: a Telegram photo and a Discord attachment."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.telegram.bot import TelegramAdapter
from core.app.coach import Coach
from core.progress.charts import HEIGHT_PX, WIDTH_PX
from tests.e2e.discord_support import ADA_DC, Running, run
from tests.e2e.telegram_support import ADA, polling, reply_to
from tests.fakes.discord import FakeDiscord
from tests.fakes.png import png_size
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def telegram(tg: FakeTelegram, charting_coach: Coach) -> AsyncIterator[TelegramAdapter]:
    async with polling(tg, charting_coach) as adapter:
        yield adapter


async def test_progress_on_telegram_is_text_then_a_photo(
    tg: FakeTelegram, telegram: TelegramAdapter
) -> None:
    await reply_to(tg, ADA, "/start")
    await reply_to(tg, ADA, "/done")
    before = len(tg.sent(ADA))
    tg.send_text(ADA, "/progress")
    await tg.wait_for(lambda t: len(t.sent(ADA)) >= before + 2, timeout=15)
    text, photo = tg.sent(ADA)[before:]
    assert "Items done: 1 of 172" in text["text"]
    [size] = photo["photo"]
    assert (size["width"], size["height"]) == (WIDTH_PX, HEIGHT_PX)
    assert "week by week" in photo["caption"]


async def test_progress_on_discord_attaches_the_picture(
    dc: FakeDiscord, charting_coach: Coach
) -> None:
    async with Running(dc, charting_coach):
        await run(dc, ADA_DC, "start")
        await run(dc, ADA_DC, "done")
        progress = await dc.slash(ADA_DC, "progress")
        messages = await progress.wait_for_messages(2, timeout=15)
    assert not progress.failed
    picture = messages[-1]
    [attachment] = picture["attachments"]
    assert attachment["filename"] == "progress.png"
    assert png_size(dc.attachment_bytes(attachment["id"])) == (WIDTH_PX, HEIGHT_PX)
    assert picture["embeds"][0]["image"]["url"].startswith(("attachment://progress.png", "http"))
