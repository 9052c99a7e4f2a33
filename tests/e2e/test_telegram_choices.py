"""A "choose one" roadmap on Telegram, through real aiogram and the fake Bot API: sent as a
file, started from the preview's button, and switched to the other option by a button."""

from __future__ import annotations

from typing import Any

from adapters.telegram.bot import TelegramAdapter
from tests.e2e.telegram_support import ADA, reply_to
from tests.fakes.telegram import FakeTelegram

ROADMAP = b"""# Web in three weeks

## Week 1: HTTP
- Requests and responses
- Status codes

## Week 2-3: Web framework (choose one)

### Option A: FastAPI
- Routing
- Dependencies

### Option B: Django
- Apps and views
- The ORM
"""


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_learner_follows_the_other_option_with_a_button(
    tg: FakeTelegram, adapter: TelegramAdapter
) -> None:
    tg.send_document(ADA, "web.md", ROADMAP)
    await tg.wait_for(lambda t: bool(t.sent(ADA)))
    preview = tg.last(ADA)
    assert "FastAPI or Django" in preview["text"]
    tg.press(ADA, preview["message_id"], buttons(preview)[0]["callback_data"])
    await tg.wait_for(lambda t: "Welcome" in t.last(ADA)["text"])

    await reply_to(tg, ADA, "/done 1")
    await reply_to(tg, ADA, "/done 2")  # week 1 done: the choice's first week opens
    week = await reply_to(tg, ADA, "/week")
    assert "Routing" in week["text"] and "Apps and views" not in week["text"]
    [follow] = [b for b in buttons(week) if "Django" in b["text"]]
    tg.press(ADA, week["message_id"], follow["callback_data"])
    await tg.wait_for(lambda t: "Django" in t.last(ADA)["text"] and "now" in t.last(ADA)["text"])
    week = await reply_to(tg, ADA, "/week")
    assert "Apps and views" in week["text"] and "Routing" not in week["text"]
