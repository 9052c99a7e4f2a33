"""The coach's dispatcher keeps every update on the event loop: aiogram runs a filter or
handler that is not a coroutine on an executor thread, a hop there and back each time."""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot

from adapters.telegram.bot import TelegramAdapter
from core.app.ports import CoachPort


def test_every_filter_and_handler_is_awaited_on_the_loop_and_no_fsm_runs() -> None:
    adapter = TelegramAdapter(cast(CoachPort, object()), Bot("123456:TEST"))
    callables: list[Any] = []
    for router in adapter.dispatcher.chain_tail:
        for observer in router.observers.values():
            for handler in observer.handlers:
                callables += [handler, *(handler.filters or ())]
    assert len(callables) >= 8  # text, document, buttons (and their filter), polls, members
    on_a_thread = [repr(c.callback) for c in callables if not c.awaitable]
    assert on_a_thread == []
    middlewares = [type(m).__name__ for m in adapter.dispatcher.update.outer_middleware]
    assert "FSMContextMiddleware" not in middlewares
