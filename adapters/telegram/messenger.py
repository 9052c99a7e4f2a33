"""Messages the coach writes first on Telegram, with Telegram's refusals in the core's terms."""

from __future__ import annotations

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)

from adapters.telegram.bot import PLATFORM, TelegramAdapter
from adapters.telegram.render import render
from core.kernel.errors import PermanentFailure, RetryLater, TemporaryFailure, Unreachable
from core.kernel.refs import ChatRef, LearnerRef
from core.kernel.reply import Reply
from core.outreach.ports import SendGate

# Bad requests that mean the chat is gone rather than that the message was wrong.
_GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")
_POLL_GONE = ("poll has already been closed", "message with poll to stop not found")


class TelegramMessenger:
    platform = PLATFORM

    def __init__(self, adapter: TelegramAdapter, gate: SendGate | None = None) -> None:
        self._adapter = adapter
        self._gate = gate

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        await self._send(int(to.external_id), reply)

    async def post(self, chat: ChatRef, reply: Reply) -> None:
        chat_id = int(chat.external_id)
        if reply.closes is not None:
            await self._send(chat_id, None, close=int(reply.closes.message_ref))
        await self._send(chat_id, reply)

    async def _send(self, chat_id: int, reply: Reply | None, *, close: int | None = None) -> None:
        """Sends a reply, or stops the poll in message `close`, in Telegram's limits and
        with its refusals in the core's terms."""
        try:
            if close is not None:
                await self._wait(chat_id)
                await self._stop_poll(chat_id, close)
            for part in render(reply) if reply is not None else []:
                await self._wait(chat_id)
                await self._adapter.send_part(chat_id, part)
        except TelegramForbiddenError as refused:
            raise Unreachable(refused.message) from refused
        except TelegramRetryAfter as flood:
            raise RetryLater(float(flood.retry_after), flood.message) from flood
        except (TelegramServerError, TelegramNetworkError, ClientDecodeError) as failure:
            raise TemporaryFailure(str(failure)) from failure
        except (TelegramBadRequest, TelegramNotFound) as refused:
            if any(sign in refused.message.lower() for sign in _GONE):
                raise Unreachable(refused.message) from refused
            raise PermanentFailure(refused.message) from refused
        except TelegramAPIError as failure:
            raise PermanentFailure(failure.message) from failure
        except TimeoutError as failure:
            raise TemporaryFailure("timed out") from failure

    async def _wait(self, chat_id: int) -> None:
        if self._gate is not None:
            await self._gate.wait(str(chat_id), group=chat_id < 0)

    async def _stop_poll(self, chat_id: int, message_id: int) -> None:
        try:
            await self._adapter.bot.stop_poll(chat_id, message_id)
        except TelegramBadRequest as refused:
            # Closed before (a retried close) or deleted by an admin: the tally still goes.
            if not any(sign in refused.message.lower() for sign in _POLL_GONE):
                raise
