"""Pacing outgoing requests within a platform's flood limits, with aiolimiter's leaky buckets."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter

# Spacing a chat's messages this much wider than the limit absorbs network jitter: two
# requests sent exactly one interval apart can arrive closer than that.
JITTER_SLACK = 1.1
MAX_IDLE_CHATS = 10_000


@dataclass(frozen=True)
class RateLimits:
    """A platform's limits; None lifts one."""

    overall_per_second: float | None = 30.0
    per_chat_per_second: float | None = 1.0
    per_group_per_minute: float | None = 20.0


TELEGRAM_LIMITS = RateLimits(30.0, 1.0, 20.0)
# 50 requests a second per bot; a channel's message route allows 5 every 5 seconds.
DISCORD_LIMITS = RateLimits(50.0, 1.0, None)


@dataclass
class _ChatPace:
    """One chat's queue: its requests go one at a time, an interval apart."""

    interval: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0


class RateGate:
    """Paces requests evenly: one overall bucket, a queue per chat, and holds set by a 429.

    The overall bucket (aiolimiter) holds one request, so requests are spread out rather
    than sent in bursts; a burst is within the letter of "30 per second" but is what flood
    control punishes first. A chat's interval is counted from when its previous request
    left, after any wait for the overall bucket, because that is what the platform sees.
    """

    def __init__(self, limits: RateLimits = TELEGRAM_LIMITS) -> None:
        self.limits = limits
        self._overall = (
            AsyncLimiter(1, 1 / limits.overall_per_second) if limits.overall_per_second else None
        )
        self._chats: OrderedDict[tuple[str, bool], _ChatPace] = OrderedDict()
        self._held_until: dict[str | None, float] = {}

    async def wait(self, chat: str, *, group: bool = False) -> None:
        pace = self._pace(chat, group)
        if pace is None:
            await self._take_turn(chat)
            return
        loop = asyncio.get_running_loop()
        async with pace.lock:
            delay = pace.next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await self._take_turn(chat)
            pace.next_at = loop.time() + pace.interval

    def hold(self, seconds: float, chat: str | None = None) -> None:
        until = asyncio.get_running_loop().time() + seconds
        self._held_until[chat] = max(until, self._held_until.get(chat, 0.0))

    def note_sent(self, chat: str, seconds_ago: float) -> None:
        """A request to `chat` left `seconds_ago`, outside this gate (before a restart, or
        from the worker that sent until now): the chat's next one keeps its interval.

        Noted under the private and the group pace alike, since the gate learns which one a
        chat has only when it is asked to wait for it; the other entry is never used.
        """
        left_at = asyncio.get_running_loop().time() - max(0.0, seconds_ago)
        for group in (False, True):
            pace = self._pace(chat, group)
            if pace is not None:
                pace.next_at = max(pace.next_at, left_at + pace.interval)

    async def _take_turn(self, chat: str) -> None:
        await self._sit_out_holds(chat)
        if self._overall is not None:
            await self._overall.acquire()
            await self._sit_out_holds(chat)  # a 429 may have come in while this one queued

    async def _sit_out_holds(self, chat: str) -> None:
        loop = asyncio.get_running_loop()
        while True:
            until = max(self._held_until.get(None, 0.0), self._held_until.get(chat, 0.0))
            remaining = until - loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(remaining)

    def _pace(self, chat: str, group: bool) -> _ChatPace | None:
        key = (chat, group)
        pace = self._chats.get(key)
        if pace is not None:
            self._chats.move_to_end(key)
            return pace
        if group:
            per_minute = self.limits.per_group_per_minute
            per_second = per_minute / 60 if per_minute else None
        else:
            per_second = self.limits.per_chat_per_second
        if per_second is None:
            return None
        pace = self._chats[key] = _ChatPace(JITTER_SLACK / per_second)
        self._forget_idle()
        return pace

    def _forget_idle(self) -> None:
        """Keeps memory flat across a million chats: a chat whose interval has passed and
        has nothing queued needs no state."""
        now = asyncio.get_running_loop().time()
        while len(self._chats) > MAX_IDLE_CHATS:
            key, oldest = next(iter(self._chats.items()))
            if oldest.lock.locked() or oldest.next_at > now:
                return
            del self._chats[key]
        for chat, until in list(self._held_until.items()):
            if until < now:
                del self._held_until[chat]
