"""How fast the Telegram adapter answers, from an update entering the dispatcher to the answer.

The bot's session is replaced by one that answers every API call in memory, so the
figures are aiogram routing + middleware + core + rendering, with no network. An echo
bot (a message handler that sends the text back) on the same machinery, in the same
run, is the baseline: one set up as lean as the coach's dispatcher, and one on aiogram's
defaults (its FSM, and a magic filter, which aiogram runs on an executor thread).

    python -m bench.telegram [--learners 2000] [--updates 2000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from adapters.telegram.bot import TelegramAdapter, has_text
from adapters.telegram.render import CoachAction
from bench.commands import WEDNESDAY_NOON, percentile, seed
from core.app.coach import Coach
from core.kernel.clock import FrozenClock
from core.learning.tracks import BuiltinCatalog, builtin_track
from core.storage.engine import make_engine, make_sessions
from core.storage.migrate import upgrade
from core.storage.unit_of_work import SqlUnitOfWorkFactory

TOKEN = "123456:BENCH"
BOT_USER = User(id=123456, is_bot=True, first_name="Coach", username="coach_bench_bot")


class InMemorySession(BaseSession):
    """Answers Bot API calls without a network, as Telegram would shape the result."""

    def __init__(self) -> None:
        super().__init__()
        self.answers = 0
        self._ids = 0

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - the signature aiogram calls
    ) -> TelegramType:
        self.answers += 1
        name = type(method).__name__
        if name == "GetMe":
            return BOT_USER  # type: ignore[return-value]
        if name in {"SendMessage", "EditMessageText"}:
            self._ids += 1
            chat_id = int(getattr(method, "chat_id", 0) or 0)
            return Message(  # type: ignore[return-value]
                message_id=self._ids,
                date=datetime.now(UTC),
                chat=Chat(id=chat_id, type="private"),
                text=getattr(method, "text", ""),
            )
        return True  # type: ignore[return-value]

    async def close(self) -> None:
        return None

    def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("the benchmark downloads nothing")


def message_update(update_id: int, user_id: int, text: str) -> Update:
    user = User(id=user_id, is_bot=False, first_name=f"L{user_id}")
    return Update(
        update_id=update_id,
        message=Message(
            message_id=update_id,
            date=WEDNESDAY_NOON,
            chat=Chat(id=user_id, type="private"),
            from_user=user,
            text=text,
        ),
    )


def button_update(update_id: int, user_id: int, action: str) -> Update:
    user = User(id=user_id, is_bot=False, first_name=f"L{user_id}")
    message = Message(
        message_id=update_id,
        date=WEDNESDAY_NOON,
        chat=Chat(id=user_id, type="private"),
        text="/today",
    )
    query = CallbackQuery(
        id=str(update_id),
        from_user=user,
        chat_instance="1",
        message=message,
        data=CoachAction(action=action).pack(),
    )
    return Update(update_id=update_id, callback_query=query)


def echo_dispatcher(*, disable_fsm: bool, text_filter: Any) -> Dispatcher:
    dispatcher = Dispatcher(disable_fsm=disable_fsm)
    router = Router()

    @router.message(text_filter)
    async def echo_text(message: Message) -> None:
        await message.answer(message.text or "")

    dispatcher.include_router(router)
    return dispatcher


async def measure(
    name: str, feed: Callable[[Update], Awaitable[object]], updates: list[Update], concurrency: int
) -> tuple[str, float, float, float]:
    half = len(updates) // 2
    latencies = []
    for update in updates[:half]:
        started = time.perf_counter()
        await feed(update)
        latencies.append((time.perf_counter() - started) * 1000)
    queue = list(updates[half:])

    async def drain() -> None:
        while queue:
            await feed(queue.pop())

    started = time.perf_counter()
    await asyncio.gather(*(drain() for _ in range(concurrency)))
    per_second = (len(updates) - half) / (time.perf_counter() - started)
    return name, statistics.median(latencies), percentile(latencies, 0.99), per_second


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--learners", type=int, default=2_000)
    parser.add_argument("--updates", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        await upgrade(engine)
        await seed(engine, args.learners)
        coach = Coach(
            SqlUnitOfWorkFactory(make_sessions(engine)),
            FrozenClock(WEDNESDAY_NOON),
            BuiltinCatalog(),
        )

        session = InMemorySession()
        bot = Bot(TOKEN, session=session)
        adapter = TelegramAdapter(coach, bot)
        await adapter.prepare()

        # An echo bot on the coach's lean machinery (no FSM, a coroutine filter), and one
        # on aiogram's defaults (FSM on, a magic filter run on an executor thread).
        echo = echo_dispatcher(disable_fsm=True, text_filter=has_text)
        default_echo = echo_dispatcher(disable_fsm=False, text_filter=F.text)

        # Seeded learners are identities ("bench", n); on Telegram they are new users,
        # so each first /start makes its learner, outside the measurement.
        n = args.updates
        ids = iter(range(1, 10_000_000))
        users = [1_000_000 + i for i in range(n)]
        for user in users:
            await adapter.dispatcher.feed_update(bot, message_update(next(ids), user, "/start"))
        item = builtin_track().weeks[0].items[0].id

        def feed(dispatcher: Dispatcher) -> Callable[[Update], Awaitable[object]]:
            return lambda update: dispatcher.feed_update(bot, update)

        rows = [
            await measure(
                "echo handler (baseline)",
                feed(echo),
                [message_update(next(ids), u, "hello") for u in users],
                args.concurrency,
            ),
            await measure(
                "echo, aiogram's defaults",
                feed(default_echo),
                [message_update(next(ids), u, "hello") for u in users],
                args.concurrency,
            ),
            await measure(
                "/today",
                feed(adapter.dispatcher),
                [message_update(next(ids), u, "/today") for u in users],
                args.concurrency,
            ),
            await measure(
                "✓ button (/done + edit)",
                feed(adapter.dispatcher),
                [button_update(next(ids), u, f"done:{item}") for u in users],
                args.concurrency,
            ),
        ]
        await engine.dispose()
    baseline = rows[0][3]
    print(
        f"{n:,} updates each, {args.concurrency} in flight for throughput, database {engine.dialect.name}"
    )
    default_baseline = rows[1][3]
    print(f"| {'update':<26} | p50 ms | p99 ms | updates/s | vs echo | vs default echo |")
    print(f"|{'-' * 28}|-------:|-------:|----------:|--------:|----------------:|")
    for name, p50, p99, per_second in rows:
        print(
            f"| {name:<26} | {p50:>6.2f} | {p99:>6.2f} | {per_second:>9.0f} "
            f"| {per_second / baseline:>7.2f} | {per_second / default_baseline:>15.2f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
