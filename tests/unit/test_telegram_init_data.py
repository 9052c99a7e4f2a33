"""A Telegram Mini App's initData: accepted only as Telegram signed it, and only fresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.web.telegram import telegram_user_id
from tests.fakes.telegram import mini_app_init_data

TOKEN = "123456:TEST"
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def signed(user_id: int = 42, at: datetime = NOW, token: str = TOKEN) -> str:
    user = {"id": user_id, "first_name": "Ада", "language_code": "ru"}
    return mini_app_init_data(token, user, at.timestamp())


def test_initdata_telegram_signed_names_its_user() -> None:
    assert telegram_user_id(signed(), TOKEN, NOW) == 42


@pytest.mark.parametrize(
    "init_data",
    [
        signed(token="654321:OTHER"),  # another bot's
        signed().replace("%22id%22%3A42", "%22id%22%3A43"),  # altered user
        signed(at=NOW - timedelta(hours=1, seconds=1)),  # stale
        signed(at=NOW + timedelta(minutes=5)),  # from the future
        signed().partition("&hash=")[0],  # no hash
        mini_app_init_data(TOKEN, {"first_name": "Ada"}, NOW.timestamp()),  # no user id
        "hash=&&&",
        "",
    ],
)
def test_anything_else_names_nobody(init_data: str) -> None:
    assert telegram_user_id(init_data, TOKEN, NOW) is None
