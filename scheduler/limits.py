"""Pacing outgoing requests within a platform's flood limits, with aiolimiter's leaky buckets."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from aiolimiter import AsyncLimiter

# Spacing a chat's messages this much wider than the limit absorbs network jitter: two
# requests sent exactly one interval apart can arrive closer than that.
JITTER_SLACK = 1.1
MAX_IDLE_CHAT_LIMITERS = 10_000


@dataclass(frozen=True)
class RateLimits:
    """A platform's limits; None lifts one."""

    overall_per_second: float | None = 30.0
    per_chat_per_second: float | None = 1.0
    per_group_per_minute: float | None = 20.0


TELEGRAM_LIMITS = RateLimits(30.0, 1.0, 20.0)


class RateGate:
    """Paces requests evenly: one overall bucket, one per chat, and holds set by a 429.

    Each bucket holds one request, so requests are spread out instead of sent in bursts;
    a burst would be within the letter of "30 per second" but is what flood control
    punishes first.
    """

    def __init__(self, limits: RateLimits = TELEGRAM_LIMITS) -> None:
        self.limits = limits
        self._overall = _spaced(limits.overall_per_second)
        self._chats: OrderedDict[tuple[str, bool], AsyncLimiter] = OrderedDict()
        self._held_until: dict[str | None, float] = {}

    async def wait(self, chat: str, *, group: bool = False) -> None:
        await self._sit_out_holds(chat)
        limiter = self._chat_limiter(chat, group)
        if limiter is not None:
            await limiter.acquire()
        if self._overall is not None:
            await self._overall.acquire()
        await self._sit_out_holds(chat)  # a 429 may have come in while this one queued

    def hold(self, seconds: float, chat: str | None = None) -> None:
        until = asyncio.get_running_loop().time() + seconds
        self._held_until[chat] = max(until, self._held_until.get(chat, 0.0))

    async def _sit_out_holds(self, chat: str) -> None:
        loop = asyncio.get_running_loop()
        while True:
            until = max(self._held_until.get(None, 0.0), self._held_until.get(chat, 0.0))
            remaining = until - loop.time()
            if remaining <= 0:
                self._held_until.pop(chat, None)
                return
            await asyncio.sleep(remaining)

    def _chat_limiter(self, chat: str, group: bool) -> AsyncLimiter | None:
        key = (chat, group)
        limiter = self._chats.get(key)
        if limiter is None:
            if group:
                per_minute = self.limits.per_group_per_minute
                limiter = _spaced(per_minute / 60 if per_minute else None, JITTER_SLACK)
            else:
                limiter = _spaced(self.limits.per_chat_per_second, JITTER_SLACK)
            if limiter is None:
                return None
            self._chats[key] = limiter
            self._forget_idle()
        else:
            self._chats.move_to_end(key)
        return limiter

    def _forget_idle(self) -> None:
        """Keeps memory flat across a million chats: an idle limiter is an empty bucket."""
        while len(self._chats) > MAX_IDLE_CHAT_LIMITERS:
            key, oldest = next(iter(self._chats.items()))
            if not oldest.has_capacity():
                return
            del self._chats[key]


def _spaced(per_second: float | None, slack: float = 1.0) -> AsyncLimiter | None:
    if per_second is None:
        return None
    return AsyncLimiter(1, slack / per_second)
