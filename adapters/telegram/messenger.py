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
from core.errors import PermanentFailure, RetryLater, TemporaryFailure, Unreachable
from core.ports import LearnerRef, SendGate
from core.reply import Reply

# Bad requests that mean the chat is gone rather than that the message was wrong.
_GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")


class TelegramMessenger:
    platform = PLATFORM

    def __init__(self, adapter: TelegramAdapter, gate: SendGate | None = None) -> None:
        self._adapter = adapter
        self._gate = gate

    async def deliver(self, to: LearnerRef, reply: Reply) -> None:
        chat_id = int(to.external_id)
        try:
            for part in render(reply):
                if self._gate is not None:
                    await self._gate.wait(to.external_id, group=chat_id < 0)
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
