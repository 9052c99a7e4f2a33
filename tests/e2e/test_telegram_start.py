"""Starting against a Telegram that does not answer yet: the adapter waits it out with a
one-line warning, instead of ending the coach."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from adapters.telegram.bot import TelegramAdapter, make_bot
from core.app.coach import Coach
from tests.e2e.telegram_support import TOKEN
from tests.fakes.telegram import FakeTelegram

QUICK = (0.01, 0.02)


async def test_a_failing_telegram_at_start_is_tried_again_until_it_answers(
    tg: FakeTelegram, coach: Coach, caplog: pytest.LogCaptureFixture
) -> None:
    tg.fail_next("getMe", status=502, times=3)
    bot = make_bot(TOKEN, tg.base_url)
    adapter = TelegramAdapter(coach, bot)
    adapter.start_retry_delays = QUICK
    try:
        with caplog.at_level(logging.WARNING, logger="adapters.telegram.bot"):
            await adapter.prepare()
    finally:
        await bot.session.close()
    warnings = [r for r in caplog.records if "not reachable" in r.getMessage()]
    assert len(warnings) == 3
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in warnings)
    assert tg.commands  # it went on to set its command menus


async def test_an_unreachable_telegram_keeps_the_adapter_waiting_not_failing(
    coach: Coach, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = make_bot(TOKEN, f"http://127.0.0.1:{port}")
    adapter = TelegramAdapter(coach, bot)
    adapter.start_retry_delays = QUICK
    warned = asyncio.Event()

    class Heard(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "not reachable" in record.getMessage():
                warned.set()

    handler = Heard()
    logging.getLogger("adapters.telegram.bot").addHandler(handler)
    starting = asyncio.create_task(adapter.prepare())
    try:
        await asyncio.wait_for(warned.wait(), 10)
        assert not starting.done()  # still trying, not ended
    finally:
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        logging.getLogger("adapters.telegram.bot").removeHandler(handler)
        await bot.session.close()
